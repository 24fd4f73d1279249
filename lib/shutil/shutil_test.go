package shutil

import (
	"os"
	"path/filepath"
	"testing"

	"go.starlark.net/starlark"

	"go.starlark.net/starlarkstruct"

	"github.com/mpstar/mpstar/lib/file"
	"github.com/mpstar/mpstar/lib/glob"
	"github.com/mpstar/mpstar/lib/internal/startest"
	"github.com/mpstar/mpstar/lib/ospath"
)

var predeclared = starlark.StringDict{
	"shutil": Module,
	"glob":   glob.Module,
	"open":   file.Open,
	"os":     &starlarkstruct.Module{Name: "os", Members: starlark.StringDict{"path": ospath.Module}},
}

// tree makes src/a.txt (mode 0755) and src/sub/b.txt in a new directory.
func tree(t *testing.T) string {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "src/sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "src/a.txt"), []byte("hello\n"), 0o755)
	os.WriteFile(filepath.Join(dir, "src/sub/b.txt"), []byte("deep\n"), 0o644)
	return dir
}

// TestShutil follows what CPython prints for the same calls.
func TestShutil(t *testing.T) {
	dir := tree(t)
	out, err := startest.Exec(t, dir, `
print(shutil.copy("src/a.txt", "c.txt"))
print(shutil.copy("src/a.txt", "src/sub"))
print(shutil.copytree("src", "dst"))
print(sorted(glob.glob("dst/**", recursive=True)))
print(shutil.copytree("src", "dst", dirs_exist_ok=True))
print(shutil.copytree("src", "new/parents/dst"))
print(shutil.move("c.txt", "dst"))
print(shutil.move("dst/c.txt", "moved.txt"))
print(shutil.move("moved.txt", "dst/sub"))
print(shutil.rmtree("dst"), os.path.exists("dst"))
print(shutil.rmtree("dst", ignore_errors=True))
print(shutil.which("sh") != None, shutil.which("no-such-program"))
print(shutil.copyfile("src/a.txt", "cf.txt"), shutil.copy2("src/a.txt", "c2.txt"))
print(open("c2.txt").read(), os.path.getmtime("c2.txt") == os.path.getmtime("src/a.txt"))
`, predeclared)
	if err != nil {
		t.Fatal(err)
	}
	want := `c.txt
src/sub/a.txt
dst
["dst/", "dst/a.txt", "dst/sub", "dst/sub/a.txt", "dst/sub/b.txt"]
dst
new/parents/dst
dst/c.txt
moved.txt
dst/sub/moved.txt
None False
None
True None
cf.txt c2.txt
hello
 True
`
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
	if fi, err := os.Stat(filepath.Join(dir, "src/sub/a.txt")); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("copy kept mode %v (%v), want 0755", fi.Mode(), err)
	}
}

func TestShutilErrors(t *testing.T) {
	startest.Fails(t, tree(t), predeclared, [][3]string{
		{`shutil.copy("missing", "x")`, "FileNotFoundError", "[Errno 2] No such file or directory: 'missing'"},
		{`shutil.copy("src/a.txt", "src/a.txt")`, "shutil.SameFileError", "'src/a.txt' and 'src/a.txt' are the same file"},
		{`shutil.copy("src", "x")`, "IsADirectoryError", "[Errno 21] Is a directory: 'src'"},
		{`shutil.copytree("src", "src/sub")`, "FileExistsError", "[Errno 17] File exists: 'src/sub'"},
		{`shutil.copytree("missing", "d2")`, "FileNotFoundError", "[Errno 2] No such file or directory: 'missing'"},
		{`shutil.copy("src/a.txt", "dst0"); shutil.move("src/a.txt", "src")`, "shutil.Error", "Destination path 'src/a.txt' already exists"},
		{`shutil.move("missing", "zz")`, "FileNotFoundError", "[Errno 2] No such file or directory: 'missing'"},
		{`shutil.rmtree("missing")`, "FileNotFoundError", "[Errno 2] No such file or directory: 'missing'"},
		{`shutil.rmtree("src/a.txt")`, "NotADirectoryError", "[Errno 20] Not a directory: 'src/a.txt'"},
	})
}
