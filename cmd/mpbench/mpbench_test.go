package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary serve as the floor child, as mpbench
// re-executes itself.
func TestMain(m *testing.M) {
	floorChild()
	os.Exit(m.Run())
}

func testEnv(t *testing.T) floorEnv {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return floorEnv{self: self, timeout: 20 * time.Second}
}

func TestFloorsMeasureSmallRuns(t *testing.T) {
	env := testEnv(t)
	cases := []struct {
		name    string
		floor   floorFunc
		n       int
		latency bool
	}{
		{"process_start_join", floorProcessStartJoin, 3, true},
		{"pipe_pingpong_small", floorPipePingpong, 500, true},
		{"pipe_stream_small", floorPipeStream, 5000, false},
		{"pipe_bytes_1mib", floorPipeBytes, 8, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := c.floor(env, c.n)
			if r.Err != "" {
				t.Fatalf("floor failed: %s", r.Err)
			}
			if r.OpsPerS <= 0 {
				t.Errorf("ops/s = %v, want > 0", r.OpsPerS)
			}
			if got := r.P50us > 0; got != c.latency {
				t.Errorf("p50 = %v µs; want a p50: %v", r.P50us, c.latency)
			}
		})
	}
}

func TestFloorPeerThatExitsIsAnErrorNotAHang(t *testing.T) {
	p, err := startPeer(testEnv(t), "exit")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.recvSmall(); err == nil {
		t.Error("receive from an exited child succeeded")
	}
	if err := p.finish(); err != nil {
		t.Errorf("child exit: %v", err)
	}
}

func TestStarlarkFloorWithoutMpstarIsNotAvailable(t *testing.T) {
	r := floorStarlarkCalls(testEnv(t), 10)
	if r.Skipped == "" || r.Err != "" {
		t.Errorf("got %+v, want a skipped result", r)
	}
}

func TestSideRunReportsResultsAndFailures(t *testing.T) {
	sh := func(script string) side {
		return side{label: "sh", command: func(workload) []string { return []string{"sh", "-c", script} }}
	}
	w := workloads[0]
	cases := []struct {
		name, script, wantErr string
		wantOps               float64
	}{
		{"pass", `echo '[progress]'; echo '{"workload": "x", "ops_per_s": 12.5, "unit": "u/s", "p50_us": 3.0, "check_ok": true, "pool_startup_s": 0.5}'`, "", 12.5},
		{"check failed", `echo '{"workload": "x", "check_ok": false, "error": "CheckFailed: 3 bad replies"}'; exit 1`, "CheckFailed: 3 bad replies", 0},
		{"traceback", `printf 'Traceback (most recent call last):\n  File "a.star", line 3\nValueError: boom\n' >&2; exit 1`, "ValueError: boom", 0},
		{"no result", `exit 0`, "no result line", 0},
		{"timeout", `sleep 30`, "timed out", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := sh(c.script).run(w, 500*time.Millisecond)
			if c.wantErr == "" && r.Err != "" {
				t.Fatalf("unexpected error %q", r.Err)
			}
			if !strings.Contains(r.Err, c.wantErr) {
				t.Errorf("error %q does not contain %q", r.Err, c.wantErr)
			}
			if r.OpsPerS != c.wantOps {
				t.Errorf("ops/s = %v, want %v", r.OpsPerS, c.wantOps)
			}
		})
	}
}

func TestSummarizeTakesMediansAndKeepsFailures(t *testing.T) {
	runs := []result{
		{OpsPerS: 30, P50us: 3, Extra: map[string]float64{"pool_startup_s": 0.3}},
		{OpsPerS: 10, P50us: 1, Extra: map[string]float64{"pool_startup_s": 0.1}},
		{OpsPerS: 20, P50us: 2, Extra: map[string]float64{"pool_startup_s": 0.2}},
	}
	s := summarize(runs)
	if s.OpsPerS != 20 || s.P50us != 2 || s.Extra["pool_startup_s"] != 0.2 {
		t.Errorf("medians = %+v, want 20, 2, 0.2", s)
	}
	runs = append(runs, failed("boom"))
	if s := summarize(runs); s.Err != "boom" {
		t.Errorf("a failed run gave %+v, want the failure", s)
	}
}

