package interp_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/mpstar/mpstar/interp"
	"go.starlark.net/starlark"
)

// hostOptions are the options of the example host. The child entry point
// and the script runs must use the same ones, so that a child sees the
// host's predeclared names too.
var hostOptions = interp.Options{
	Predeclared: starlark.StringDict{"HOST_NAME": starlark.String("example-host")},
}

// TestMain is the host's main: ChildMain first, so that this very test
// binary serves as the child executable.
func TestMain(m *testing.M) {
	interp.ChildMain(testOptions)
	os.Exit(m.Run())
}

// A Go host embeds mpstar and runs a script that starts a child process.
// The child re-executes the host's own binary.
func Example() {
	src := `
load("multiprocessing", "Process")

def work(n):
    print("child of", HOST_NAME, "got", n)

if __name__ == "__main__":
    p = Process(target=work, args=(42,))
    p.start()
    p.join()
    print("exitcode", p.exitcode)
`
	opts := hostOptions
	if err := interp.RunString("job.star", src, opts); err != nil {
		fmt.Println("error:", err, "status", interp.ExitCode(err))
	}
	// Output:
	// child of example-host got 42
	// exitcode 0
}
