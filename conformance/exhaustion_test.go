package conformance

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// runLimited runs an mpstar command line under the shell's ulimit options
// limits (such as "-v 1000000"), in faults, and returns its output.
func runLimited(t *testing.T, limits string, args ...string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	script := "ulimit " + limits + ` && exec "$0" "$@"`
	if limits == "" {
		script = `exec "$0" "$@"`
	}
	cmd := exec.CommandContext(ctx, "/bin/sh", append([]string{"-c", script, mpstarBin}, args...)...)
	cmd.Dir = "faults"
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.Run()
	return out.String(), errOut.String()
}

// TestRunawayRecursionFolds: a child that recurses without end reports
// RecursionError with the repeated frames folded, as Python does, instead
// of 100,000 traceback lines (issue 13).
func TestRunawayRecursionFolds(t *testing.T) {
	out, errOut := runLimited(t, "", "recursion.star")
	if out != "exitcode 1\n" {
		t.Errorf("stdout %q, want exitcode 1", out)
	}
	want := "  File \"recursion.star\", line 4, in f\n  [Previous line repeated 99998 more times]\nRecursionError: maximum recursion depth exceeded\n"
	if !strings.HasSuffix(errOut, want) || len(errOut) > 1000 {
		t.Errorf("stderr (%d bytes) ends %q, want it short and ending %q", len(errOut), errOut[max(0, len(errOut)-300):], want)
	}
}

// TestAddressSpaceLimit: under ulimit -v a script starts without a word
// about address space, and a child that exhausts memory reports
// MemoryError in Python's shape, not a Go runtime dump (issue 13).
func TestAddressSpaceLimit(t *testing.T) {
	if out, errOut := runLimited(t, "-v 1000000", "-c", "print(1)"); out != "1\n" || errOut != "" {
		t.Errorf("print(1) under ulimit -v: stdout %q, stderr %q", out, errOut)
	}
	out, errOut := runLimited(t, "-v 1500000", "out_of_memory.star")
	if out != "exitcode 1\n" {
		t.Errorf("stdout %q, want exitcode 1", out)
	}
	if !strings.HasSuffix(errOut, "\nMemoryError\n") || strings.Contains(errOut, "goroutine") || strings.Contains(errOut, "fatal error") {
		t.Errorf("stderr of the child out of memory:\n%s", errOut)
	}
}
