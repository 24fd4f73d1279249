package base64

import (
	"testing"

	"github.com/mpstar/mpstar/lib/internal/startest"
)

func TestBase64(t *testing.T) {
	startest.Run(t, []startest.Case{
		{Src: `print(base64.b64encode(b"\xfb\xff"), base64.urlsafe_b64encode(b"\xfb\xff"), base64.b64encode(b"\xfb\xff", b"*!"))`, Want: "+/8= -_8= *!8="},
		{Src: `print(base64.b64decode("+/8=") == b"\xfb\xff", base64.urlsafe_b64decode(b"-_8=") == b"\xfb\xff", base64.b64decode("aG\nVs bG8=") == b"hello")`, Want: "True True True"},
		{Src: `print(base64.b16encode(b"\x01\xab"), base64.b16decode("01AB") == b"\x01\xab")`, Want: "01AB True"},
		{Src: `base64.b64decode("aGVsbG8")`, Err: "binascii.Error: Incorrect padding"},
		{Src: `base64.b64decode("a", validate=True)`, Err: "binascii.Error: Invalid base64-encoded string: number of data characters (1)"},
		{Src: `base64.b64decode("aG Vs", validate=True)`, Err: "binascii.Error: Only base64 data is allowed"},
		{Src: `base64.b64encode("text")`, Err: "TypeError: a bytes-like object is required, not 'str'"},
		{Src: `base64.b16decode("ab")`, Err: "binascii.Error: Non-base16 digit found"},
	}, Module)
}
