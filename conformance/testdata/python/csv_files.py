# The Python original of csv_files.star: its output is csv_files.out.
# A CSV file read through open() by csv.reader and csv.DictReader, a report
# written by csv.DictWriter, and the file's SHA-256.
import csv
import hashlib
import sys

with open("data/inventory.csv", newline="") as f:
    rows = list(csv.reader(f))
print(len(rows), "|".join(rows[0]), "|".join(rows[3]))

f = open("data/inventory.csv", newline="")
total = 0.0
out = csv.DictWriter(sys.stdout, ["sku", "value"], lineterminator="\n")
out.writeheader()
for row in csv.DictReader(f):
    value = int(row["qty"]) * float(row["price"])
    total += value
    out.writerow({"sku": row["sku"], "value": format(value, ".2f")})
f.close()
print("total", format(total, ",.2f"))
f = open("data/inventory.csv", newline="")
r = csv.reader(f)
header = next(r)
print(header[1], next(r)[1], r.line_num, len([row for row in r]), next(r, "end"))
f.close()
print(hashlib.sha256(open("data/inventory.csv", "rb").read()).hexdigest())
f = open("data/inventory.csv", "rb")
print(hashlib.file_digest(f, "sha256").hexdigest())
f.close()
