package mpcore

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDeps keeps the engine free of Starlark: mpcore and its subpackages
// may import only the standard library, x/sys, msgpack, x/net's DNS
// message package (the resolver's, which does not import net) and the
// module's internal/pyquote (Python's repr) and internal/wire (binary
// message fields), both standard library only.
func TestDeps(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	allowed := []string{"github.com/mpstar/mpstar/mpcore", "golang.org/x/sys/", "github.com/vmihailenco/", "golang.org/x/net/dns/dnsmessage", "github.com/mpstar/mpstar/internal/pyquote", "github.com/mpstar/mpstar/internal/wire"}
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
