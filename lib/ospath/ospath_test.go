package ospath

import (
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"github.com/mpstar/mpstar/lib/internal/startest"
)

var predeclared = starlark.StringDict{
	"os": &starlarkstruct.Module{Name: "os", Members: starlark.StringDict{"path": Module}},
}

// TestPaths checks the string functions against what CPython prints for
// the same program (with Starlark's double quotes).
func TestPaths(t *testing.T) {
	out, err := startest.Exec(t, "", `print(os.path.join("a", "b", "/c", "d"), os.path.join("a/", "b"), os.path.join("", "x"), os.path.join("d", ""))
for p in ["a/b/c.txt", "/a", "a/", "//x//y", "", "a.tar.gz", ".bashrc", "a/..b", "a/b.", "/", "///", "x/.a.b"]:
    print(repr(p), os.path.split(p), os.path.splitext(p), repr(os.path.basename(p)), repr(os.path.dirname(p)), os.path.normpath(p), os.path.isabs(p))
print(os.path.relpath("/a/b/c", "/a/d"), os.path.relpath("/a", "/a"), os.path.abspath("/x/../y/./z"))
print(os.path.exists("/etc"), os.path.isdir("/etc"), os.path.isfile("/etc"), os.path.isfile("/etc/passwd"), os.path.exists("/nope"), os.path.islink("/nope"))
`, predeclared)
	if err != nil {
		t.Fatal(err)
	}
	want := `/c/d a/b x d/
"a/b/c.txt" ("a/b", "c.txt") ("a/b/c", ".txt") "c.txt" "a/b" a/b/c.txt False
"/a" ("/", "a") ("/a", "") "a" "/" /a True
"a/" ("a", "") ("a/", "") "" "a" a False
"//x//y" ("//x", "y") ("//x//y", "") "y" "//x" //x/y True
"" ("", "") ("", "") "" "" . False
"a.tar.gz" ("", "a.tar.gz") ("a.tar", ".gz") "a.tar.gz" "" a.tar.gz False
".bashrc" ("", ".bashrc") (".bashrc", "") ".bashrc" "" .bashrc False
"a/..b" ("a", "..b") ("a/..b", "") "..b" "a" a/..b False
"a/b." ("a", "b.") ("a/b", ".") "b." "a" a/b. False
"/" ("/", "") ("/", "") "" "/" / True
"///" ("///", "") ("///", "") "" "///" / True
"x/.a.b" ("x", ".a.b") ("x/.a", ".b") ".a.b" "x" x/.a.b False
../b/c . /y/z
True True False True False False
`
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}
