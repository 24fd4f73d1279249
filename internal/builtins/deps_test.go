package builtins_test

import (
	"os/exec"
	"strings"
	"testing"
)

// layers ranks the module's packages, lowest first; a package may import
// only packages of a lower layer, except that mpcore's packages import each
// other (mpcore's own TestDeps keeps them free of Starlark) and so do
// lib's (os imports os.path). Tests may import anything.
var layers = []struct {
	rank     int
	prefix   string // a package path below the module, or a prefix ending in "/"
	noEngine bool   // may not import mpcore either: a leaf above Starlark only
}{
	{-1, "internal/pyquote", true},  // standard library only, below the engine: every layer may use it
	{-1, "internal/wire", true},     // standard library only, below the engine: every layer may use it
	{-1, "internal/proctest", true}, // tests' process helpers: standard library and x/sys only
	{0, "mpcore", false},
	{0, "mpcore/", false},
	{0, "interp/internal/quietlog", true}, // imports only the standard library
	{1, "internal/builtins/exceptions", true},
	{2, "internal/builtins/value", true},
	{2, "internal/scripttest", true}, // the tests' Starlark file runner
	{2, "internal/builtins/perm", false},
	{3, "internal/builtins/pytypes", true},
	{4, "internal/builtins", false},
	{5, "lib/", false},
	{6, "internal/builtins/mppool", false},
	{7, "internal/builtins/managers", false},
	{8, "internal/builtins/modules", false},
	{9, "interp", false},
	{9, "cluster", false},
	{10, "cmd/", false},
	{10, "conformance", false},
}

// sameLayerImports are the layers whose packages may import each other.
var sameLayerImports = map[int]bool{0: true, 5: true}

const modulePath = "github.com/mpstar/mpstar/"

// layerOf returns the layer of a package of the module.
func layerOf(t *testing.T, pkg string) (rank int, noEngine bool) {
	rel := strings.TrimPrefix(pkg, modulePath)
	for _, l := range layers {
		if rel == l.prefix || (strings.HasSuffix(l.prefix, "/") && strings.HasPrefix(rel, l.prefix)) {
			return l.rank, l.noEngine
		}
	}
	t.Fatalf("package %s has no layer: add it to layers in internal/builtins/deps_test.go", pkg)
	return 0, false
}

// TestLayers keeps the architecture (paths below internal/builtins
// shortened to builtins): cmd -> interp -> builtins/modules ->
// builtins/managers -> builtins/mppool and lib/* -> builtins ->
// builtins/pytypes -> builtins/value -> builtins/exceptions, and everything
// above the leaves -> mpcore -> internal/pyquote and internal/wire. No
// package imports upward or sideways.
func TestLayers(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", modulePath+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := fields[0]
		rank, noEngine := layerOf(t, pkg)
		for _, imp := range fields[1:] {
			if !strings.HasPrefix(imp, modulePath) {
				continue
			}
			impRank, _ := layerOf(t, imp)
			switch {
			case noEngine && impRank == 0:
				t.Errorf("%s imports the engine (%s): it must stay a leaf above go.starlark.net", pkg, imp)
			case impRank > rank || (impRank == rank && !sameLayerImports[rank]):
				t.Errorf("%s imports %s, which is not below it", pkg, imp)
			}
		}
	}
}
