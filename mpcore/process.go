package mpcore

// Launching a child process (CPython: popen_spawn_posix.py, spawn.py).
//
// Go cannot fork a running runtime, so every start method launches a new
// process of the same executable. The parent passes the child a bootstrap
// pipe as fd 3: it writes the preparation data (Prep) and then keeps the
// write end open for the child's whole life. That pipe is the child's
// lifeline: EOF on it means the parent died without joining, and the child
// exits, so a SIGKILLed parent leaves no orphans behind.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/vmihailenco/msgpack/v5"
	"golang.org/x/sys/unix"
)

// ChildEnv is the environment variable that marks a process as an mpstar
// child; its value is the bootstrap descriptor number.
const ChildEnv = "MPSTAR_CHILD_FD"

// bootstrapFD is where the child finds the bootstrap pipe (the first of
// exec.Cmd.ExtraFiles); the carried descriptors follow it.
const bootstrapFD = 3

// Prep is the preparation data a parent hands a new child (CPython:
// spawn.get_preparation_data plus the pickled Process object).
type Prep struct {
	Version     int
	Name        string   // the child's process name, e.g. "Process-1:2"
	Identity    []int    // the child's _identity, for naming its children
	Authkey     []byte   // inherited authentication key
	Daemon      bool     // whether the child is daemonic
	ParentPID   int      // pid of the parent
	ParentName  string   // name of the parent process
	StartMethod string   // "spawn", "fork" or "forkserver"
	Filename    string   // the main script's file name as the parent ran it
	Source      []byte   // the main script's source
	Argv        []string // sys.argv
	Dir         string   // the parent's working directory at start()
	Payload     []byte   // what to run, encoded by the embedding layer
	NumFDs      int      // descriptors carried after the bootstrap pipe
	Extra       map[string][]byte
}

// prepVersion changes whenever Prep changes incompatibly.
const prepVersion = 1

// LaunchConfig says how to launch a child.
type LaunchConfig struct {
	Executable string   // the program to run; "" means this executable
	Prep       *Prep    // preparation data; NumFDs is filled in by Launch
	FDs        []int    // descriptors to carry, in FDTable order
	Env        []string // nil means os.Environ()
	Stdout     io.Writer
	Stderr     io.Writer
}

// Child is a launched child process as its parent sees it. Its methods are
// safe for concurrent use.
type Child struct {
	Pid      int
	sentinel int // pidfd: readable once the child has exited
	lifeline *os.File
	done     chan struct{}
	mu       sync.Mutex
	status   syscall.WaitStatus
	waitErr  error
	proc     *os.Process
	cmd      *exec.Cmd
}

var executableOnce = sync.OnceValues(os.Executable)

// Launch starts a child process running cfg.Prep.
func Launch(cfg LaunchConfig) (*Child, error) {
	exe := cfg.Executable
	if exe == "" {
		var err error
		if exe, err = executableOnce(); err != nil {
			return nil, fmt.Errorf("cannot find the mpstar executable to start a child: %w", err)
		}
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("cannot create the bootstrap pipe: %w", err)
	}
	defer r.Close()
	extra, err := dupFiles(cfg.FDs)
	if err != nil {
		w.Close()
		return nil, err
	}
	defer closeFiles(extra)
	cfg.Prep.Version = prepVersion
	cfg.Prep.NumFDs = len(cfg.FDs)
	msg, err := msgpack.Marshal(cfg.Prep)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("cannot encode the child's preparation data: %w", err)
	}
	cmd := &exec.Cmd{
		Path:       exe,
		Args:       []string{exe, "--multiprocessing-fork"},
		Env:        childEnv(cfg.Env),
		Stdout:     cfg.Stdout,
		Stderr:     cfg.Stderr,
		ExtraFiles: append([]*os.File{r}, extra...),
	}
	if err := cmd.Start(); err != nil {
		w.Close()
		return nil, fmt.Errorf("cannot start child process %q: %w", exe, err)
	}
	c := &Child{Pid: cmd.Process.Pid, lifeline: w, done: make(chan struct{}), proc: cmd.Process, cmd: cmd, sentinel: -1}
	if fd, err := unix.PidfdOpen(c.Pid, unix.PIDFD_NONBLOCK); err == nil {
		unix.CloseOnExec(fd)
		c.sentinel = fd
	}
	go c.wait()
	if err := writeFrame(w, msg); err != nil && !errors.Is(err, syscall.EPIPE) {
		c.Kill()
		return nil, fmt.Errorf("cannot send preparation data to child %d: %w", c.Pid, err)
	}
	return c, nil
}

