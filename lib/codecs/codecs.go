package codecs

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/value"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/pytypes"
)

// Module codecs is the encode/decode part of Python's codecs module.
//
//	encode(obj, encoding="utf-8", errors="strict") -> bytes   # obj.encode(...)
//	decode(obj, encoding="utf-8", errors="strict") -> str     # obj.decode(...)
//
// Encodings: "utf-8" (also "utf8", "utf_8"), "ascii" ("us-ascii"),
// "latin-1" ("latin1", "iso-8859-1", "iso8859-1"). Positions in errors count
// characters when encoding and bytes when decoding, as in Python.
var Module = value.NewModule("codecs", func() starlark.StringDict {
	return starlark.StringDict{
		"encode": starlark.NewBuiltin("codecs.encode", encode),
		"decode": starlark.NewBuiltin("codecs.decode", decode),
	}
})

// codec is one encoding: the highest code point it encodes (utf-8: all).
type codec struct {
	name  string
	limit rune
}

var codecs = map[string]codec{
	"utf-8":      {"utf-8", utf8.MaxRune},
	"utf8":       {"utf-8", utf8.MaxRune},
	"ascii":      {"ascii", 0x7f},
	"us-ascii":   {"ascii", 0x7f},
	"latin-1":    {"latin-1", 0xff},
	"latin1":     {"latin-1", 0xff},
	"iso-8859-1": {"latin-1", 0xff},
	"iso8859-1":  {"latin-1", 0xff},
}

// lookup finds an encoding by any of its names, as Python normalizes them.
func lookup(name string) (codec, error) {
	norm := strings.ReplaceAll(strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), "_", "-"), " ", "-")
	c, ok := codecs[norm]
	if !ok {
		return c, exceptions.LookupError.Errorf("unknown encoding: %s", name)
	}
	return c, nil
}

