package interp_test

import (
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"github.com/mpstar/mpstar/interp"
)

// Concurrent runs in one host each give their children their own
// predeclared values, whatever ChildMain was given under the same name,
// and a value only the run has reaches its children too.
func TestRunValuesReachTheRunsChildren(t *testing.T) {
	src := `
load("multiprocessing", "Process", "Pool", "set_start_method")

def show(method):
    print(method, TENANT, LIMITS.cpu, RUN_ONLY["n"])

def square(x):
    return x * x * RUN_ONLY["n"]

if __name__ == "__main__":
    for method in ["spawn", "fork", "forkserver"]:
        set_start_method(method, force=True)
        p = Process(target=show, args=(method,))
        p.start()
        p.join()
    pool = Pool(2)
    print(pool.map(square, range(3)))
`
	var wg sync.WaitGroup
	outs := make([]bytes.Buffer, 3)
	errs := make([]bytes.Buffer, 3)
	for i := range 3 {
		wg.Go(func() {
			opts := testOptions
			opts.Stdout, opts.Stderr = &outs[i], &errs[i]
			opts.Predeclared = starlark.StringDict{}
			for k, v := range testOptions.Predeclared {
				opts.Predeclared[k] = v
			}
			opts.Predeclared["TENANT"] = starlark.String(fmt.Sprintf("tenant-%d", i))
			opts.Predeclared["LIMITS"] = starlarkstruct.FromStringDict(starlarkstruct.Default, starlark.StringDict{"cpu": starlark.MakeInt(i + 1)})
			run := starlark.NewDict(1)
			run.SetKey(starlark.String("n"), starlark.MakeInt(10*i))
			opts.Predeclared["RUN_ONLY"] = run
			if err := interp.RunString("tenant.star", src, opts); err != nil {
				t.Errorf("run %d: %v\n%s", i, err, &errs[i])
			}
		})
	}
	wg.Wait()
	for i := range 3 {
		want := fmt.Sprintf("spawn tenant-%[1]d %[2]d %[3]d\nfork tenant-%[1]d %[2]d %[3]d\nforkserver tenant-%[1]d %[2]d %[3]d\n[0, %[3]d, %[4]d]\n", i, i+1, 10*i, 40*i)
		if got := outs[i].String(); got != want {
			t.Errorf("run %d printed:\n%s\nwant:\n%s\nstderr:\n%s", i, got, want, &errs[i])
		}
	}
}

// A host whose main never calls ChildMain runs its main again in every
// child: that child fails at once, saying so, instead of running the
// script again and starting children of its own without end.
func TestHostWithoutChildMainFailsCleanly(t *testing.T) {
	host := filepath.Join(t.TempDir(), "nochildmain")
	build := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", host, "./testdata/nochildmain")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the host: %v\n%s", err, out)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(host)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("the host failed: %v\n%s", err, &stderr)
	}
	// The Process fails with exit code 1; so do the Pool's workers, and the
	// map fails instead of waiting for ever.
	if got := stdout.String(); got != "exitcode 1\nTrue\n" {
		t.Errorf("stdout %q, want the child's exitcode 1 and a failed map\nstderr:\n%s", got, &stderr)
	}
	n := strings.Count(stderr.String(), "call interp.ChildMain(opts) first thing in main")
	if n < 1 || n > 9 {
		t.Errorf("%d children said they lack ChildMain, want 1 to 9 (the Process, and up to 8 Pool workers):\n%s", n, &stderr)
	}
}
