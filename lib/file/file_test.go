package file

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/lib/internal/startest"
)

func run(t *testing.T, dir, src string) (string, error) {
	t.Helper()
	return startest.Exec(t, dir, src, starlark.StringDict{"open": Open})
}

func TestReadWriteModes(t *testing.T) {
	dir := t.TempDir()
	out, err := run(t, dir, `
f = open("a.txt", "w")
print(f.write("one\ntwo\r\nthree\rfour"), f.mode, f.name, f.closed)
f.close()
print(f.closed)
f = open("a.txt")
print(repr(f.readline()), repr(f.readline()), repr(f.readline()), repr(f.read()))
f.close()
print(open("a.txt", newline="").readlines())
print([l for l in open("a.txt")])
print(repr(open("a.txt", "rb").read()))
f = open("a.txt", "a")
f.writelines(["x", "y\n"])
f.close()
print(repr(open("a.txt", "rb").read()[-6:]))
f = open("b.bin", "wb+")
f.write(b"abc\ndef")
print(repr(f.read()), f.readable(), f.writable())
f.close()
f = open("b.bin", "r+b")
print(repr(f.read(2)), repr(f.readline()), repr(f.readline(10)))
f.write(b"Z")
f.close()
print(repr(open("b.bin", "rb").read()))
print(open("u.txt", "w").write("héllo wörld"))
f = open("u.txt")
print(f.read(2), f.readline(3), f.read())
print(open("u.txt", encoding="latin-1").read())
print(repr(open("u.txt", "rb").read()))
`)
	if err != nil {
		t.Fatal(err)
	}
	want := `19 w a.txt False
True
"one\n" "two\n" "three\n" "four"
["one\n", "two\r\n", "three\r", "four"]
["one\n", "two\n", "three\n", "four"]
b"one\ntwo\r\nthree\rfour"
b"ourxy\n"
b"" True True
b"ab" b"c\n" b"def"
b"abc\ndefZ"
11
hé llo  wörld
hÃ©llo wÃ¶rld
b"héllo wörld"
`
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "exists"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(dir, "secret"), []byte("x"), 0o000)
	os.Mkdir(filepath.Join(dir, "d"), 0o755)
	startest.Fails(t, dir, starlark.StringDict{"open": Open}, [][3]string{
		{`open("missing.txt")`, "FileNotFoundError", "[Errno 2] No such file or directory: 'missing.txt'"},
		{`open("exists", "x")`, "FileExistsError", "[Errno 17] File exists: 'exists'"},
		{`open("d")`, "IsADirectoryError", "[Errno 21] Is a directory: 'd'"},
		{`open("d", "w")`, "IsADirectoryError", "[Errno 21] Is a directory: 'd'"},
		{`open("exists", "rw")`, "ValueError", "must have exactly one of create/read/write/append mode"},
		{`open("exists", "rr")`, "ValueError", "invalid mode: 'rr'"},
		{`open("exists", "rb", encoding="utf-8")`, "ValueError", "binary mode doesn't take an encoding argument"},
		{`open("exists", encoding="klingon")`, "LookupError", "unknown encoding: klingon (mpstar reads and writes utf-8, ascii and latin-1)"},
		{`f = open("exists"); f.close(); f.read()`, "ValueError", "I/O operation on closed file."},
		{`open("exists").write("x")`, "io.UnsupportedOperation", "not writable"},
		{`open("new", "w").read()`, "io.UnsupportedOperation", "not readable"},
		{`open("new", "w").write(b"x")`, "TypeError", "write() argument must be str, not bytes"},
		{`open("new", "wb").write("x")`, "TypeError", "a bytes-like object is required, not 'str'"},
		{`open(1.5)`, "TypeError", "expected str, bytes or os.PathLike object, not float"},
	})
	if os.Getuid() != 0 {
		startest.Fails(t, dir, starlark.StringDict{"open": Open}, [][3]string{
			{`open("secret")`, "PermissionError", "[Errno 13] Permission denied: 'secret'"},
		})
	}
}

// TestDroppedFilesAreClosed: a file object the script drops without
// closing gives its descriptor back once it is garbage, as CPython closes a
// file when its last reference goes.
func TestDroppedFilesAreClosed(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("x"), 0o644)
	before := openDescriptors(t)
	out, err := run(t, dir, `
for i in range(300):
    data = open("a.txt").read()
print(data)
`)
	if err != nil || out != "x\n" {
		t.Fatalf("got %q, %v", out, err)
	}
	// Cleanups run after a collection, on the runtime's own goroutine. The
	// interpreter may still hold the last file object (one more descriptor);
	// without the cleanups, all 300 would stay open.
	for deadline := time.Now().Add(20 * time.Second); openDescriptors(t) > before+1; {
		if time.Now().After(deadline) {
			t.Fatalf("%d descriptors open after the files became garbage, %d before", openDescriptors(t), before)
		}
		runtime.GC()
		runtime.Gosched()
	}
}

// openDescriptors counts the test process's open descriptors.
func openDescriptors(t *testing.T) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(fds)
}

// TestReadPseudoFile: a file of /proc reports size 0 and gives its content
// a page per read; read() returns all of it.
func TestReadPseudoFile(t *testing.T) {
	const name = "/proc/kallsyms" // megabytes, read a page at a time, and stable
	want, err := os.ReadFile(name)
	if err != nil || len(want) <= 8192 {
		t.Skipf("%s: %d bytes, %v", name, len(want), err)
	}
	out, err := run(t, "", `print(len(open("`+name+`").read()), len(open("`+name+`", "rb").read()))`)
	if err != nil {
		t.Fatal(err)
	}
	if n := strconv.Itoa(len(want)); out != n+" "+n+"\n" {
		t.Errorf("read() of %s: %q, want %d bytes in each mode", name, out, len(want))
	}
}
