package glob

import (
	"os"
	"path/filepath"
	"testing"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/lib/internal/startest"
)

// TestGlob checks glob against what CPython prints for the same program
// over the same tree (with Starlark's double quotes).
func TestGlob(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"a/b", ".hid", "c"} {
		os.MkdirAll(filepath.Join(dir, d), 0o755)
	}
	for _, f := range []string{"x.txt", "y.py", "a/1.txt", "a/b/2.txt", "a/b/.h.txt", ".hid/3.txt", "c/4.md", "[x].txt"} {
		os.WriteFile(filepath.Join(dir, f), nil, 0o644)
	}
	out, err := startest.Exec(t, dir, `for args in [("*.txt",), ("*",), ("**",), ("**", True), ("**/*.txt", True), ("**/*.txt", False), ("a/**", True), ("a/**/", True),
             ("*/", False), ("?.*",), ("[xy].*",), ("[!x].*",), (".*",), ("a/*/*.txt",), ("nope/*",), ("x.txt",), ("nope",), ("a/",),
             ("nonexist/**", True), ("**/.*", True), ("[[]x].txt",), (glob.escape("[x].txt"),), ("[z-a]*",)]:
    pat = args[0]
    rec = args[1] if len(args) > 1 else False
    print(pat, sorted(glob.glob(pat, recursive=rec)))
print(sorted(glob.glob("**/*.txt", recursive=True, include_hidden=True)))
print(sorted(glob.glob("*.txt", root_dir="a")))
print(glob.escape("a[b]*?.txt"))
`, starlark.StringDict{"glob": Module})
	if err != nil {
		t.Fatal(err)
	}
	want := `*.txt ["[x].txt", "x.txt"]
* ["[x].txt", "a", "c", "x.txt", "y.py"]
** ["[x].txt", "a", "c", "x.txt", "y.py"]
** ["[x].txt", "a", "a/1.txt", "a/b", "a/b/2.txt", "c", "c/4.md", "x.txt", "y.py"]
**/*.txt ["[x].txt", "a/1.txt", "a/b/2.txt", "x.txt"]
**/*.txt ["a/1.txt"]
a/** ["a/", "a/1.txt", "a/b", "a/b/2.txt"]
a/**/ ["a/", "a/b/"]
*/ ["a/", "c/"]
?.* ["x.txt", "y.py"]
[xy].* ["x.txt", "y.py"]
[!x].* ["y.py"]
.* [".hid"]
a/*/*.txt ["a/b/2.txt"]
nope/* []
x.txt ["x.txt"]
nope []
a/ ["a/"]
nonexist/** ["nonexist/"]
**/.* [".hid", "a/b/.h.txt"]
[[]x].txt ["[x].txt"]
[[]x].txt ["[x].txt"]
[z-a]* []
[".hid/3.txt", "[x].txt", "a/1.txt", "a/b/.h.txt", "a/b/2.txt", "x.txt"]
["1.txt"]
a[[]b][*][?].txt
`
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}
