package interp_test

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/interp"
	"github.com/mpstar/mpstar/mpcore/sandbox"
)

// hermeticScript tries each kind of outside access in the main process
// and in a child, printing what each attempt got.
const hermeticScript = `
load("multiprocessing.connection", "Client")

def attempts():
    for name, f, args in [
        ("read", open, (FILE,)),
        ("run", subprocess.run, (["true"],)),
        ("net", Client, (("127.0.0.1", PORT),)),
        ("env", os.getenv, ("HOME",)),
    ]:
        v, err = catch(f, *args)
        print(WHERE(), name, err.type if err else "allowed")
    print(WHERE(), "environ", len(os.environ))

def WHERE():
    return multiprocessing.current_process().name

if __name__ == "__main__":
    attempts()
    p = multiprocessing.Process(target=attempts)
    p.start()
    p.join()
`

// TestEmbeddedRunIsHermetic: a host that grants nothing gets a run that
// can't read a file, run a program, open a socket or read the
// environment, in any of its processes.
func TestEmbeddedRunIsHermetic(t *testing.T) {
	file := filepath.Join(t.TempDir(), "f.txt")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port

	run := func(grants sandbox.Grants) string {
		var out, errOut bytes.Buffer
		opts := testOptions
		opts.Stdout, opts.Stderr, opts.Permissions = &out, &errOut, grants
		opts.Predeclared = withValues(testOptions.Predeclared, "FILE", file, "PORT", port)
		if err := interp.RunString("hermetic.star", hermeticScript, opts); err != nil {
			t.Fatalf("%v\n%s", err, &errOut)
		}
		return out.String()
	}
	want := ""
	for _, who := range []string{"MainProcess", "Process-1"} {
		for _, kind := range []string{"read", "run", "net", "env"} {
			want += who + " " + kind + " PermissionError\n"
		}
		want += who + " environ 0\n"
	}
	if got := run(sandbox.Grants{}); got != want {
		t.Errorf("with no grants:\n%s\nwant:\n%s", got, want)
	}
	// The same run with everything granted reaches all four.
	if got := run(sandbox.AllowAll()); strings.Contains(got, "PermissionError") {
		t.Errorf("with every grant:\n%s", got)
	}
}

// withValues returns a copy of d with name/value pairs added (strings
// and ints).
func withValues(d starlark.StringDict, kv ...any) starlark.StringDict {
	out := starlark.StringDict{}
	for k, v := range d {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		switch v := kv[i+1].(type) {
		case string:
			out[kv[i].(string)] = starlark.String(v)
		case int:
			out[kv[i].(string)] = starlark.MakeInt(v)
		}
	}
	return out
}

// capScript starts a process that holds its slot until released, then
// another while the first still runs, and a third once the first has
// been joined: its slot is free again.
const capScript = `
def hold(release):
    release.wait()

if __name__ == "__main__":
    release = multiprocessing.Event()
    first = multiprocessing.Process(target=hold, args=(release,))
    first.start()
    _, err = catch(multiprocessing.Process(target=hold, args=(release,)).start)
    print(err.type, err.message)
    release.set()
    first.join()
    third = multiprocessing.Process(target=hold, args=(release,))
    third.start()
    third.join()
    print("third", third.exitcode)
`

// TestProcessCapOption: Options.Limits.Processes caps the live processes
// of an embedded run, the host's own process included, and a joined
// child's slot is free again.
func TestProcessCapOption(t *testing.T) {
	var out, errOut bytes.Buffer
	opts := testOptions
	opts.Stdout, opts.Stderr = &out, &errOut
	opts.Limits.Processes = 2
	if err := interp.RunString("cap.star", capScript, opts); err != nil {
		t.Fatalf("%v\n%s", err, &errOut)
	}
	want := "BlockingIOError [Errno 11] process limit reached: 2 processes live in this run (--max-processes=2; interp: Options.Limits.Processes)\nthird 0\n"
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s(stderr %s)", &out, want, &errOut)
	}
}
