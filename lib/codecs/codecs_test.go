package codecs

import (
	"testing"

	"github.com/mpstar/mpstar/lib/internal/startest"
)

func TestCodecs(t *testing.T) {
	startest.Run(t, []startest.Case{
		{Src: `print(codecs.encode("é") == b"\xc3\xa9", codecs.encode("é", "latin_1") == b"\xe9", codecs.decode(b"\xe9", "Latin-1"))`, Want: "True True é"},
		{Src: `print(codecs.decode(b"a\xc3", errors="replace"), codecs.encode("aé😀", "ascii", "backslashreplace"))`, Want: `a` + "\ufffd" + ` a\xe9\U0001f600`},
		// A surrogate's encoding is refused at its second byte, as CPython does.
		{Src: `codecs.decode(b"\xed\xa0\x80")`, Err: "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xed in position 0: invalid continuation byte"},
		{Src: `codecs.decode(b"ok\xf0\x9f\x98")`, Err: "UnicodeDecodeError: 'utf-8' codec can't decode bytes in position 2-4: unexpected end of data"},
		{Src: `codecs.encode("aé", "ascii")`, Err: "UnicodeEncodeError: 'ascii' codec can't encode character '\\xe9' in position 1: ordinal not in range(128)"},
		{Src: `codecs.encode("a", "ebcdic")`, Err: "LookupError: unknown encoding: ebcdic"},
	}, Module)
}
