# The Python original of re_module.star: its output is re_module.out.
import json
import re


def enc(x):
    return json.dumps(x, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def err(f, *args):
    try:
        f(*args)
        return "no error"
    except Exception as e:
        m, n = type(e).__module__, type(e).__qualname__
        return (n if m == "builtins" else m + "." + n) + ": " + str(e)


def span(m):
    return enc([m.start(), m.end(), m.span(), m.group()])


text = "From: alice@example.com, bob@test.org; carol (no mail)\nTo: dave@example.com\n"
print(enc(re.findall(r"\w+@\w+\.\w+", text)))
print(enc(re.findall(r"(\w+)@(\w+)\.(\w+)", text)))
print(enc(re.findall(r"(\w+)@\w+", text)))
for m in re.finditer(r"(?P<user>\w+)@(?P<host>[\w.]+)", text):
    print(span(m), enc(m.groupdict()), m.group("user"), m["host"], m.lastgroup, m.lastindex)
m = re.search(r"(\d+)-(\d+)?-(\d+)", "tel 555--1234")
print(enc(m.groups()), enc(m.groups("?")), enc(m.group(0, 1, 2)), m.span(2), m.start(3))
print(re.match(r"\d+", "abc 123"), span(re.match(r"\w+", "abc 123")))
print(re.fullmatch(r"\d+", "123x"), span(re.fullmatch(r"a|ab", "ab")))
print(span(re.search(r"^To: (.*)$", text, re.MULTILINE)))
print(span(re.search(r"from", text, re.IGNORECASE)))
print(enc(re.findall(r"a.b", "a\nb a-b", re.DOTALL)), enc(re.findall(r"a.b", "a\nb a-b")))
verbose = re.compile(r"""
    (\d{3})   # area code
    [-\s]?    # separator
    (\d{4})   # number
""", re.VERBOSE)
print(enc(verbose.findall("555-1234 and 555 9876")))
print(re.sub(r"(\w+) (\w+)", r"\2 \1", "hello world, good day"))
print(re.sub(r"(?P<first>\w+) (?P<second>\w+)", r"\g<second>_\g<first>\n", "ab cd").rstrip("\n"))
print(re.sub(r"\d+", lambda m: str(int(m.group()) * 2), "a1 b22 c333"))
print(re.sub(r"x*", "-", "abxd"), re.sub("a", "b", "aaaa", count=2), enc(re.subn(r"\s+", " ", "a  b \t c")))
print(enc(re.split(r"\W+", "Words, words, words.")), enc(re.split(r"(\W+)", "Words, words.")))
print(enc(re.split(r"\W+", "Words, words, words.", maxsplit=1)), enc(re.split(r"(a)|b", "xaybz")))
print(enc(re.findall(r"x*", "abxd")), enc(re.findall(r"\b\w", "one two  three")))
print(re.escape("a.b*c (1+1) [x] ~#&"))
p = re.compile(r"(?P<k>\w+)=(?P<v>\d+)", re.I)
print(p.pattern, p.flags, p.groups, enc(dict(p.groupindex)))
print(span(p.search("  a=1 b=2", 5)), p.match("  a=1", 2).group("k"), p.match("  a=1", 1))
print(enc([m.group() for m in p.finditer("a=1 b=2 c=3", 0, 7)]))
print(enc(re.findall(r"\d+", "٣ 12 ½")), enc(re.findall(r"\w+", "naïve café")), enc(re.split(r"\s+", "a\u00a0b\u2003c d")))
print(enc(re.findall(r"(?i)straße", "STRASSE straße Straße")), enc(re.findall(r"[\w-]+", "a-b c_d")))
print(enc(re.findall(r"\x41\u0042\101\n?", "ABA ABA\n")))
print(re.compile(r"a", re.M | re.S), re.compile(r"b"), re.compile(r"(?x) a b").pattern)
print(err(re.compile, "(a"), err(re.compile, "a)"), err(re.compile, "[a"))
print(err(re.compile, "*a"), err(re.compile, "a**"))
print(err(re.sub, "(a)", r"\2", "a"), err(re.sub, "a", r"\q", "a"), err(re.sub, "(a)", r"\g<x>", "a"))
print(err(lambda: re.match("(a)", "a").group(2)))
