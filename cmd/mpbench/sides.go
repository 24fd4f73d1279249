package main

// Running one workload on the mpstar side or the CPython side, and reading
// the JSON result line the script prints.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// result is one run of one workload on one side (mpstar, CPython or the
// floor).
type result struct {
	OpsPerS float64            `json:"ops_per_s,omitempty"`
	P50us   float64            `json:"p50_us,omitempty"` // 0 unless a latency workload
	Unit    string             `json:"unit,omitempty"`
	Extra   map[string]float64 `json:"extra,omitempty"`   // pool_startup_s, ...
	Version string             `json:"version,omitempty"` // the "mpstar" field, else "python"
	Err     string             `json:"error,omitempty"`   // one line; "" when the run passed
	Skipped string             `json:"skipped,omitempty"` // why there is no figure ("n/a"); not a failure
}

// failed returns a result that carries only an error.
func failed(format string, args ...any) result {
	return result{Err: firstLine(fmt.Sprintf(format, args...))}
}

// side is a way to run a workload script: the mpstar binary or CPython.
type side struct {
	label   string
	command func(w workload) []string // argv of one run
}

// mpstarSide runs scripts/bench/<workload>.star with the mpstar binary,
// flags (permissions and limits) going before the script.
func mpstarSide(bin string, flags []string, benchDir string, quick bool, method string) side {
	return side{label: "mpstar", command: func(w workload) []string {
		argv := append(append([]string{bin}, flags...), filepath.Join(benchDir, w.name+".star"), "--start-method", method)
		if quick {
			argv = append(argv, "--quick")
		}
		return argv
	}}
}

// cpythonSide runs one workload of the CPython port.
func cpythonSide(python, benchDir string, quick bool, method string, timeout time.Duration) side {
	return side{label: "CPython", command: func(w workload) []string {
		argv := []string{python, filepath.Join(benchDir, "cpython_mp_bench.py"),
			"--only", w.name, "--start-method", method,
			"--timeout", fmt.Sprint(int(timeout.Seconds()))}
		if quick {
			argv = append(argv, "--quick")
		}
		return argv
	}}
}

// run runs the workload once and returns its result; a crash, a time-out
// or a failed check is an error result, never a Go error, so one broken
// workload does not stop the others.
func (s side) run(w workload, timeout time.Duration) result {
	out, errOut, err := runCommand(s.command(w), timeout)
	rec, found := lastRecord(out)
	switch {
	case found && rec.Err != "":
		return rec
	case found && err == nil:
		return rec
	case found:
		return failed("%s (%v after printing its result)", stderrSummary(errOut), err)
	case err != nil:
		return failed("%s (%v)", stderrSummary(errOut), err)
	}
	return failed("no result line on stdout: %s", stderrSummary(errOut))
}

// runCommand runs argv in its own process group with a time limit; at the
// limit the whole group (the script and its children) is killed.
func runCommand(argv []string, timeout time.Duration) (stdout, stderr []byte, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var out, errOut bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &errOut
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	// A grandchild that outlives the script must not keep Wait blocked on
	// the output pipes.
	cmd.WaitDelay = 5 * time.Second
	err = cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		err = fmt.Errorf("timed out after %v", timeout)
	}
	return out.Bytes(), errOut.Bytes(), err
}

// lastRecord finds the last JSON result line on stdout.
func lastRecord(stdout []byte) (result, bool) {
	lines := strings.Split(string(stdout), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		line := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) != nil || rec["workload"] == nil {
			continue
		}
		return parseRecord(rec), true
	}
	return result{}, false
}

// parseRecord turns a decoded result line into a result.
func parseRecord(rec map[string]any) result {
	if ok, _ := rec["check_ok"].(bool); !ok {
		msg, _ := rec["error"].(string)
		if msg == "" {
			msg = "check failed"
		}
		return failed("%s", msg)
	}
	r := result{Extra: map[string]float64{}}
	r.OpsPerS, _ = rec["ops_per_s"].(float64)
	r.P50us, _ = rec["p50_us"].(float64)
	r.Unit, _ = rec["unit"].(string)
	r.Version, _ = rec["python"].(string)
	if v, ok := rec["mpstar"].(string); ok {
		r.Version = v
	}
	for name := range extraFields {
		if v, ok := rec[name].(float64); ok {
			r.Extra[name] = v
		}
	}
	return r
}

// stderrSummary picks the line of a script's stderr that says what went
// wrong: the last line that is not indented, which is the "Type: message"
// line of a Python or mpstar traceback.
func stderrSummary(stderr []byte) string {
	lines := strings.Split(strings.TrimRight(string(stderr), "\n"), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		line := strings.TrimRight(lines[i], " \r")
		if line != "" && line[0] != ' ' && line[0] != '\t' {
			return line
		}
	}
	return "(no output on stderr)"
}

// lastLine is the last non-empty line of out.
func lastLine(out []byte) []byte {
	out = bytes.TrimRight(out, "\n")
	return out[bytes.LastIndexByte(out, '\n')+1:]
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
