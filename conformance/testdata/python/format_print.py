# The Python original of format_print.star: its output is format_print.out.
import sys


def err(f, *args, **kwargs):
    try:
        f(*args, **kwargs)
        return "no error"
    except Exception as e:
        return type(e).__name__ + ": " + str(e)


# A report as scripts print one: aligned columns, thousands, percentages.
rows = [("apples", 1234, 0.4567), ("kiwis", 56, 0.0321), ("watermelons", 1234567, 0.5112)]
print(format("name", "<12") + format("count", ">10") + format("share", ">8"))
for name, count, share in rows:
    print(format(name, "<12") + format(count, ">10,") + format(share, ">8.1%"))
print(format("", "-^30"))
for v, spec in [(3.14159, ".2f"), (3.14159, "8.3f"), (-3.14159, "+.1e"), (1e-7, "g"), (123456789, "_"), (255, "#010b"),
                (255, "X"), (-42, "=+8"), (42, "^9"), (1.5, "%"), ("text", ">8"), ("text", ".2"), (True, ""), (0.1 + 0.2, ""), (1e16, "")]:
    print("'" + spec + "'", "->", "[" + format(v, spec) + "]")
print(format(1234.5), format(None), format("x"))
print(err(format, 1, "s"), "|", err(format, "a", "d"), "|", err(format, 1, ".2d"))
print(err(format, "a", "=5"), "|", err(format, 1, ",_"), "|", err(format, None, ">5"), "|", err(format, 1.5, "x"))

print("a", "b", "c", sep=", ", end=".\n")
print("no newline", end="")
print(" -- continued", 42, None, 1e9, 0.1 + 0.2, float("inf"), -0.0)
print()
print("to stderr", file=sys.stderr, flush=True)
print(sep="", *[1, 2, 3])
print(err(print, "x", sep=5))


class Sink:
    def __init__(self):
        self.parts = []

    def write(self, s):
        self.parts.append(s)


sink = Sink()
print("into", "a sink", file=sink)
print("".join(sink.parts), end="")

print(round(2.675, 2), round(2.5), round(3.5), round(-2.5), round(0.5), round(1.5, 0), round(-0.4))
print(round(1234.5678, 1), round(1234.5, -2), round(1250, -2), round(1350, -2), round(7, 2), round(1e300, 2))
print(err(round, float("inf")), "|", err(round, float("nan")), "|", err(round, "a"))
print(divmod(7, 2), divmod(-7, 2), divmod(7, -2), divmod(7.5, 2), divmod(-7.5, 2))
print(err(divmod, 1, 0), "|", err(divmod, 1.0, 0), "|", err(divmod, "a", 1))
print(pow(2, 10), pow(2, 100), pow(2, -2), pow(2.0, 0.5), pow(3, 4, 5), pow(3, -1, 7), pow(-2, 3, 5), pow(2, 3, -5))
print(err(pow, 2, 3, 0), "|", err(pow, 6, -1, 4), "|", err(pow, 2, 3.0, 5), "|", err(pow, 0.0, -1))
print(hex(255), hex(-255), oct(8), oct(-8), bin(5), bin(-5), bin(0), hex(pow(2, 70)))
print(err(hex, 1.0), "|", err(bin, "1"))
