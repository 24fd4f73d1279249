package conformance

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mpstar/mpstar/mpcore"
)

// TestKillLeavesNothing: SIGKILL of the main process and of one child in
// the middle of a run that uses 100 shared objects and a queue leaves no
// process, no /dev/shm entry, no mapping of mpstar's shared memory and no
// socket file behind.
func TestKillLeavesNothing(t *testing.T) {
	shmBefore := listDir(t, "/dev/shm")
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	cmd, l := startScript(t, context.Background(), "faults", time.Minute, "kill_mid_run.star")
	var pids []int
	for _, f := range strings.Fields(strings.TrimPrefix(l, "pids")) {
		pid, _ := strconv.Atoi(f)
		pids = append(pids, pid)
	}
	if len(pids) != 5 {
		cmd.Process.Kill()
		t.Fatalf("want the parent's and 4 children's pids, got %v", pids)
	}
	if who := mappersOf("mpstar"); len(who) == 0 {
		t.Error("no process maps mpstar shared memory mid-run: the leak check below could not see a leak")
	}
	var exits []int
	for _, pid := range pids[1:] {
		fd, err := unix.PidfdOpen(pid, 0)
		if err != nil {
			t.Fatalf("child %d is not running mid-run: %v", pid, err)
		}
		defer unix.Close(fd)
		exits = append(exits, fd)
	}
	syscall.Kill(pids[2], syscall.SIGKILL)
	cmd.Process.Kill()
	cmd.Wait()
	for i, fd := range exits {
		if !mpcore.WaitReadable(fd, 10*time.Second) {
			syscall.Kill(pids[i+1], syscall.SIGKILL)
			t.Fatalf("child %d still running 10s after its parent was killed", pids[i+1])
		}
	}
	if added := addedNames(shmBefore, listDir(t, "/dev/shm")); added != "" {
		t.Errorf("entries left in /dev/shm: %s", added)
	}
	if left := listDir(t, tmp); left != "" {
		t.Errorf("files left in the run's temporary directory: %s", left)
	}
	if who := mappersOf("mpstar"); len(who) > 0 {
		t.Errorf("processes still map mpstar shared memory: %v", who)
	}
}

func listDir(t *testing.T, dir string) string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return strings.Join(names, " ")
}

// addedNames lists the names in after (a listDir) that are not in before:
// what a run left behind. Entries other programs remove meanwhile (such as
// CPython's semaphores) are no concern of the run's.
func addedNames(before, after string) string {
	had := map[string]bool{}
	for _, name := range strings.Fields(before) {
		had[name] = true
	}
	var added []string
	for _, name := range strings.Fields(after) {
		// sem.mp-* are CPython's semaphores, from python3 runs of other
		// tests at the same time; mpstar makes none.
		if !had[name] && !strings.HasPrefix(name, "sem.mp-") {
			added = append(added, name)
		}
	}
	return strings.Join(added, " ")
}

// mappersOf returns the pids of processes running the mpstar binary under
// test that have a memfd mapping whose name contains name. (Other
// packages' tests, running at the same time, map such memory too.)
func mappersOf(name string) []string {
	var pids []string
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, dir := range dirs {
		if exe, err := os.Readlink(dir + "/exe"); err != nil || exe != mpstarBin {
			continue
		}
		data, err := os.ReadFile(dir + "/maps")
		if err == nil && strings.Contains(string(data), "memfd:"+name) {
			pids = append(pids, filepath.Base(dir))
		}
	}
	return pids
}

// TestForkserverLeavesNothing: after 1,000 forkserver starts, a SIGKILL of
// the main process leaves no interpreter running — neither children nor
// the warm ones waiting for work (issue 8).
func TestForkserverLeavesNothing(t *testing.T) {
	cmd, l := startScript(t, context.Background(), "faults", 5*time.Minute, "forkserver_starts.star")
	if l != "started 1000, failed 0" {
		cmd.Process.Kill()
		t.Fatalf("script reported %q", l)
	}
	warm := childrenOf(mpstarBin)
	if len(warm) == 0 {
		t.Error("no warm forkserver child found before the kill: the check below could not see a leak")
	}
	var exits []int
	for _, pid := range warm {
		if fd, err := unix.PidfdOpen(pid, 0); err == nil {
			defer unix.Close(fd)
			exits = append(exits, fd)
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	for _, fd := range exits {
		if !mpcore.WaitReadable(fd, 10*time.Second) {
			t.Fatalf("interpreters still running 10s after the main process was killed: %v", childrenOf(mpstarBin))
		}
	}
	if left := childrenOf(mpstarBin); len(left) > 0 {
		t.Errorf("interpreters left running: %v", left)
	}
}

// childrenOf returns the pids of running mpstar children of the binary exe
// (processes started with --multiprocessing-fork).
func childrenOf(exe string) []int {
	var pids []int
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, dir := range dirs {
		if target, err := os.Readlink(dir + "/exe"); err != nil || target != exe {
			continue
		}
		cmdline, _ := os.ReadFile(dir + "/cmdline")
		if !strings.Contains(string(cmdline), "--multiprocessing-fork") {
			continue
		}
		if pid, err := strconv.Atoi(filepath.Base(dir)); err == nil && !isZombie(dir) {
			pids = append(pids, pid)
		}
	}
	return pids
}

func isZombie(dir string) bool {
	stat, err := os.ReadFile(dir + "/stat")
	if err != nil {
		return true
	}
	rest := string(stat[strings.LastIndexByte(string(stat), ')')+1:])
	return strings.HasPrefix(strings.TrimSpace(rest), "Z")
}

// TestListenerKillLeavesNoSocketFile: default AF_UNIX Listeners of a
// process killed with SIGKILL leave no mpstar-sock-* file in TMPDIR
// (issue 13): their addresses are abstract names.
func TestListenerKillLeavesNoSocketFile(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	cmd, l := startScript(t, context.Background(), "faults", time.Minute, "listener_kill.star")
	if !strings.HasPrefix(l, "listening") {
		cmd.Process.Kill()
		t.Fatalf("script printed %q", l)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if left := listDir(t, tmp); left != "" {
		t.Errorf("files left in TMPDIR after SIGKILL: %s", left)
	}
}
