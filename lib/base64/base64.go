package base64

import (
	"encoding/base64"
	"encoding/hex"
	"strings"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/value"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/pytypes"
)

// Module base64 is Python's base64: bytes to and from printable ASCII.
//
//	b64encode(s, altchars=None) -> bytes
//	b64decode(s, altchars=None, validate=False) -> bytes
//	standard_b64encode(s) -> bytes
//	standard_b64decode(s) -> bytes
//	urlsafe_b64encode(s) -> bytes
//	urlsafe_b64decode(s) -> bytes
//	b16encode(s) -> bytes
//	b16decode(s, casefold=False) -> bytes
//
// Encoders take bytes (a str fails with TypeError, as in Python); decoders
// take bytes or an ASCII str. Bad input fails with binascii.Error (a
// ValueError). Without validate, characters outside the alphabet are
// skipped, as in Python.
var Module = value.NewModule("base64", func() starlark.StringDict {
	return starlark.StringDict{
		"b64encode":          starlark.NewBuiltin("base64.b64encode", b64encode("+/", true)),
		"b64decode":          starlark.NewBuiltin("base64.b64decode", b64decode("+/", true)),
		"standard_b64encode": starlark.NewBuiltin("base64.standard_b64encode", b64encode("+/", false)),
		"standard_b64decode": starlark.NewBuiltin("base64.standard_b64decode", b64decode("+/", false)),
		"urlsafe_b64encode":  starlark.NewBuiltin("base64.urlsafe_b64encode", b64encode("-_", false)),
		"urlsafe_b64decode":  starlark.NewBuiltin("base64.urlsafe_b64decode", b64decode("-_", false)),
		"b16encode":          starlark.NewBuiltin("base64.b16encode", b16encode),
		"b16decode":          starlark.NewBuiltin("base64.b16decode", b16decode),
	}
})

const stdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// encoderInput returns the bytes an encoder was given.
func encoderInput(v starlark.Value) (string, error) {
	if b, ok := v.(starlark.Bytes); ok {
		return string(b), nil
	}
	return "", exceptions.TypeError.Errorf("a bytes-like object is required, not '%s'", pytypes.TypeName(v))
}

// decoderInput returns the bytes or ASCII string a decoder was given.
func decoderInput(v starlark.Value) (string, error) {
	switch v := v.(type) {
	case starlark.Bytes:
		return string(v), nil
	case starlark.String:
		for i := 0; i < len(v); i++ {
			if v[i] >= 0x80 {
				return "", exceptions.ValueError.Errorf("string argument should contain only ASCII characters")
			}
		}
		return string(v), nil
	}
	return "", exceptions.TypeError.Errorf("argument should be a bytes-like object or ASCII string, not '%s'", pytypes.TypeName(v))
}

// alphabet returns the two characters after 0-9 in an encoding, from
// altchars when it is given.
func alphabet(b *starlark.Builtin, last2 string, altchars starlark.Value) (string, error) {
	if altchars == nil || altchars == starlark.None {
		return last2, nil
	}
	s, err := decoderInput(altchars)
	if err != nil {
		return "", err
	}
	if len(s) != 2 {
		return "", exceptions.ValueError.Errorf("%s: altchars must be 2 bytes, not %d", b.Name(), len(s))
	}
	return s, nil
}

// b64encode makes the encoders; withAlt adds the altchars parameter.
func b64encode(last2 string, withAlt bool) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var s, altchars starlark.Value
		params := []any{"s", &s}
		if withAlt {
			params = append(params, "altchars?", &altchars)
		}
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, params...); err != nil {
			return nil, err
		}
		data, err := encoderInput(s)
		if err != nil {
			return nil, err
		}
		chars, err := alphabet(b, last2, altchars)
		if err != nil {
			return nil, err
		}
		enc := base64.NewEncoding(stdAlphabet + chars)
		return starlark.Bytes(enc.EncodeToString([]byte(data))), nil
	}
}

// b64decode makes the decoders; withAlt adds the altchars and validate
// parameters.
func b64decode(last2 string, withAlt bool) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var s, altchars starlark.Value
		var validate bool
		params := []any{"s", &s}
		if withAlt {
			params = append(params, "altchars?", &altchars, "validate?", &validate)
		}
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, params...); err != nil {
			return nil, err
		}
		data, err := decoderInput(s)
		if err != nil {
			return nil, err
		}
		chars, err := alphabet(b, last2, altchars)
		if err != nil {
			return nil, err
		}
		out, err := decode(data, stdAlphabet+chars, validate)
		if err != nil {
			return nil, err
		}
		return starlark.Bytes(out), nil
	}
}

// decode decodes base64 as Python's binascii does: characters outside the
// alphabet are skipped (or refused, with validate), and the padding must
// complete the last group.
func decode(s, alpha string, validate bool) ([]byte, error) {
	var data strings.Builder
	pads := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case strings.IndexByte(alpha, c) >= 0:
			data.WriteByte(c)
			pads = 0
		case c == '=':
			pads++
		case validate:
			return nil, binasciiError("Only base64 data is allowed")
		}
	}
	n := data.Len()
	if n%4 == 1 {
		return nil, binasciiError("Invalid base64-encoded string: number of data characters (%d) cannot be 1 more than a multiple of 4", n)
	}
	if n%4 != 0 && pads < 4-n%4 {
		return nil, binasciiError("Incorrect padding")
	}
	out, err := base64.NewEncoding(alpha).WithPadding(base64.NoPadding).DecodeString(data.String())
	if err != nil {
		return nil, binasciiError("%v", err)
	}
	return out, nil
}

func binasciiError(format string, args ...any) error {
	return exceptions.BinasciiError.Errorf(format, args...)
}

// def b16encode(s)
func b16encode(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var s starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "s", &s); err != nil {
		return nil, err
	}
	data, err := encoderInput(s)
	if err != nil {
		return nil, err
	}
	return starlark.Bytes(strings.ToUpper(hex.EncodeToString([]byte(data)))), nil
}

// def b16decode(s, casefold=False)
func b16decode(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var s starlark.Value
	var casefold bool
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "s", &s, "casefold?", &casefold); err != nil {
		return nil, err
	}
	data, err := decoderInput(s)
	if err != nil {
		return nil, err
	}
	if casefold {
		data = strings.ToUpper(data)
	}
	if strings.ContainsAny(data, "abcdef") {
		return nil, binasciiError("Non-base16 digit found")
	}
	out, err := hex.DecodeString(data)
	if err != nil {
		if len(data)%2 == 1 {
			return nil, binasciiError("Odd-length string")
		}
		return nil, binasciiError("Non-base16 digit found")
	}
	return starlark.Bytes(out), nil
}
