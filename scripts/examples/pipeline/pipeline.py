# A producer/consumer pipeline: the parent reads a CSV file and puts each row
# on a JoinableQueue; worker processes transform rows and put the results on
# a second queue; a None per worker (a sentinel) stops them. The parent
# writes the result CSV in id order on stdout, and a summary on stderr.
#
#   python3 pipeline.py [FILE]      (default: orders.csv)

import csv
import sys
from multiprocessing import JoinableQueue, Process, Queue

WORKERS = 3
LARGE_CENTS = 100000
FIELDS = ["id", "customer", "country", "total_cents", "size"]


def transform(row):
    total = int(row["quantity"]) * int(row["unit_price_cents"])
    return {
        "id": row["id"],
        "customer": row["customer"].strip().title(),
        "country": row["country"].strip().upper(),
        "total_cents": str(total),
        "size": "large" if total >= LARGE_CENTS else "small",
    }


def worker(tasks, results):
    while True:
        row = tasks.get()
        if row is None:
            tasks.task_done()
            break
        results.put(transform(row))
        tasks.task_done()


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "orders.csv"
    tasks = JoinableQueue()
    results = Queue()
    workers = [Process(target=worker, args=(tasks, results)) for _ in range(WORKERS)]
    for p in workers:
        p.start()

    n = 0
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            tasks.put(row)
            n += 1
    for _ in workers:
        tasks.put(None)
    tasks.join()

    rows = [results.get() for _ in range(n)]
    for p in workers:
        p.join()
    rows = sorted(rows, key=lambda r: int(r["id"]))
    out = csv.DictWriter(sys.stdout, fieldnames=FIELDS, lineterminator="\n")
    out.writeheader()
    out.writerows(rows)
    large = len([r for r in rows if r["size"] == "large"])
    sys.stderr.write(str(n) + " rows, " + str(large) + " large orders, " + str(WORKERS) + " workers\n")


if __name__ == "__main__":
    main()
