package conformance

// The multiprocessing logger through the mpstar binary: stderr transcripts
// of the logging examples, and lines from many processes arriving whole.

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestLoggingTranscripts runs each testdata/logging_*.star and compares
// its stderr with the .err file beside it (what CPython writes for the
// same program); -update rewrites them. TestConformance checks stdout.
func TestLoggingTranscripts(t *testing.T) {
	scripts, err := filepath.Glob("testdata/logging_*.star")
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no logging scripts found: %v", err)
	}
	for _, script := range scripts {
		t.Run(strings.TrimSuffix(filepath.Base(script), ".star"), func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), driverTimeout)
			defer cancel()
			cmd := exec.CommandContext(ctx, mpstarBin, filepath.Base(script))
			cmd.Dir = filepath.Dir(script)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("%v; stderr:\n%s", err, stderr.String())
			}
			golden := strings.TrimSuffix(script, ".star") + ".err"
			if *update {
				if err := os.WriteFile(golden, stderr.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("missing stderr transcript (run with -update to create it): %v", err)
			}
			if stderr.String() != string(want) {
				t.Errorf("stderr differs from %s\n--- got ---\n%s--- want ---\n%s", golden, stderr.String(), want)
			}
		})
	}
}

// TestLoggingLinesIntact has 8 processes log 1,000 lines each to one
// stderr at once; every line must arrive whole, exactly once.
func TestLoggingLinesIntact(t *testing.T) {
	const workers, lines = 8, 1000
	ctx, cancel := context.WithTimeout(context.Background(), driverTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, mpstarBin, "log_flood.star", strconv.Itoa(workers), strconv.Itoa(lines))
	cmd.Dir = driverDir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v; stderr:\n%.2000s", err, stderr.String())
	}
	if want := "exit codes [0, 0, 0, 0, 0, 0, 0, 0]\n"; stdout.String() != want {
		t.Errorf("stdout %q, want %q", stdout.String(), want)
	}
	line := regexp.MustCompile(`^\[WARNING/Process-(\d+)\] worker (\d+) line (\d+) x{160}$`)
	seen := map[string]bool{}
	bad := 0
	for _, l := range strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n") {
		m := line.FindStringSubmatch(l)
		if m == nil || m[1] != m[2] || seen[m[2]+"/"+m[3]] {
			if bad++; bad <= 5 {
				t.Errorf("mangled or repeated line: %q", l)
			}
			continue
		}
		seen[m[2]+"/"+m[3]] = true
	}
	if len(seen) != workers*lines || bad != 0 {
		t.Errorf("got %d intact lines and %d bad ones, want %d intact", len(seen), bad, workers*lines)
	}
}
