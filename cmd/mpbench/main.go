package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// modulePath identifies the module whose scripts/bench mpbench runs.
const modulePath = "github.com/mpstar/mpstar"

// config is the command line.
type config struct {
	only, mpstar, python, method string
	baseline                     string   // an earlier mpstar binary to compare with; "" for none
	mpstarFlags                  []string // before the script: --sandbox, --allow-read=..., --max-*
	quick, asJSON                bool
	runs                         int
	timeout                      time.Duration
}

func main() {
	floorChild()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("mpbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.only, "only", "", "comma-separated workloads to run (default all): "+workloadNames())
	fs.BoolVar(&c.quick, "quick", false, "use the quick sizes (about a tenth of the work)")
	fs.IntVar(&c.runs, "runs", 3, "runs of each workload on each side; the table shows medians")
	fs.StringVar(&c.mpstar, "mpstar", "", "mpstar binary to measure (default: build ./cmd/mpstar)")
	fs.StringVar(&c.baseline, "baseline", "", "an earlier mpstar binary to compare with, run back to back with mpstar in every run")
	fs.Func("mpstar-flags", "space-separated mpstar flags given before each script, such as \"--sandbox --allow-read=/tmp\"", func(s string) error {
		c.mpstarFlags = append(c.mpstarFlags, strings.Fields(s)...)
		return nil
	})
	fs.StringVar(&c.python, "python", "python3", "CPython interpreter for the reference side")
	fs.StringVar(&c.method, "start-method", "spawn", "start method on both sides: spawn, fork or forkserver")
	fs.BoolVar(&c.asJSON, "json", false, "print one JSON object per workload instead of the tables")
	fs.DurationVar(&c.timeout, "timeout", 300*time.Second, "limit for one run of one workload on one side")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	switch {
	case fs.NArg() > 0:
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case c.runs < 1:
		return c, errors.New("-runs must be at least 1")
	case c.method != "spawn" && c.method != "fork" && c.method != "forkserver":
		return c, fmt.Errorf("-start-method %q: want spawn, fork or forkserver", c.method)
	}
	return c, nil
}

func run(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if err == flag.ErrHelp {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "mpbench: %v\n", err)
		return 2
	}
	selected, interrupts, err := splitOnly(cfg.only)
	if err != nil {
		fmt.Fprintf(stderr, "mpbench: %v\n", err)
		return 2
	}
	root, err := moduleRoot()
	if err != nil {
		fmt.Fprintf(stderr, "mpbench: %v\n", err)
		return 1
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "mpbench: cannot find its own executable for the floor children: %v\n", err)
		return 1
	}
	tmp, err := os.MkdirTemp("", "mpbench-")
	if err != nil {
		fmt.Fprintf(stderr, "mpbench: %v\n", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	if os.Getenv(filesDirEnv) == "" {
		os.Setenv(filesDirEnv, filepath.Join(tmp, "files"))
	}

	b := newBench(cfg, root, self, tmp, stderr)
	all := b.measure(selected)
	var ctrlC []interruptRow
	if interrupts {
		ctrlC = b.measureInterrupts(ctrlCRuns(cfg))
	}
	rows := makeRows(all, b.python != "")
	if cfg.asJSON {
		if err := writeJSON(stdout, rows, cfg.quick); err != nil {
			fmt.Fprintf(stderr, "mpbench: %v\n", err)
			return 1
		}
	} else {
		b.writeHeader(stdout, rows)
		if len(rows) > 0 {
			writeTables(stdout, rows, b.python != "")
		}
		if cfg.baseline != "" && len(rows) > 0 {
			fmt.Fprintln(stdout)
			writeBaseline(stdout, rows)
		}
		if interrupts {
			writeInterrupts(stdout, ctrlC, ctrlCRuns(cfg))
		}
	}
	if b.buildErr != nil || anyFailed(all) {
		return 1
	}
	return 0
}

// splitOnly separates the Ctrl-C measurement, which is not a script
// workload, from the workloads of an -only list. It runs when named, or
// when the list is empty (everything).
func splitOnly(only string) (selected []workload, interrupts bool, err error) {
	if strings.TrimSpace(only) == "" {
		return workloads, true, nil
	}
	var rest []string
	for _, name := range strings.Split(only, ",") {
		if strings.TrimSpace(name) == interruptName {
			interrupts = true
		} else {
			rest = append(rest, name)
		}
	}
	if interrupts && len(rest) == 0 {
		return nil, true, nil
	}
	selected, err = selectWorkloads(strings.Join(rest, ","))
	return selected, interrupts, err
}

// ctrlCRuns is how many Ctrl-Cs each blocking call gets on each side:
// ten per run, for a p99 that means something.
func ctrlCRuns(cfg config) int {
	if cfg.quick {
		return 3 * cfg.runs
	}
	return 10 * cfg.runs
}

// bench is one mpbench run: the sides it measures and where they are.
type bench struct {
	cfg      config
	root     string
	mpstar   string // the mpstar binary; "" if it could not be built
	buildErr error
	python   string // the CPython interpreter's path; "" if there is none
	sides    []side
	floorEnv floorEnv
	progress io.Writer
}

func newBench(cfg config, root, self, tmp string, progress io.Writer) *bench {
	b := &bench{cfg: cfg, root: root, mpstar: cfg.mpstar, progress: progress}
	benchDir := filepath.Join(root, "scripts", "bench")
	if b.mpstar == "" {
		fmt.Fprintln(progress, "[mpbench] building ./cmd/mpstar ...")
		b.mpstar, b.buildErr = buildMpstar(root, filepath.Join(tmp, "mpstar"))
	}
	if b.buildErr == nil {
		b.sides = append(b.sides, mpstarSide(b.mpstar, cfg.mpstarFlags, benchDir, cfg.quick, cfg.method))
	}
	if cfg.baseline != "" {
		s := mpstarSide(cfg.baseline, cfg.mpstarFlags, benchDir, cfg.quick, cfg.method)
		s.label = baselineLabel
		b.sides = append(b.sides, s)
	}
	if path, err := exec.LookPath(cfg.python); err == nil {
		b.python = path
		b.sides = append(b.sides, cpythonSide(path, benchDir, cfg.quick, cfg.method, cfg.timeout))
	}
	b.floorEnv = floorEnv{self: self, mpstar: b.mpstar, timeout: cfg.timeout}
	return b
}

// measure runs every selected workload cfg.runs times on each side and its
// floor. Runs are interleaved (all workloads, then again) so that a slow
// spell of the machine spreads over the workloads instead of hitting one.
// The sides run in turn, in the reverse order every other run, so that
// mpstar and the baseline are back to back and neither always goes first.
// A side that failed a workload is not run on it again: the failure is the
// result, and a hung workload would cost the whole time limit every run.
func (b *bench) measure(selected []workload) []*measured {
	all := make([]*measured, len(selected))
	for i, w := range selected {
		all[i] = &measured{w: w}
		if b.buildErr != nil {
			all[i].mpstar = []result{failed("build failed: %v", b.buildErr)}
		}
	}
	for run := 1; run <= b.cfg.runs; run++ {
		for _, m := range all {
			var line []string
			for _, s := range sidesInTurn(b.sides, run) {
				line = append(line, s.label+" "+keepGoing(m.runsOf(s.label), func() result { return s.run(m.w, b.cfg.timeout) }))
			}
			if m.w.floor != nil {
				line = append(line, "floor "+keepGoing(&m.floors, func() result {
					return m.w.floor(b.floorEnv, m.w.n(b.cfg.quick))
				}))
			}
			fmt.Fprintf(b.progress, "[mpbench] run %d/%d %s: %s\n", run, b.cfg.runs, m.w.name, strings.Join(line, ", "))
		}
	}
	return all
}

// sidesInTurn is the order of the sides in the given run: as listed in odd
// runs, reversed in even ones.
func sidesInTurn(sides []side, run int) []side {
	if run%2 == 1 {
		return sides
	}
	reversed := slices.Clone(sides)
	slices.Reverse(reversed)
	return reversed
}

// keepGoing measures one more run unless an earlier one failed, and
// returns the figure for the progress line.
func keepGoing(runs *[]result, measure func() result) string {
	for _, r := range *runs {
		if r.Err != "" {
			return "failed before"
		}
	}
	r := measure()
	*runs = append(*runs, r)
	return progressFigure(r)
}

func progressFigure(r result) string {
	switch {
	case r.Err != "":
		return "error: " + r.Err
	case r.Skipped != "":
		return "n/a"
	}
	return rate(r.OpsPerS)
}

func (b *bench) writeHeader(out io.Writer, rows []row) {
	mode := "full"
	if b.cfg.quick {
		mode = "quick"
	}
	fmt.Fprintf(out, "mpbench: %s sizes, start method %s, median of %d run(s)\n", mode, b.cfg.method, b.cfg.runs)
	if b.buildErr != nil {
		fmt.Fprintf(out, "mpstar:  go build ./cmd/mpstar failed: %v\n", b.buildErr)
	} else {
		fmt.Fprintf(out, "mpstar:  %s (%s)\n", mpstarVersion(b.mpstar), b.mpstar)
	}
	if b.cfg.baseline != "" {
		fmt.Fprintf(out, "baseline: %s (%s)\n", mpstarVersion(b.cfg.baseline), b.cfg.baseline)
	}
	if b.python == "" {
		fmt.Fprintf(out, "CPython: %q not found on PATH; showing mpstar and the floors only\n", b.cfg.python)
	} else {
		fmt.Fprintf(out, "CPython: %s (%s)\n", pythonVersion(rows), b.python)
	}
	fmt.Fprintln(out)
}

// anyFailed tells whether any run on any side failed its checks or did not
// finish.
func anyFailed(all []*measured) bool {
	for _, m := range all {
		for _, runs := range [][]result{m.mpstar, m.baseline, m.cpython, m.floors} {
			for _, r := range runs {
				if r.Err != "" {
					return true
				}
			}
		}
	}
	return false
}

// moduleRoot finds the mpstar module's root directory from the working
// directory upwards.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if isMpstarModule(filepath.Join(dir, "go.mod")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod of %s in the working directory or above it; run mpbench inside the mpstar repository", modulePath)
		}
		dir = parent
	}
}

