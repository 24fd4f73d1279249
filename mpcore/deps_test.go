package mpcore

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDeps keeps the engine free of Starlark (SPEC §1): mpcore and its
// subpackages may import only the standard library, x/sys and msgpack.
func TestDeps(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	allowed := []string{"github.com/mpstar/mpstar/mpcore", "golang.org/x/sys/", "github.com/vmihailenco/"}
	for _, pkg := range strings.Fields(string(out)) {
		if !strings.Contains(strings.SplitN(pkg, "/", 2)[0], ".") {
			continue // standard library
		}
		ok := false
		for _, prefix := range allowed {
			ok = ok || strings.HasPrefix(pkg, prefix)
		}
		if !ok {
			t.Errorf("mpcore depends on %s, which is not allowed", pkg)
		}
	}
}
