package file

// Text encodings: UTF-8 (Starlark strings hold UTF-8 already, so decoding
// only validates it), ASCII and Latin-1.

import (
	"strings"
	"unicode/utf8"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
)

// codec converts between a file's bytes and the script's strings.
type codec struct {
	name      string // as CPython names it in a file's repr
	multibyte bool   // a character may take more than one byte
	decode    func([]byte) ([]byte, error)
	encode    func(string) ([]byte, error)
}

// codecs are the supported encodings by their normalised names.
var codecs = map[string]*codec{
	"utf-8":   {name: "utf-8", multibyte: true, decode: decodeUTF8, encode: func(s string) ([]byte, error) { return []byte(s), nil }},
	"ascii":   {name: "ascii", decode: decodeASCII, encode: encodeBelow("ascii", 0x80)},
	"latin-1": {name: "latin-1", decode: decodeLatin1, encode: encodeBelow("latin-1", 0x100)},
}

// aliases are other spellings CPython accepts for the same encodings.
var aliases = map[string]string{
	"utf8": "utf-8", "u8": "utf-8", "us-ascii": "ascii", "latin1": "latin-1",
	"iso-8859-1": "latin-1", "iso8859-1": "latin-1", "l1": "latin-1",
}

// lookupCodec finds an encoding by any of its names, as codecs.lookup.
func lookupCodec(name string) (*codec, error) {
	n := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), "_", "-")
	if a, ok := aliases[n]; ok {
		n = a
	}
	if c, ok := codecs[n]; ok {
		return c, nil
	}
	return nil, exceptions.LookupError.Errorf("unknown encoding: %s (mpstar reads and writes utf-8, ascii and latin-1)", name)
}

func decodeUTF8(b []byte) ([]byte, error) {
	if utf8.Valid(b) {
		return b, nil
	}
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return nil, exceptions.UnicodeDecodeError.Errorf("'utf-8' codec can't decode byte 0x%02x in position %d: invalid start byte", b[i], i)
		}
		i += size
	}
	return b, nil
}

func decodeASCII(b []byte) ([]byte, error) {
	for i, c := range b {
		if c >= 0x80 {
			return nil, exceptions.UnicodeDecodeError.Errorf("'ascii' codec can't decode byte 0x%02x in position %d: ordinal not in range(128)", c, i)
		}
	}
	return b, nil
}

func decodeLatin1(b []byte) ([]byte, error) {
	out := make([]byte, 0, len(b))
	for _, c := range b {
		out = utf8.AppendRune(out, rune(c))
	}
	return out, nil
}

// encodeBelow encodes characters below limit as one byte each.
func encodeBelow(name string, limit rune) func(string) ([]byte, error) {
	return func(s string) ([]byte, error) {
		out := make([]byte, 0, len(s))
		pos := 0
		for _, r := range s {
			if r >= limit {
				return nil, exceptions.UnicodeEncodeError.Errorf("'%s' codec can't encode character '\\u%04x' in position %d: ordinal not in range(%d)", name, r, pos, limit)
			}
			out = append(out, byte(r))
			pos++
		}
		return out, nil
	}
}
