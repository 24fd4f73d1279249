package hashlib

import (
	"testing"

	"github.com/mpstar/mpstar/lib/internal/startest"
)

func TestHashlib(t *testing.T) {
	startest.Run(t, []startest.Case{
		// FIPS 180-2 and RFC 1321 test vectors.
		{Src: `print(hashlib.sha256(b"abc").hexdigest())`, Want: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{Src: `print(hashlib.md5(b"abc").hexdigest(), hashlib.sha1(b"abc").hexdigest())`, Want: "900150983cd24fb0d6963f7d28e17f72 a9993e364706816aba3e25717850c26c9cd0d89d"},
		{Src: `h = hashlib.new("sha512")
h.update(b"a")
c = h.copy()
h.update(b"bc")
print(h.hexdigest() == hashlib.sha512(b"abc").hexdigest(), c.hexdigest() == hashlib.sha512(b"a").hexdigest(), len(h.digest()), h.digest_size, h.name)`, Want: "True True 64 64 sha512"},
		{Src: `print(hashlib.sha3_256(b"abc").hexdigest(), hashlib.new("SHA3-256").name, hashlib.new("sha-1").name, hashlib.sha3_256().block_size)`, Want: "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532 sha3_256 sha1 136"},
		{Src: `h = hashlib.sha3_512(b"a"); c = h.copy(); c.update(b"b")
print(h.hexdigest() == hashlib.sha3_512(b"a").hexdigest(), c.hexdigest() == hashlib.sha3_512(b"ab").hexdigest())`, Want: "True True"},
		{Src: `chunks = [b"a", b"bc", b""]
f = struct(read = lambda n: chunks.pop(0))
print(hashlib.file_digest(f, "sha256").hexdigest() == hashlib.sha256(b"abc").hexdigest())
f = struct(read = lambda n: b"")
print(hashlib.file_digest(f, hashlib.md5).hexdigest())`, Want: "True\nd41d8cd98f00b204e9800998ecf8427e"},
		{Src: `hashlib.file_digest(struct(read = lambda n: "text"), "md5")`, Err: "is not a file-like object in binary reading mode."},
		{Src: `hashlib.sha256("abc")`, Err: "TypeError: Strings must be encoded before hashing"},
		{Src: `hashlib.new("md4")`, Err: "ValueError: unsupported hash type md4"},
	}, Module)
}