func unpack(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (obj starlark.Value, c codec, errors string, err error) {
	encoding := "utf-8"
	errors = "strict"
	if err = starlark.UnpackArgs(b.Name(), args, kwargs, "obj", &obj, "encoding?", &encoding, "errors?", &errors); err != nil {
		return
	}
	c, err = lookup(encoding)
	return
}

// handler returns what the named error handler puts in place of the bad
// part (a character when encoding, bytes when decoding); escape spells it
// for backslashreplace.
func handler(name string, bad string, encoding bool, escape func() string) (string, error) {
	switch name {
	case "ignore":
		return "", nil
	case "replace":
		if encoding {
			return "?", nil
		}
		return "\ufffd", nil
	case "backslashreplace":
		return escape(), nil
	case "xmlcharrefreplace":
		if encoding {
			r, _ := utf8.DecodeRuneInString(bad)
			return fmt.Sprintf("&#%d;", r), nil
		}
	}
	return "", exceptions.LookupError.Errorf("unknown error handler name '%s'", name)
}

// escapeRune is Python's \x, \u or \U spelling of a character.
func escapeRune(r rune) string {
	switch {
	case r <= 0xff:
		return fmt.Sprintf(`\x%02x`, r)
	case r <= 0xffff:
		return fmt.Sprintf(`\u%04x`, r)
	}
	return fmt.Sprintf(`\U%08x`, r)
}

// def encode(obj, encoding="utf-8", errors="strict")
func encode(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	obj, c, errors, err := unpack(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	s, ok := obj.(starlark.String)
	if !ok {
		return nil, exceptions.TypeError.Errorf("encoding with '%s' codec failed (TypeError: %s_encode() argument 1 must be str, not %s)",
			c.name, strings.ReplaceAll(c.name, "-", "_"), pytypes.TypeName(obj))
	}
	if c.limit == utf8.MaxRune {
		return starlark.Bytes(s), nil
	}
	var out strings.Builder
	pos := 0
	for _, r := range string(s) {
		if r <= c.limit {
			out.WriteByte(byte(r))
		} else {
			if errors == "strict" {
				return nil, exceptions.UnicodeEncodeError.Errorf("'%s' codec can't encode character '%s' in position %d: ordinal not in range(%d)", c.name, escapeRune(r), pos, c.limit+1)
			}
			rep, err := handler(errors, string(r), true, func() string { return escapeRune(r) })
			if err != nil {
				return nil, exceptions.LookupError.Errorf("encoding with '%s' codec failed (LookupError: %v)", c.name, err)
			}
			out.WriteString(rep)
		}
		pos++
	}
	return starlark.Bytes(out.String()), nil
}

// def decode(obj, encoding="utf-8", errors="strict")
func decode(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	obj, c, errors, err := unpack(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	data, ok := obj.(starlark.Bytes)
	if !ok {
		return nil, exceptions.TypeError.Errorf("decoding with '%s' codec failed (TypeError: a bytes-like object is required, not '%s')", c.name, pytypes.TypeName(obj))
	}
	var out strings.Builder
	for i := 0; i < len(data); {
		n, reason := c.valid(string(data[i:]))
		if reason == "" {
			if c.limit == 0xff && data[i] >= 0x80 {
				out.WriteRune(rune(data[i]))
			} else {
				out.WriteString(string(data[i : i+n]))
			}
			i += n
			continue
		}
		bad := string(data[i : i+n])
		if errors == "strict" {
			return nil, decodeError(c.name, bad, i, reason)
		}
		rep, err := handler(errors, bad, false, func() string { return hexBytes(bad) })
		if err != nil {
			return nil, exceptions.LookupError.Errorf("decoding with '%s' codec failed (LookupError: %v)", c.name, err)
		}
		out.WriteString(rep)
		i += n
	}
	return starlark.String(out.String()), nil
}

func hexBytes(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, `\x%02x`, s[i])
	}
	return b.String()
}

// decodeError is Python's UnicodeDecodeError for the bad bytes at pos.
func decodeError(name, bad string, pos int, reason string) error {
	if len(bad) == 1 {
		return exceptions.UnicodeDecodeError.Errorf("'%s' codec can't decode byte 0x%02x in position %d: %s", name, bad[0], pos, reason)
	}
	return exceptions.UnicodeDecodeError.Errorf("'%s' codec can't decode bytes in position %d-%d: %s", name, pos, pos+len(bad)-1, reason)
}

// valid measures the character at the start of s: its length, or the
// length of the invalid part and CPython's reason for refusing it.
func (c codec) valid(s string) (int, string) {
	switch {
	case s[0] < 0x80 || c.limit == 0xff:
		return 1, ""
	case c.limit == 0x7f:
		return 1, "ordinal not in range(128)"
	}
	return utf8Valid(s)
}

// utf8Valid classifies a UTF-8 sequence as CPython's decoder does: an
// invalid start byte, a bad continuation (the valid prefix is the invalid
// part), or a sequence cut short by the end of the data.
func utf8Valid(s string) (int, string) {
	b := s[0]
	var n int
	lo, hi := byte(0x80), byte(0xbf)
	switch {
	case b >= 0xc2 && b <= 0xdf:
		n = 2
	case b >= 0xe0 && b <= 0xef:
		n = 3
		if b == 0xe0 {
			lo = 0xa0
		} else if b == 0xed {
			hi = 0x9f
		}
	case b >= 0xf0 && b <= 0xf4:
		n = 4
		if b == 0xf0 {
			lo = 0x90
		} else if b == 0xf4 {
			hi = 0x8f
		}
	default:
		return 1, "invalid start byte"
	}
	for k := 1; k < n; k++ {
		if k >= len(s) {
			return k, "unexpected end of data"
		}
		if s[k] < lo || s[k] > hi {
			return k, "invalid continuation byte"
		}
		lo, hi = 0x80, 0xbf
	}
	return n, ""
}
