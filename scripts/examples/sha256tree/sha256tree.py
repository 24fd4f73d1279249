# Parallel SHA-256 of a directory tree, checked against sha256sum: workers
# hash the files in blocks, the parent prints sha256sum's format and then
# runs sha256sum itself to compare.
#
#   python3 sha256tree.py [DIRECTORY]      (default: tree)

import hashlib
import os
import subprocess
import sys
from multiprocessing import Pool

BLOCK = 64 * 1024


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            block = f.read(BLOCK)
            if not block:
                break
            h.update(block)
    return h.hexdigest()


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "tree"
    names = []
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames:
            names.append(os.path.relpath(os.path.join(dirpath, name), root))
    names = sorted(names)

    pool = Pool(4)
    digests = pool.map(sha256_file, [os.path.join(root, name) for name in names])
    pool.close()
    pool.join()
    lines = [digest + "  " + name for digest, name in zip(digests, names)]
    for line in lines:
        print(line)

    out = subprocess.run(["sha256sum"] + names, cwd=root, capture_output=True, text=True, check=True).stdout
    theirs = out.splitlines()
    if theirs == lines:
        print("all", len(lines), "digests match sha256sum")
    else:
        for mine, other in zip(lines, theirs):
            if mine != other:
                print("MISMATCH", mine, "sha256sum:", other)


if __name__ == "__main__":
    main()
