package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// mpstar runs this test binary as mpstar with args and stdin, and returns
// its stdout and stderr.
func mpstar(t *testing.T, stdin string, args ...string) (string, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(cleanEnv(), asMain+"=1")
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("mpstar %v: %v\n%s", args, err, &stderr)
	}
	return stdout.String(), stderr.String()
}

// -i runs the script, then reads statements with its globals in scope, as
// python3 -i does.
func TestInteractiveAfterScript(t *testing.T) {
	script := filepath.Join(t.TempDir(), "s.star")
	if err := os.WriteFile(script, []byte("x = 21\ndef double(n):\n    return 2 * n\nprint('ran', sys.argv[1:])\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _ := mpstar(t, "double(x)\n", "-i", script, "a")
	if out != "ran [\"a\"]\n42\n" {
		t.Errorf("-i printed %q", out)
	}
}

// -cpuprofile writes a profile of the main process.
func TestCPUProfileFlag(t *testing.T) {
	prof := filepath.Join(t.TempDir(), "cpu.prof")
	if out, _ := mpstar(t, "", "-cpuprofile", prof, "-c", "print(sum(range(1000)))"); out != "499500\n" {
		t.Errorf("printed %q", out)
	}
	if fi, err := os.Stat(prof); err != nil || fi.Size() == 0 {
		t.Errorf("no profile written: %v", err)
	}
}

// -h lists the options and the environment variables mpstar reads.
func TestHelpListsEnvironment(t *testing.T) {
	out, _ := mpstar(t, "", "-h")
	for _, want := range []string{"-i", "-cpuprofile", "MPSTAR_START_METHOD", "MPSTAR_FORKSERVER_WARM", "MPSTAR_CPUPROFILE"} {
		if !strings.Contains(out, want) {
			t.Errorf("-h does not mention %s:\n%s", want, out)
		}
	}
}
