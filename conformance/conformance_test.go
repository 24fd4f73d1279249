package conformance

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files from the current output")

// mpstarBin is the binary under test, built once by TestMain.
var mpstarBin string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "mpstar-conformance-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	mpstarBin = filepath.Join(dir, "mpstar")
	build := exec.Command("go", "build", "-o", mpstarBin, "../cmd/mpstar")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building mpstar:", err)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// caseSpec is what a script's directive comments ask of its run.
type caseSpec struct {
	exit   int
	stderr []*regexp.Regexp
	args   []string
	env    []string
	// unordered compares stdout as a multiset of lines, for scripts whose
	// processes print concurrently.
	unordered bool
	// stdin names a file of testdata fed to the script's standard input.
	stdin string
	// repl types the script into the REPL (mpstar -i) instead of running
	// it, as python3 -i < script does.
	repl bool
}

func parseSpec(t *testing.T, src []byte) caseSpec {
	spec := caseSpec{}
	for _, line := range strings.Split(string(src), "\n") {
		if !strings.HasPrefix(line, "# ") {
			break
		}
		key, val, ok := strings.Cut(line[2:], ": ")
		if !ok {
			continue
		}
		switch key {
		case "exit":
			n, err := strconv.Atoi(val)
			if err != nil {
				t.Fatalf("bad exit directive %q", val)
			}
			spec.exit = n
		case "stderr":
			spec.stderr = append(spec.stderr, regexp.MustCompile(val))
		case "args":
			spec.args = strings.Fields(val)
		case "env":
			spec.env = append(spec.env, val)
		case "unordered":
			spec.unordered = val == "true"
		case "stdin":
			spec.stdin = val
		case "repl":
			spec.repl = val == "true"
		}
	}
	return spec
}

// TestConformance runs every testdata/*.star and compares its stdout with
// the .out file beside it, and its exit status and stderr with its
// directives.
func TestConformance(t *testing.T) {
	scripts, err := filepath.Glob("testdata/*.star")
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no conformance scripts found: %v", err)
	}
	for _, script := range scripts {
		name := strings.TrimSuffix(filepath.Base(script), ".star")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			runCase(t, script)
		})
	}
}

func runCase(t *testing.T, script string) {
	src, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	spec := parseSpec(t, src)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, mpstarBin, append([]string{filepath.Base(script)}, spec.args...)...)
	if spec.repl {
		cmd = exec.CommandContext(ctx, mpstarBin, append([]string{"-i"}, spec.args...)...)
		cmd.Stdin = bytes.NewReader(src)
	}
	cmd.Dir = filepath.Dir(script)
	cmd.Env = append(os.Environ(), spec.env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if spec.stdin != "" {
		in, err := os.ReadFile(filepath.Join(filepath.Dir(script), spec.stdin))
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stdin = bytes.NewReader(in)
	}
	err = cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("timed out after 2 minutes; stderr:\n%s", stderr.String())
	}
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if code != spec.exit {
		t.Errorf("exit status %d, want %d; stderr:\n%s", code, spec.exit, stderr.String())
	}
	for _, re := range spec.stderr {
		if !re.Match(stderr.Bytes()) {
			t.Errorf("stderr does not match %q:\n%s", re, stderr.String())
		}
	}
	golden := strings.TrimSuffix(script, ".star") + ".out"
	if *update {
		if err := os.WriteFile(golden, stdout.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("missing golden file (run with -update to create it): %v", err)
	}
	got := stdout.String()
	if spec.unordered {
		got, want = sortLines(got), []byte(sortLines(string(want)))
	}
	if got != string(want) {
		t.Errorf("stdout differs from %s\n--- got ---\n%s--- want ---\n%s--- stderr ---\n%s", golden, got, want, stderr.String())
	}
}

func sortLines(s string) string {
	lines := strings.SplitAfter(s, "\n")
	sort.Strings(lines)
	return strings.Join(lines, "")
}
