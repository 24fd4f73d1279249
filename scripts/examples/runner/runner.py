# A parallel command runner like xargs -P: runs every line of a file as a
# shell command, N at a time, with a progress bar on stderr; then reports
# each command's outcome in the file's order, failures with their exit
# status, and commands that outlived the time limit as killed.
#
#   python3 runner.py [-P N] [FILE]      (default: 4 at a time, commands.txt)

import subprocess
import sys
from multiprocessing import Pool

TIMEOUT = 1  # seconds per command
WIDTH = 30   # characters of the progress bar


def run_one(job):
    index, command = job
    try:
        done = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return index, "timeout", ""
    return index, done.returncode, done.stdout.strip()


def progress(done, total):
    filled = WIDTH * done // total
    sys.stderr.write("\r[" + "#" * filled + "." * (WIDTH - filled) + "] " + str(done) + "/" + str(total))
    sys.stderr.flush()


def main():
    args = sys.argv[1:]
    workers = 4
    if len(args) >= 2 and args[0] == "-P":
        workers = int(args[1])
        args = args[2:]
    path = args[0] if args else "commands.txt"
    with open(path) as f:
        commands = [line.strip() for line in f if line.strip()]

    results = {}
    pool = Pool(workers)
    for index, status, output in pool.imap_unordered(run_one, list(enumerate(commands))):
        results[index] = (status, output)
        progress(len(results), len(commands))
    pool.close()
    pool.join()
    sys.stderr.write("\n")

    counts = {"ok": 0, "failed": 0, "timed out": 0}
    for index, command in enumerate(commands):
        status, output = results[index]
        if status == "timeout":
            counts["timed out"] += 1
            print("KILLED  ", command, "(after", TIMEOUT, "s)")
        elif status != 0:
            counts["failed"] += 1
            print("EXIT", (str(status) + "  ")[:3], command)
        else:
            counts["ok"] += 1
            print("ok      ", command, "->", output)
    print(len(commands), "commands:", ", ".join([str(n) + " " + what for what, n in counts.items()]))


if __name__ == "__main__":
    main()
