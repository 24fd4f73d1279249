package conformance

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runGroup runs mpstar with args in faults, in a process group of its
// own, and returns its output once it has ended; a run that does not end
// within a minute fails the test. It then fails the test if a process of
// the group is left running or the run left an entry in /dev/shm.
func runGroup(t *testing.T, args ...string) (stdout, stderr string) {
	t.Helper()
	shmBefore := listDir(t, "/dev/shm")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, mpstarBin, args...)
	cmd.Dir = "faults"
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("mpstar %v did not end within a minute: %v\nstderr: %s", args, err, &errOut)
	}
	if left := groupMembers(cmd.Process.Pid); len(left) > 0 {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		t.Errorf("processes of the run left running: %v", left)
	}
	if added := addedNames(shmBefore, listDir(t, "/dev/shm")); added != "" {
		t.Errorf("entries left in /dev/shm: %s", added)
	}
	return out.String(), errOut.String()
}

// groupMembers returns the pids of the live (not zombie) processes in
// process group pgid.
func groupMembers(pgid int) []int {
	var pids []int
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, dir := range dirs {
		stat, err := os.ReadFile(dir + "/stat")
		if err != nil {
			continue
		}
		// After the command name: state, ppid, pgrp.
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(fields) < 3 || fields[0] == "Z" || fields[2] != strconv.Itoa(pgid) {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(dir))
		pids = append(pids, pid)
	}
	return pids
}

// TestProcessCapStopsForkBomb: processes that each start another, and a
// main process starting them in a loop, stop at --max-processes with
// BlockingIOError naming the cap, in the main process and in the
// children; the run then ends cleanly.
func TestProcessCapStopsForkBomb(t *testing.T) {
	out, errOut := runGroup(t, "--max-processes=8", "fork_bomb.star")
	refusal := "BlockingIOError: [Errno 11] process limit reached: 8 processes live in this run (--max-processes=8; interp: Options.Limits.Processes)"
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || lines[0] != "main: "+refusal || lines[1] != "children: [\""+refusal+"\"]" {
		t.Fatalf("stdout:\n%s\nwant the main process's and the children's refusal (stderr %s)", out, errOut)
	}
	// The main process started 1 to 7 chains, each of which ended well.
	codes := strings.TrimPrefix(lines[2], "exitcodes: ")
	if n := strings.Count(codes, "0"); n < 1 || n > 7 || strings.Trim(codes, "[0, ]") != "" {
		t.Errorf("exit codes of the main process's children %s, want 1 to 7 zeros", codes)
	}
	if errOut != "" {
		t.Errorf("stderr: %s", errOut)
	}
}

// TestMemoryLimitKillsTheChild: a child allocating past --max-memory
// fails with MemoryError naming the limit, and the parent goes on.
func TestMemoryLimitKillsTheChild(t *testing.T) {
	out, errOut := runGroup(t, "--max-memory=512M", "memory_limit.star")
	if out != "exitcode 1\nparent continues\n" {
		t.Errorf("stdout %q, want the child's exit code 1 and the parent going on (stderr %s)", out, errOut)
	}
	want := "\nMemoryError: limit exceeded: memory 512 MiB (the --max-memory flag; interp: Options.Limits.Memory)\n"
	if !strings.HasPrefix(errOut, "Process Process-1:\n") || !strings.HasSuffix(errOut, want) || strings.Contains(errOut, "goroutine") {
		t.Errorf("stderr:\n%s\nwant the child's MemoryError ending %q", errOut, want)
	}
}

// TestCPULimitIsReported: a child, and a pool worker, that spin past
// --max-cpu are killed by the kernel, and the exit is reported as the
// limit in the Process's repr and in the task's WorkerLostError; the run
// goes on.
func TestCPULimitIsReported(t *testing.T) {
	out, errOut := runGroup(t, "--max-cpu=1", "cpu_limit.star")
	want := "exitcode -24\n" +
		"exitcode=-SIGXCPU (limit exceeded: cpu 1 s)>\n" +
		"WorkerLostError task 1, busy(): limit exceeded: cpu 1 s\n" +
		"next task 3\n"
	if out != want {
		t.Errorf("stdout:\n%s\nwant:\n%s\nstderr: %s", out, want, errOut)
	}
}
