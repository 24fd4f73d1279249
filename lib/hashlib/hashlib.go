package hashlib

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"encoding"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"strings"
	"unsafe" // hashes a Starlark string's bytes without copying them

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/value"
	"github.com/mpstar/mpstar/lib/pybuiltins"
)

// Module hashlib is Python's hashlib: message digests of bytes.
//
//	md5(data=b"") -> hash
//	sha1(data=b"") -> hash
//	sha224(data=b"") -> hash
//	sha256(data=b"") -> hash
//	sha384(data=b"") -> hash
//	sha512(data=b"") -> hash
//	sha3_224, sha3_256, sha3_384, sha3_512(data=b"") -> hash
//	new(name, data=b"") -> hash
//	file_digest(fileobj, digest) -> hash  # digest: a name or a constructor
//	algorithms_guaranteed, algorithms_available  # sets of names
//
// A hash has update(data), digest() -> bytes, hexdigest() -> str, copy(),
// name, digest_size and block_size. data is bytes: a str fails with
// TypeError, as in Python (codecs.encode(s) or bytes(s) turns it into
// bytes).
var Module = value.NewModule("hashlib", members)

// algorithms are the digests by Python's name.
var algorithms = map[string]func() hash.Hash{
	"md5":    md5.New,
	"sha1":   sha1.New,
	"sha224": sha256.New224,
	"sha256": sha256.New,
	"sha384": sha512.New384,
	"sha512": sha512.New,
	// *sha3.SHA3 implements hash.Hash and the binary (un)marshalers copy uses.
	"sha3_224": func() hash.Hash { return sha3.New224() },
	"sha3_256": func() hash.Hash { return sha3.New256() },
	"sha3_384": func() hash.Hash { return sha3.New384() },
	"sha3_512": func() hash.Hash { return sha3.New512() },
}

func members() starlark.StringDict {
	d := starlark.StringDict{
		"new":         starlark.NewBuiltin("hashlib.new", hashNew),
		"file_digest": starlark.NewBuiltin("hashlib.file_digest", fileDigest),
	}
	names := starlark.NewSet(len(algorithms))
	for name := range algorithms {
		d[name] = starlark.NewBuiltin("hashlib."+name, constructor(name))
		names.Insert(starlark.String(name))
	}
	names.Freeze()
	d["algorithms_guaranteed"] = names
	d["algorithms_available"] = names
	return d
}

// Hash is a running message digest, as Python's hash objects.
type Hash struct {
	name string
	h    hash.Hash
}

var _ starlark.HasAttrs = (*Hash)(nil)

// constructor makes hashlib.md5(data=b"") and the others.
func constructor(name string) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var data starlark.Value
		var usedforsecurity bool
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, "data?", &data, "usedforsecurity?", &usedforsecurity); err != nil {
			return nil, err
		}
		return newHash(name, data)
	}
}

// def new(name, data=b"")
func hashNew(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var name string
	var data starlark.Value
	var usedforsecurity bool
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "name", &name, "data?", &data, "usedforsecurity?", &usedforsecurity); err != nil {
		return nil, err
	}
	return newNamed(name, data)
}

// newNamed is new(name, data): the name as Python's (OpenSSL's) spellings
// give it: "sha256", "SHA256", "sha-1", "SHA3-256".
func newNamed(name string, data starlark.Value) (*Hash, error) {
	name = strings.ToLower(strings.ReplaceAll(name, "-", "_"))
	if strings.HasPrefix(name, "sha_") { // "SHA-256"
		name = "sha" + name[4:]
	}
	if algorithms[name] == nil {
		return nil, exceptions.ValueError.Errorf("unsupported hash type %s", name)
	}
	return newHash(name, data)
}

