package builtins

import (
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/pytypes"
)

// TestProtocolExamples checks PROTOCOL.md against the encoder: every row
// of its examples table, a Starlark expression and the payload in hex, is
// evaluated and encoded, and the payload decodes back to an equal value.
func TestProtocolExamples(t *testing.T) {
	doc, err := os.ReadFile("PROTOCOL.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(doc), "<!-- examples:")
	table, _, ok2 := strings.Cut(table, "<!-- end of examples -->")
	if !ok || !ok2 {
		t.Fatal("PROTOCOL.md has no examples table between its markers")
	}
	env := starlark.StringDict{"bytearray": pytypes.BytearrayBuiltin, "ctypes": CtypesModule}
	rows := 0
	for _, line := range strings.Split(table, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) != 4 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`") {
			continue
		}
		src := strings.Trim(strings.TrimSpace(cells[1]), "`")
		want := strings.ReplaceAll(strings.Trim(strings.TrimSpace(cells[2]), "`"), " ", "")
		rows++
		v, err := starlark.Eval(&starlark.Thread{}, "example", src, env)
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		b, err := Encode(v, nil)
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		if got := hex.EncodeToString(b); got != want {
			t.Errorf("%s encodes as %s, PROTOCOL.md says %s", src, got, want)
		}
		back, err := Decode(b, &DecodeContext{Unshare: UnshareContext{ShareKinds: ShareKinds}})
		if eq, cmpErr := starlark.Equal(back, v); err != nil || cmpErr != nil || !eq {
			t.Errorf("%s decodes back as %v, %v", src, back, err)
		}
	}
	if rows < 10 {
		t.Errorf("PROTOCOL.md's examples table has %d rows; the test reads too few", rows)
	}
}
