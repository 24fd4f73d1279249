package main

// Ctrl-C latency: how long a script blocked in a multiprocessing call takes
// to stop once the terminal's SIGINT reaches its process group, on each
// side. Each run starts a script that prints "ready" and then blocks for
// good; mpbench sends SIGINT to the script's process group, as a terminal
// does, and times the main process's exit. It also notes whether any
// process of the group outlived the main process (CPython's Pool workers
// and children die of their own KeyboardInterrupt; mpstar's main process
// ends its children before it exits).

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// interruptName selects the Ctrl-C measurement in -only.
const interruptName = "interrupt_latency"

// blockingCall is one way of blocking for good, as an mpstar and a CPython
// main program; each prints "ready" just before the call.
type blockingCall struct {
	name, star, python string
}

var blockingCalls = []blockingCall{
	{"Queue.get",
		`load("multiprocessing", "Queue")
if __name__ == "__main__":
    q = Queue()
    print("ready")
    q.get()`,
		`import multiprocessing as mp
if __name__ == "__main__":
    q = mp.Queue()
    print("ready", flush=True)
    q.get()`},
	{"Process.join",
		`load("multiprocessing", "Process", "Event")
def wait():
    Event().wait()
if __name__ == "__main__":
    p = Process(target = wait)
    p.start()
    print("ready")
    p.join()`,
		`import multiprocessing as mp
def wait():
    mp.Event().wait()
if __name__ == "__main__":
    p = mp.Process(target=wait)
    p.start()
    print("ready", flush=True)
    p.join()`},
	{"Pool.map",
		`load("multiprocessing", "Pool")
load("time", "sleep")
def nap(x):
    sleep(1000)
if __name__ == "__main__":
    pool = Pool(2)
    pool.apply(abs, (1,))
    print("ready")
    pool.map(nap, range(4))`,
		`import multiprocessing as mp, time
def nap(x):
    time.sleep(1000)
if __name__ == "__main__":
    pool = mp.Pool(2)
    pool.apply(abs, (1,))
    print("ready", flush=True)
    pool.map(nap, range(4))`},
}

// interruptRow is one blocking call's latencies on each side, in ms.
type interruptRow struct {
	call            string
	mpstar, cpython interruptRuns
}

// interruptRuns are the runs of one call on one side.
type interruptRuns struct {
	ms    []float64
	left  int // runs after which a process of the group outlived the main one
	hung  int // runs in which the main process did not exit within hangLimit
	err   string
	tried bool
}

// measureInterrupts times runs Ctrl-Cs of every blocking call on each side.
func (b *bench) measureInterrupts(runs int) []interruptRow {
	dir, err := os.MkdirTemp("", "mpbench-interrupt-")
	if err != nil {
		return []interruptRow{{call: "all", mpstar: interruptRuns{err: err.Error(), tried: true}}}
	}
	defer os.RemoveAll(dir)
	rows := make([]interruptRow, len(blockingCalls))
	for i, c := range blockingCalls {
		rows[i].call = c.name
		star := filepath.Join(dir, fmt.Sprintf("call%d.star", i))
		py := filepath.Join(dir, fmt.Sprintf("call%d.py", i))
		os.WriteFile(star, []byte(c.star+"\n"), 0o644)
		os.WriteFile(py, []byte(c.python+"\n"), 0o644)
		for run := 0; run < runs; run++ {
			if b.mpstar != "" {
				rows[i].mpstar.add(interruptOnce([]string{b.mpstar, star}, b.cfg.timeout))
			}
			if b.python != "" {
				rows[i].cpython.add(interruptOnce([]string{b.python, py}, b.cfg.timeout))
			}
		}
		fmt.Fprintf(b.progress, "[mpbench] %s %s: mpstar p50 %s, CPython p50 %s\n", interruptName, c.name,
			rows[i].mpstar.percentile(50), rows[i].cpython.percentile(50))
	}
	return rows
}

// hangLimit is how long a main process may take to exit after SIGINT
// before the run counts as hung.
const hangLimit = 10 * time.Second

