package main

import (
	"encoding/json"
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

// --trace writes the run's timeline when the run ends, a failed one too:
// a Chrome trace-event file with a track for each process.
func TestTraceFlag(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.json")
	cmd := exec.Command(os.Args[0], "--trace", path, "-c", `
load("multiprocessing", "Pool")

def neg(x):
    return -x

if __name__ == "__main__":
    print(Pool(2).map(neg, [-1, -2, -3]))
    fail("after the pool")
`)
	cmd.Env = append(cleanEnv(), asMain+"=1")
	out, err := cmd.Output()
	if code := cmd.ProcessState.ExitCode(); code != 1 || string(out) != "[1, 2, 3]\n" {
		t.Fatalf("mpstar --trace: exit code %d (%v), printed %q; want 1 and the list", code, err, out)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var trace struct {
		TraceEvents []struct {
			Name, Ph string
			Args     map[string]any
		}
	}
	if err := json.Unmarshal(data, &trace); err != nil {
		t.Fatalf("the trace is not JSON: %v\n%s", err, data)
	}
	var tracks []string
	for _, e := range trace.TraceEvents {
		if e.Ph == "M" && e.Name == "process_name" {
			tracks = append(tracks, e.Args["name"].(string))
		}
	}
	if strings.Join(tracks, " ") != "MainProcess SpawnPoolWorker-1 SpawnPoolWorker-2" {
		t.Errorf("tracks %q, want the main process and two pool workers", tracks)
	}
}
