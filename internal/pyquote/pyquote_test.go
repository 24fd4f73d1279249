package pyquote

import "testing"

// The expected strings are what CPython 3.12 prints for repr().
func TestBytes(t *testing.T) {
	for in, want := range map[string]string{
		"":                 `b''`,
		"abc":              `b'abc'`,
		"it's":             `b"it's"`,
		`say "it's"`:       `b'say "it\'s"'`,
		"a\\b\t\n\r\x00":   `b'a\\b\t\n\r\x00'`,
		"\x7f\x80\xff\x1f": `b'\x7f\x80\xff\x1f'`,
	} {
		if got := Bytes([]byte(in)); got != want {
			t.Errorf("Bytes(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestStr(t *testing.T) {
	for in, want := range map[string]string{
		"":                 `''`,
		"it's":             `"it's"`,
		`a\b` + "\n":       `'a\\b\n'`,
		"caf\u00e9 \u4e16": "'caf\u00e9 \u4e16'",
		"\x00\u0085\u200b": `'\x00\x85\u200b'`,
		"\U000e0001":       `'\U000e0001'`,
	} {
		if got := Str(in); got != want {
			t.Errorf("Str(%q) = %s, want %s", in, got, want)
		}
	}
}