// errHung is the result of a run that hung.
var errHung = errors.New("hung")

// add records one run.
func (r *interruptRuns) add(d time.Duration, left bool, err error) {
	r.tried = true
	switch {
	case err == errHung:
		r.hung++
	case err != nil:
		if r.err == "" {
			r.err = firstLine(err.Error())
		}
	default:
		r.ms = append(r.ms, float64(d.Microseconds())/1000)
		if left {
			r.left++
		}
	}
}

// percentile formats the p-th percentile of the runs in ms (nearest rank).
func (r *interruptRuns) percentile(p int) string {
	switch {
	case !r.tried:
		return "-"
	case r.err != "":
		return "error"
	case len(r.ms) == 0:
		return "hung"
	}
	s := append([]float64(nil), r.ms...)
	sort.Float64s(s)
	rank := (p*len(s) + 99) / 100
	return fmt.Sprintf("%.1f", s[max(rank, 1)-1])
}

// interruptOnce starts argv in a process group of its own, waits for its
// "ready", sends SIGINT to the group and returns how long the main process
// then took to exit, and whether any process of the group was still alive
// at that moment. The whole group is killed afterwards.
func interruptOnce(argv []string, timeout time.Duration) (time.Duration, bool, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// Stderr stays nil (/dev/null): a pipe would make Wait wait for any
	// process left holding it.
	out, err := cmd.StdoutPipe()
	if err != nil {
		return 0, false, err
	}
	if err := cmd.Start(); err != nil {
		return 0, false, err
	}
	pgid := cmd.Process.Pid
	defer syscall.Kill(-pgid, syscall.SIGKILL)
	ready := make(chan error, 1)
	go func() { ready <- awaitReady(out) }()
	select {
	case err := <-ready:
		if err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			return 0, false, err
		}
	case <-time.After(timeout):
		cmd.Process.Kill()
		cmd.Wait()
		return 0, false, errors.New("never printed ready")
	}
	exited := make(chan struct{})
	go func() {
		// The pipe must keep being read, or a script printing at exit
		// could block on it.
		io.Copy(io.Discard, out)
	}()
	start := time.Now()
	syscall.Kill(-pgid, syscall.SIGINT)
	go func() { cmd.Wait(); close(exited) }()
	select {
	case <-exited:
	case <-time.After(hangLimit):
		return 0, false, errHung
	}
	took := time.Since(start)
	// The main process is reaped, so a member of its group found now is a
	// child or a program it left behind.
	left := syscall.Kill(-pgid, 0) == nil
	return took, left, nil
}

// awaitReady reads out until a line "ready".
func awaitReady(out io.Reader) error {
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "ready" {
			return nil
		}
	}
	return errors.New("exited before printing ready")
}

// writeInterrupts prints the Ctrl-C table.
func writeInterrupts(w io.Writer, rows []interruptRow, runs int) {
	fmt.Fprintf(w, "\nCtrl-C while blocked: SIGINT to the process group until the main process has exited, ms over %d runs\n\n", runs)
	table := [][]string{{"call", "mpstar p50", "mpstar p99", "CPython p50", "CPython p99", "mpstar left", "CPython left"}}
	for _, r := range rows {
		table = append(table, []string{r.call,
			r.mpstar.percentile(50), r.mpstar.percentile(99), r.cpython.percentile(50), r.cpython.percentile(99),
			r.mpstar.leftCount(), r.cpython.leftCount()})
	}
	writeTable(w, table, 1)
	fmt.Fprintln(w, "left = runs in which a process of the script's group was alive when its main process had exited;")
	fmt.Fprintf(w, "hung = runs whose main process had not exited %v after SIGINT (killed, not counted in the percentiles)\n", hangLimit)
}

// leftCount formats how many runs left a process behind.
func (r *interruptRuns) leftCount() string {
	if !r.tried || r.err != "" {
		return r.percentile(0)
	}
	if r.hung > 0 {
		return fmt.Sprintf("%d/%d, %d hung", r.left, len(r.ms), r.hung)
	}
	return fmt.Sprintf("%d/%d", r.left, len(r.ms))
}
