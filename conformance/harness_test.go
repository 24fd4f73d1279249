package conformance

import (
	"bufio"
	"context"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mpstar/mpstar/mpcore"
)

// faultFigures are what TestFaultHarness measures.
type faultFigures struct {
	tries, producerKills, mainKills           int
	cutShort                                  int // producers killed before their last put
	hangs, leftovers, leaks, lost, duplicated int
	disordered                                int
}

// TestFaultHarness SIGKILLs a producer or the main process of a queue
// workload with items larger than the queue's buffer at random moments,
// and counts what went wrong: runs that hung, processes left running,
// shared memory or files left behind, and items of producers that exited
// normally that were lost or duplicated (issue 13). All must be zero.
// MPSTAR_FAULT_TRIES sets the number of tries (default 20).
func TestFaultHarness(t *testing.T) {
	tries := 20
	if n, err := strconv.Atoi(os.Getenv("MPSTAR_FAULT_TRIES")); err == nil {
		tries = n
	}
	shmBefore := listDir(t, "/dev/shm")
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 13))
	var f faultFigures
	for try := range tries {
		f.tries++
		harnessTry(t, rng, try%2 == 0, &f)
	}
	if added := addedNames(shmBefore, listDir(t, "/dev/shm")); added != "" {
		f.leaks++
		t.Errorf("entries left in /dev/shm: %s", added)
	}
	t.Logf("seed %d: %d tries (%d producers killed, %d of them before their last put; %d main processes killed): %d hangs, %d leftover processes, %d leaks, %d items lost, %d duplicated, %d producers' items out of order",
		seed, f.tries, f.producerKills, f.cutShort, f.mainKills, f.hangs, f.leftovers, f.leaks, f.lost, f.duplicated, f.disordered)
	if f.hangs+f.leftovers+f.leaks+f.lost+f.duplicated+f.disordered != 0 {
		t.Errorf("seed %d: the workload did not survive its faults", seed)
	}
}

// harnessTry runs the workload once, killing a producer (or, with
// killMain, the main process) after a random delay.
func harnessTry(t *testing.T, rng *rand.Rand, killMain bool, f *faultFigures) {
	tmp := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, mpstarBin, "harness.star")
	cmd.Dir = "faults"
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	if !lines.Scan() {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the workload printed no pids")
	}
	var pids []int
	for _, s := range strings.Fields(strings.TrimPrefix(lines.Text(), "pids")) {
		pid, _ := strconv.Atoi(s)
		pids = append(pids, pid)
	}
	var exits []int
	for _, pid := range pids[1:] {
		if fd, err := unix.PidfdOpen(pid, 0); err == nil {
			defer unix.Close(fd)
			exits = append(exits, fd)
		}
	}
	// The fault, at a random moment of the workload's first 600 ms (it
	// takes about that long). The delay places the fault; it does not
	// synchronise anything.
	time.Sleep(time.Duration(rng.IntN(600)) * time.Millisecond)
	if killMain {
		f.mainKills++
		cmd.Process.Kill()
	} else {
		f.producerKills++
		syscall.Kill(pids[1+rng.IntN(len(pids)-1)], syscall.SIGKILL)
	}
	result := ""
	for lines.Scan() {
		result = lines.Text()
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		f.hangs++
		cmd.Process.Kill()
		<-done
	}
	for _, fd := range exits {
		if !mpcore.WaitReadable(fd, 10*time.Second) {
			f.leftovers++
		}
	}
	if left := listDir(t, tmp); left != "" {
		f.leaks++
		t.Errorf("files left in TMPDIR: %s", left)
	}
	if !killMain {
		countResult(t, result, f)
	}
}

// countResult adds the workload's last line ("result lost L duplicated D
// disordered O exitcodes [...]") to f.
func countResult(t *testing.T, result string, f *faultFigures) {
	fields := strings.Fields(result)
	if len(fields) < 7 || fields[0] != "result" {
		f.hangs++ // the main process did not finish its work
		t.Errorf("workload ended with %q", result)
		return
	}
	for i, p := range []*int{&f.lost, &f.duplicated, &f.disordered} {
		n, _ := strconv.Atoi(fields[2+2*i])
		*p += n
	}
	f.cutShort += strings.Count(result, "-9")
}
