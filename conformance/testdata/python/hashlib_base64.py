# The Python original of hashlib_base64.star: its output is hashlib_base64.out.
import base64
import hashlib


def err(f, *args, **kwargs):
    try:
        f(*args, **kwargs)
        return "no error"
    except Exception as e:
        m, n = type(e).__module__, type(e).__qualname__
        return (n if m == "builtins" else m + "." + n) + ": " + str(e)


for name in ["md5", "sha1", "sha224", "sha256", "sha384", "sha512"]:
    h = hashlib.new(name, b"The quick brown fox")
    print(name, h.name, h.digest_size, h.block_size, h.hexdigest())
h = hashlib.sha256()
h.update(b"hello ")
c = h.copy()
h.update(b"world")
print(h.hexdigest() == hashlib.sha256(b"hello world").hexdigest(), c.hexdigest() == hashlib.sha256(b"hello ").hexdigest())
print(list(hashlib.md5(b"abc").digest())[:4], len(hashlib.sha512().digest()))
print(hashlib.new("SHA256").name, str(sorted(hashlib.algorithms_guaranteed & set(["md5", "sha1", "sha256"]))).replace("'", '"'))
print(err(hashlib.sha256, "text"), "|", err(hashlib.new, "whirlpool2"), "|", err(hashlib.md5().update, 5))

for data in [b"", b"f", b"fo", b"foo", b"\xff\xfe\xfd", b"hello world"]:
    e = base64.b64encode(data)
    print(e.decode(), base64.b64decode(e) == data, base64.urlsafe_b64encode(data).decode(), base64.b16encode(data).decode())
print(base64.b64decode("aGVs bG8=\n").decode(), base64.b64decode(b"aGVsbG8=").decode(), list(base64.urlsafe_b64decode("__4=")), base64.b64encode(b"\xff\xfe", altchars=b"-_").decode())
print(base64.standard_b64encode(b"x").decode(), base64.standard_b64decode("eA==").decode(), base64.b16decode("414A").decode(), base64.b16decode("4a", casefold=True).decode())
print(err(base64.b64decode, "YWJ"), "|", err(base64.b64decode, "Y"), "|", err(base64.b64decode, "YW Jj", validate=True))
print(err(base64.b64encode, "text"), "|", err(base64.b64decode, "YWJjé"), "|", err(base64.b16decode, "4"), "|", err(base64.b16decode, "4a"))