func TestTableShowsRatiosAndErrors(t *testing.T) {
	pingpong, lock := workloads[1], workloads[7]
	rows := []row{
		{w: pingpong,
			mpstar:  result{OpsPerS: 50000, P50us: 10, Unit: "round trips/s"},
			cpython: &result{OpsPerS: 25000, P50us: 30, Unit: "round trips/s"},
			floor:   &result{OpsPerS: 100000}},
		{w: lock,
			mpstar:  failed("AttributeError: Lock has no .acquire"),
			cpython: &result{OpsPerS: 2e7, Unit: "acquire+release/s"},
			floor:   &result{Skipped: "no mpstar binary"}},
	}
	var out bytes.Buffer
	writeTables(&out, rows, true)
	text := out.String()
	for _, want := range []string{
		"| 50.0k | 25.0k | 2.00 | 100.0k | 0.50 | 10.0 | 30.0 | 3.00",
		"error: AttributeError: Lock has no .acquire",
		"n/a",
		"problems:",
	} {
		if !strings.Contains(strings.Join(strings.Fields(text), " "), strings.Join(strings.Fields(want), " ")) {
			t.Errorf("table lacks %q:\n%s", want, text)
		}
	}
}

func TestSelectWorkloads(t *testing.T) {
	sel, err := selectWorkloads("lock_uncontended, process_start_join")
	if err != nil {
		t.Fatal(err)
	}
	if len(sel) != 2 || sel[0].name != "process_start_join" || sel[1].name != "lock_uncontended" {
		t.Errorf("got %v, want the two in table order", sel)
	}
	if _, err := selectWorkloads("nope"); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown name: err = %v", err)
	}
}

func TestFilesFloorHashesTheTree(t *testing.T) {
	t.Setenv(filesDirEnv, t.TempDir())
	floor := floorFilesHash("files_hash_small")
	if r := floor(testEnv(t), 3); r.Err == "" {
		t.Errorf("no tree gave %+v, want an error", r)
	}
	root := filepath.Join(filesDir(), "files_hash_small-3")
	for i, d := range []string{"d0", "d0", "d1"} {
		os.MkdirAll(filepath.Join(root, d), 0o755)
		os.WriteFile(filepath.Join(root, d, fmt.Sprintf("f%d.bin", i)), []byte{byte(i)}, 0o644)
	}
	os.WriteFile(root+".complete", nil, 0o644)
	if r := floor(testEnv(t), 3); r.Err != "" || r.OpsPerS <= 0 {
		t.Errorf("got %+v, want a rate", r)
	}
}

func TestSplitOnlyTakesOutTheCtrlCMeasurement(t *testing.T) {
	sel, ctrlC, err := splitOnly("")
	if err != nil || !ctrlC || len(sel) != len(workloads) {
		t.Errorf(`"" selects %d workloads, Ctrl-C %v, %v; want all and true`, len(sel), ctrlC, err)
	}
	sel, ctrlC, err = splitOnly(interruptName)
	if err != nil || !ctrlC || len(sel) != 0 {
		t.Errorf("%q selects %d workloads, Ctrl-C %v, %v; want none and true", interruptName, len(sel), ctrlC, err)
	}
	sel, ctrlC, err = splitOnly("lock_uncontended")
	if err != nil || ctrlC || len(sel) != 1 {
		t.Errorf("lock_uncontended selects %d workloads, Ctrl-C %v, %v; want one and false", len(sel), ctrlC, err)
	}
}

func TestInterruptOnceTimesTheExitAfterSIGINT(t *testing.T) {
	took, left, err := interruptOnce([]string{"sh", "-c", "echo ready; exec sleep 100"}, time.Minute)
	if err != nil || took <= 0 || left {
		t.Errorf("sleep after ready: took %v, left %v, %v; want a time, nothing left, no error", took, left, err)
	}
	// A program that leaves a process behind in its group: a non-interactive
	// shell's background command ignores SIGINT.
	_, left, err = interruptOnce([]string{"sh", "-c", "sleep 100 & echo ready; exec sleep 100"}, time.Minute)
	if err != nil || !left {
		t.Errorf("a background sleep ignoring SIGINT: left %v, %v; want left", left, err)
	}
	if _, _, err = interruptOnce([]string{"true"}, time.Minute); err == nil {
		t.Error("a program that never printed ready: no error")
	}
}