// childEnv returns env (or this process's environment) without a stale
// ChildEnv and with the one for the new child.
func childEnv(env []string) []string {
	if env == nil {
		env = os.Environ()
	}
	out := make([]string, 0, len(env)+1)
	prefix := ChildEnv + "="
	for _, kv := range env {
		if len(kv) < len(prefix) || kv[:len(prefix)] != prefix {
			out = append(out, kv)
		}
	}
	return append(out, fmt.Sprintf("%s=%d", ChildEnv, bootstrapFD))
}

// dupFiles duplicates fds into files the launcher may close after start.
func dupFiles(fds []int) ([]*os.File, error) {
	files := make([]*os.File, 0, len(fds))
	for _, fd := range fds {
		nfd, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
		if err != nil {
			closeFiles(files)
			return nil, fmt.Errorf("cannot pass descriptor %d to the child: %w", fd, err)
		}
		files = append(files, os.NewFile(uintptr(nfd), "mpstar-carried"))
	}
	return files, nil
}

func closeFiles(files []*os.File) {
	for _, f := range files {
		f.Close()
	}
}

// writeFrame writes a 4-byte big-endian length and msg.
func writeFrame(w io.Writer, msg []byte) error {
	buf := make([]byte, 4+len(msg))
	binary.BigEndian.PutUint32(buf, uint32(len(msg)))
	copy(buf[4:], msg)
	_, err := w.Write(buf)
	return err
}

func (c *Child) wait() {
	err := c.cmd.Wait()
	c.mu.Lock()
	if ps := c.cmd.ProcessState; ps != nil {
		c.status = ps.Sys().(syscall.WaitStatus)
	} else {
		c.waitErr = err
	}
	c.mu.Unlock()
	c.lifeline.Close()
	close(c.done)
}

// Done is closed once the child has exited and been reaped.
func (c *Child) Done() <-chan struct{} { return c.done }

// Join waits for the child to exit, for at most timeout (timeout < 0: no
// limit), and reports whether it has exited.
func (c *Child) Join(timeout time.Duration) bool {
	if timeout < 0 {
		<-c.done
		return true
	}
	select {
	case <-c.done:
		return true
	default:
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-c.done:
		return true
	case <-t.C:
		return false
	}
}

// Exited reports whether the child has exited and been reaped.
func (c *Child) Exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// ExitCode is CPython's Process.exitcode: the exit status, or -N after
// signal N. ok is false while the child runs.
func (c *Child) ExitCode() (code int, ok bool) {
	if !c.Exited() {
		return 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.waitErr != nil:
		return 255, true
	case c.status.Signaled():
		return -int(c.status.Signal()), true
	default:
		return c.status.ExitStatus(), true
	}
}

// Signal sends sig unless the child has already been reaped, so a recycled
// pid is never signalled.
func (c *Child) Signal(sig syscall.Signal) error {
	if c.Exited() {
		return nil
	}
	// The lock keeps Close from recycling the pidfd under the signal.
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sentinel >= 0 {
		return unix.PidfdSendSignal(c.sentinel, sig, nil, 0)
	}
	return c.proc.Signal(sig)
}

// Terminate sends SIGTERM, as CPython's Process.terminate.
func (c *Child) Terminate() error { return c.Signal(syscall.SIGTERM) }

// Kill sends SIGKILL, as CPython's Process.kill.
func (c *Child) Kill() error { return c.Signal(syscall.SIGKILL) }

// Sentinel is a descriptor that becomes readable when the child exits
// (a pidfd), or -1 when the kernel offers none.
func (c *Child) Sentinel() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sentinel
}

// Close releases the sentinel. The child must have exited.
func (c *Child) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sentinel >= 0 {
		unix.Close(c.sentinel)
		c.sentinel = -1
	}
}

// WaitReadable waits until fd is readable (a pidfd: its process has
// exited), for at most d (d < 0: no limit), and reports whether it is.
// Interrupted polls are resumed with the time left.
func WaitReadable(fd int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		ms := -1
		if d >= 0 {
			ms = int(time.Until(deadline).Milliseconds())
			if ms < 0 {
				ms = 0
			}
		}
		n, err := unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, ms)
		if err != unix.EINTR {
			return n > 0
		}
	}
}
