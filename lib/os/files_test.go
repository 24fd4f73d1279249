package os

import (
	"os"
	"path/filepath"
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"github.com/mpstar/mpstar/lib/file"
	"github.com/mpstar/mpstar/lib/internal/startest"
)

// tree makes a/1.txt, a/b/2.txt, a/b/c/3.txt and a/skip/4.txt in a new
// directory.
func tree(t *testing.T) (string, starlark.StringDict) {
	dir := t.TempDir()
	for _, f := range []string{"a/1.txt", "a/b/2.txt", "a/b/c/3.txt", "a/skip/4.txt"} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755)
		os.WriteFile(filepath.Join(dir, f), []byte(f), 0o644)
	}
	return dir, starlark.StringDict{
		"os":   &starlarkstruct.Module{Name: "os", Members: fileMembers()},
		"open": file.Open,
	}
}

func TestWalkPrunesWhatTheLoopRemoves(t *testing.T) {
	dir, predeclared := tree(t)
	out, err := startest.Exec(t, dir, `
for dirpath, dirnames, filenames in os.walk("a"):
    if "skip" in dirnames:
        dirnames.remove("skip")
    print(dirpath, dirnames, filenames)
print([d for d, _, _ in os.walk("a", topdown = False)])
print(list(os.walk("missing")))
`, predeclared)
	if err != nil {
		t.Fatal(err)
	}
	want := `a ["b"] ["1.txt"]
a/b ["c"] ["2.txt"]
a/b/c [] ["3.txt"]
["a/b/c", "a/b", "a/skip", "a"]
[]
`
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}

func TestFilesAndDirectories(t *testing.T) {
	dir, predeclared := tree(t)
	out, err := startest.Exec(t, dir, `
print(os.listdir("a"), os.listdir("a/b/c"))
for e in os.scandir("a"):
    print(e.name, e.path, e.is_file(), e.is_dir(), e.is_symlink(), e.stat().st_size if e.is_file() else "-")
print(os.stat("a/1.txt").st_size, os.stat("a/1.txt").st_mode & 0o170000 == 0o100000)
os.makedirs("x/y/z")
os.makedirs("x/y/z", exist_ok = True)
os.mkdir("x/w")
os.rename("a/1.txt", "x/one.txt")
open("x/two.txt", "w").write("2")
os.replace("x/two.txt", "x/one.txt")
print(os.listdir("x"), open("x/one.txt").read())
os.remove("x/one.txt")
os.rmdir("x/w")
print(os.listdir("x"), len(os.getcwd()) > 0)
`, predeclared)
	if err != nil {
		t.Fatal(err)
	}
	want := `["1.txt", "b", "skip"] ["3.txt"]
1.txt a/1.txt True False False 7
b a/b False True False -
skip a/skip False True False -
7 True
["one.txt", "w", "y"] 2
["y"] True
`
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}

func TestFileErrors(t *testing.T) {
	dir, predeclared := tree(t)
	startest.Fails(t, dir, predeclared, [][3]string{
		{`os.listdir("missing")`, "FileNotFoundError", "[Errno 2] No such file or directory: 'missing'"},
		{`os.listdir("a/1.txt")`, "NotADirectoryError", "[Errno 20] Not a directory: 'a/1.txt'"},
		{`os.stat("missing")`, "FileNotFoundError", "[Errno 2] No such file or directory: 'missing'"},
		{`os.makedirs("a/b")`, "FileExistsError", "[Errno 17] File exists: 'a/b'"},
		{`os.makedirs("a/1.txt", exist_ok = True)`, "FileExistsError", "[Errno 17] File exists: 'a/1.txt'"},
		{`os.mkdir("a")`, "FileExistsError", "[Errno 17] File exists: 'a'"},
		{`os.rename("missing", "x")`, "FileNotFoundError", "[Errno 2] No such file or directory: 'missing' -> 'x'"},
		{`os.rename("a/1.txt", "a/b")`, "IsADirectoryError", "[Errno 21] Is a directory: 'a/1.txt' -> 'a/b'"},
		{`os.remove("a/b")`, "IsADirectoryError", "[Errno 21] Is a directory: 'a/b'"},
		{`os.remove("missing")`, "FileNotFoundError", "[Errno 2] No such file or directory: 'missing'"},
		{`os.rmdir("a")`, "OSError", "[Errno 39] Directory not empty: 'a'"},
	})
}