// TestMpstarFlagsGoBeforeTheScript: -mpstar-flags, given once or more,
// reach the mpstar command line ahead of the script, where mpstar reads
// its own flags.
func TestMpstarFlagsGoBeforeTheScript(t *testing.T) {
	cfg, err := parseFlags([]string{"-mpstar-flags", "--sandbox  --allow-read=/tmp", "-mpstar-flags=--max-files=64"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	argv := mpstarSide("mpstar", cfg.mpstarFlags, "bench", false, "spawn").command(workloads[0])
	want := []string{"mpstar", "--sandbox", "--allow-read=/tmp", "--max-files=64", filepath.Join("bench", workloads[0].name+".star"), "--start-method", "spawn"}
	if !slices.Equal(argv, want) {
		t.Errorf("argv %q, want %q", argv, want)
	}
}

// TestMedianRankIsTheBinomialTable: the 95% range of a median over n values
// runs from the k-th smallest to the k-th largest, k from the binomial
// table (n=6: 1, n=15: 4, n=20: 6); under 6 values there is none.
func TestMedianRankIsTheBinomialTable(t *testing.T) {
	for n, want := range map[int]int{1: 0, 5: 0, 6: 1, 8: 1, 9: 2, 15: 4, 20: 6, 30: 10} {
		if got := medianRank(n); got != want {
			t.Errorf("medianRank(%d) = %d, want %d", n, got, want)
		}
	}
}

// TestBaselineRunsBackToBackInAlternatingOrder: with -baseline each run
// measures mpstar and the baseline next to each other, the baseline first
// in every other run, and the comparison is over the pairs.
func TestBaselineRunsBackToBackInAlternatingOrder(t *testing.T) {
	order := filepath.Join(t.TempDir(), "order")
	fake := func(label string, ops int) side {
		script := fmt.Sprintf(`echo %s >>%s; echo '{"workload": "x", "ops_per_s": %d, "check_ok": true}'`, label, order, ops)
		return side{label: label, command: func(workload) []string { return []string{"sh", "-c", script} }}
	}
	w := workloads[4] // no floor
	b := &bench{cfg: config{runs: 6, timeout: 10 * time.Second}, progress: io.Discard,
		sides: []side{fake("mpstar", 90), fake(baselineLabel, 100), fake("CPython", 10)}}
	rows := makeRows(b.measure([]workload{w}), true)

	got, err := os.ReadFile(order)
	if err != nil {
		t.Fatal(err)
	}
	odd, even := "mpstar baseline CPython", "CPython baseline mpstar"
	if want := strings.Repeat(odd+" "+even+" ", 3); strings.Join(strings.Fields(string(got)), " ")+" " != want {
		t.Errorf("runs went %q, want %q", strings.Fields(string(got)), want)
	}
	p := rows[0].vsBaseline
	if p.N != 6 || p.Median != 0.9 || p.Low != 0.9 || p.High != 0.9 || p.verdict() != "slower by more than 5%" {
		t.Errorf("comparison %+v (%s), want 6 pairs at 0.9, slower by more than 5%%", p, p.verdict())
	}
	var out bytes.Buffer
	writeBaseline(&out, rows)
	if !strings.Contains(out.String(), "0.900 (0.900–0.900)") {
		t.Errorf("table lacks the comparison:\n%s", out.String())
	}
}

// TestPairedVerdicts: the verdict follows the 95% range of the per-pair
// ratios, and a round in which either binary failed is left out.
func TestPairedVerdicts(t *testing.T) {
	runs := func(ops ...float64) []result {
		var rs []result
		for _, x := range ops {
			rs = append(rs, result{OpsPerS: x})
		}
		return rs
	}
	base := runs(100, 100, 100, 100, 100, 100, 100)
	cases := []struct {
		name   string
		mpstar []result
		want   string
	}{
		{"faster", runs(110, 120, 105, 130, 111, 108, 115), "faster"},
		{"level", runs(99, 101, 97, 103, 100, 98, 102), "not slower by more than 5%"},
		{"noisy", runs(80, 120, 90, 115, 100, 85, 125), "cannot tell: too noisy"},
		{"slower", runs(80, 85, 90, 82, 88, 84, 86), "slower by more than 5%"},
		{"too few", runs(110, 120, 105, 130, 111), ""},
		{"failed round left out", append(runs(110, 120, 105, 130, 111), failed("boom")), ""},
	}
	for _, c := range cases {
		p := pairRuns(c.mpstar, base)
		if got := p.verdict(); got != c.want {
			t.Errorf("%s: verdict %q, want %q", c.name, got, c.want)
		}
	}
}