func isMpstarModule(gomod string) bool {
	f, err := os.Open(gomod)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) == 2 && fields[0] == "module" {
			return strings.Trim(fields[1], `"`) == modulePath
		}
	}
	return false
}

// buildMpstar builds ./cmd/mpstar of the module at root into out.
func buildMpstar(root, out string) (string, error) {
	cmd := exec.Command("go", "build", "-o", out, "./cmd/mpstar")
	cmd.Dir = root
	msg, err := cmd.CombinedOutput()
	if err != nil {
		return "", errors.New(buildErrorLine(msg, err))
	}
	return out, nil
}

// buildErrorLine is the first line of go build's output that is an error
// rather than a "# package" heading.
func buildErrorLine(out []byte, err error) string {
	for _, line := range strings.Split(string(out), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			return line
		}
	}
	return err.Error()
}

func mpstarVersion(bin string) string {
	out, err := exec.Command(bin, "-version").Output()
	if err != nil {
		return "mpstar (version unknown)"
	}
	return string(bytes.TrimSpace(out))
}

// pythonVersion is the interpreter version CPython's result lines report.
func pythonVersion(rows []row) string {
	for _, r := range rows {
		if r.cpython != nil && r.cpython.Version != "" {
			return "Python " + r.cpython.Version
		}
	}
	return "Python (version unknown)"
}