func newHash(name string, data starlark.Value) (*Hash, error) {
	h := &Hash{name: name, h: algorithms[name]()}
	if data != nil {
		if err := h.write(data); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// write adds bytes to the digest; Python refuses str.
func (h *Hash) write(data starlark.Value) error {
	switch d := data.(type) {
	case starlark.Bytes:
		// The digests have no WriteString, and io.WriteString would copy
		// the data first; Write only reads it.
		h.h.Write(unsafe.Slice(unsafe.StringData(string(d)), len(d)))
		return nil
	case starlark.String:
		return exceptions.TypeError.Errorf("Strings must be encoded before hashing")
	}
	return exceptions.TypeError.Errorf("object supporting the buffer API required")
}

// String is repr(h), as Python's: <sha256 _hashlib.HASH object @ ...>
// without the address.
func (h *Hash) String() string { return fmt.Sprintf("<%s _hashlib.HASH object>", h.name) }

// Type implements starlark.Value.
func (h *Hash) Type() string { return "_hashlib.HASH" }

// Freeze implements starlark.Value: a hash stays updatable, as in Python.
func (h *Hash) Freeze() {}

// Truth implements starlark.Value.
func (h *Hash) Truth() starlark.Bool { return true }

// Hash fails: hash objects are mutable.
func (h *Hash) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: _hashlib.HASH") }

// Attr implements starlark.HasAttrs.
func (h *Hash) Attr(name string) (starlark.Value, error) {
	switch name {
	case "name":
		return starlark.String(h.name), nil
	case "digest_size":
		return starlark.MakeInt(h.h.Size()), nil
	case "block_size":
		return starlark.MakeInt(h.h.BlockSize()), nil
	}
	return value.Attr(hashMethods, h, name)
}

// AttrNames implements starlark.HasAttrs.
func (h *Hash) AttrNames() []string {
	return []string{"block_size", "copy", "digest", "digest_size", "hexdigest", "name", "update"}
}

var hashMethods = value.NewMethods(func() map[string]*starlark.Builtin {
	return map[string]*starlark.Builtin{
		"update":    starlark.NewBuiltin("update", hashUpdate),
		"digest":    starlark.NewBuiltin("digest", hashSum(func(b []byte) starlark.Value { return starlark.Bytes(b) })),
		"hexdigest": starlark.NewBuiltin("hexdigest", hashSum(func(b []byte) starlark.Value { return starlark.String(hex.EncodeToString(b)) })),
		"copy":      starlark.NewBuiltin("copy", hashCopy),
	}
})

// def update(data)
func hashUpdate(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var data starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &data); err != nil {
		return nil, err
	}
	return starlark.None, b.Receiver().(*Hash).write(data)
}

// hashSum makes digest() and hexdigest(): the digest so far, which more
// updates may extend.
func hashSum(conv func([]byte) starlark.Value) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
			return nil, err
		}
		return conv(b.Receiver().(*Hash).h.Sum(nil)), nil
	}
}

// def copy(): an independent hash with the same state.
func hashCopy(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	h := b.Receiver().(*Hash)
	state, err := h.h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		return nil, err
	}
	c := &Hash{name: h.name, h: algorithms[h.name]()}
	if err := c.h.(encoding.BinaryUnmarshaler).UnmarshalBinary(state); err != nil {
		return nil, err
	}
	return c, nil
}

// fileChunk is how much file_digest reads at a time.
const fileChunk = 1 << 18

// def file_digest(fileobj, digest): the hash of what fileobj.read(n)
// returns until it returns b"" (a file opened "rb").
func fileDigest(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var f, digest starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 2, &f, &digest); err != nil {
		return nil, err
	}
	var h *Hash
	switch d := digest.(type) {
	case starlark.String:
		var err error
		if h, err = newNamed(string(d), nil); err != nil {
			return nil, err
		}
	case starlark.Callable:
		v, err := starlark.Call(thread, d, nil, nil)
		if err != nil {
			return nil, err
		}
		var ok bool
		if h, ok = v.(*Hash); !ok {
			return nil, exceptions.TypeError.Errorf("%s: digest must make a hash object, not %s", b.Name(), v.Type())
		}
	default:
		return nil, exceptions.TypeError.Errorf("%s: digest must be a name or a hash constructor, not %s", b.Name(), digest.Type())
	}
	for {
		chunk, err := pybuiltins.CallMethod(thread, f, "read", starlark.MakeInt(fileChunk))
		if err != nil {
			return nil, err
		}
		data, ok := chunk.(starlark.Bytes)
		if !ok {
			return nil, exceptions.ValueError.Errorf("'%s' is not a file-like object in binary reading mode.", f)
		}
		if len(data) == 0 {
			return h, nil
		}
		io.WriteString(h.h, string(data))
	}
}
