# The Python original of csv_module.star: its output is csv_module.out.
import csv
import io
import json
import sys


def enc(x):
    return json.dumps(x, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def err(f, *args, **kwargs):
    try:
        f(*args, **kwargs)
        return "no error"
    except Exception as e:
        m, n = type(e).__module__, type(e).__qualname__
        return (n if m == "builtins" else m + "." + n) + ": " + str(e)


lines = ["name,qty,note\r\n", 'apple,3,"red, round"\r\n', 'pear,,"say ""hi"""\r\n', "\r\n", '"multi\r\n', 'line",1,x\r\n', "plain,2\r\n"]
r = csv.reader(lines)
for row in r:
    print(r.line_num, enc(row))
print(enc(list(csv.reader(["a;b;'c;d'"], delimiter=";", quotechar="'"))))
print(enc(list(csv.reader(["a,  b, c"], skipinitialspace=True))))
print(enc(list(csv.reader(['a\\,b,c'], escapechar="\\"))))
print(enc(list(csv.reader(['1,"x",2.5'], quoting=csv.QUOTE_NONNUMERIC))))
print(enc(list(csv.reader(['a,"b"c,d']))), enc(list(csv.reader(['a,b"c,d']))))
print(enc(list(csv.reader(["a\tb"], dialect="excel-tab"))), enc(csv.list_dialects()))

w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(["a", "b c", 'q"x', "1,2", None, 3, 2.5, True, "line\nbreak", ""])
w.writerow([""])
w.writerow([])
w.writerows([[1, 2], ["x"]])
csv.writer(sys.stdout, quoting=csv.QUOTE_ALL, lineterminator="\n").writerow(["a", 1, None])
csv.writer(sys.stdout, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n").writerow(["a", 1, 2.0, None])
csv.writer(sys.stdout, quoting=csv.QUOTE_NONE, escapechar="\\", lineterminator="\n").writerow(["a,b", 'c"d'])
csv.writer(sys.stdout, delimiter="|", quotechar="'", lineterminator="\n").writerow(["a|b", "it's", "x"])
csv.writer(sys.stdout, dialect="unix").writerow(["u", 1])


class Collect:
    def __init__(self):
        self.lines = []

    def write(self, s):
        self.lines.append(s)
        return len(s)


out = Collect()
print(csv.writer(out).writerow(["x", "y"]), enc(out.lines))

dr = csv.DictReader(["name,age", "bob,3", "", "al,4,extra,more", "cy"])
print(enc(dr.fieldnames))
for d in dr:
    print(enc({str(k): v for k, v in d.items()}), dr.line_num)
dr = csv.DictReader(["1,2,3"], fieldnames=["a", "b"], restkey="rest")
print(enc([d for d in dr]))
dr = csv.DictReader(["1"], fieldnames=["a", "b"], restval="-")
print(enc([d for d in dr]))

dw = csv.DictWriter(sys.stdout, ["name", "age"], lineterminator="\n", restval="?")
dw.writeheader()
dw.writerow({"age": 1, "name": "bo"})
dw.writerows([{"name": "cy"}, {"name": "di", "age": 9}])
print(err(dw.writerow, {"name": "bo", "zz": 1}))
csv.DictWriter(sys.stdout, ["a"], extrasaction="ignore", lineterminator="\n").writerow({"a": 1, "b": 2})
print(err(csv.DictWriter, sys.stdout, ["a"], extrasaction="nope"))
print(err(csv.writer(sys.stdout, quoting=csv.QUOTE_NONE).writerow, ["a,b"]))
print(err(csv.writer(sys.stdout, quoting=csv.QUOTE_NONE).writerow, [""]))
print(err(lambda: list(csv.reader(['a,"b'], strict=True))))
print(err(lambda: list(csv.reader(["a,b\rc"]))))
print(err(lambda: list(csv.reader(["x"], quoting=csv.QUOTE_NONNUMERIC))))
print(err(csv.reader, ["x"], delimiter=""))
print(err(csv.reader, ["x"], dialect="nope"))
print(err(csv.writer(sys.stdout).writerow, 5))
print(enc(list(csv.reader(['a,"b']))))
