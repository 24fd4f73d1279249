# The Python original of codecs_module.star: its output is codecs_module.out.
# str.encode and bytes.decode are codecs.encode and codecs.decode in
# Starlark, whose str and bytes types take no new methods.
import codecs


def err(f, *args, **kwargs):
    try:
        f(*args, **kwargs)
        return "no error"
    except Exception as e:
        return type(e).__name__ + ": " + str(e)


def show(b):
    return list(b)


text = "héllo wörld €5 😀"
data = codecs.encode(text)
print(len(text.encode()), show(data), codecs.decode(data) == text)
print(show(codecs.encode(text, "latin-1", "replace")), show(codecs.encode(text, "ascii", "ignore")))
print(codecs.decode(codecs.encode(text, "ascii", "backslashreplace"), "ascii"), codecs.decode(codecs.encode(text, "ASCII", "xmlcharrefreplace")))
print(codecs.decode(b"caf\xe9", "latin-1"), codecs.decode(b"caf\xe9", "ISO-8859-1"), codecs.decode(b"caf\xc3\xa9", "utf8"), codecs.decode(b"abc", "US-ASCII"))
print(codecs.decode(b"a\xffb\xe2\x82", "utf-8", "replace"), codecs.decode(b"a\xffb\xe2\x82", "utf-8", "ignore"), codecs.decode(b"a\xffb", "utf-8", "backslashreplace"))
print(codecs.decode(b"\xed\xa0\x80x\xf0\x9f\x98", errors="replace"))
print(err(codecs.encode, "héllo", "ascii"))
print(err(codecs.encode, "h€llo", "latin-1"), "|", err(codecs.encode, "😀", "ascii"))
print(err(codecs.decode, b"h\xe9llo"))
print(err(codecs.decode, b"\xff"), "|", err(codecs.decode, b"ab\xe2\x82"), "|", err(codecs.decode, b"h\x80", "ascii"))
print(err(codecs.encode, "x", "nope"), "|", err(codecs.encode, "é", "ascii", "bogus"), "|", show(codecs.encode("x", "ascii", "bogus")))
print(err(codecs.encode, b"x"), "|", err(codecs.decode, "x"))
