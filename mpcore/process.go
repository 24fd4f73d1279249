package mpcore

// Launching a child process (CPython: popen_spawn_posix.py, spawn.py).
//
// Go cannot fork a running runtime, so every start method launches a new
// process of the same executable. The parent passes the child one end of a
// bootstrap socket as fd 3, sends the preparation data (Prep) and the
// descriptors the child's arguments hold over it (SCM_RIGHTS), and keeps
// its end open for the child's whole life. That socket is the child's
// lifeline: end of file on it means the parent died without joining, and
// the child exits, so a SIGKILLed parent leaves no orphans behind.
//
// Launching is two steps, Prelaunch and Child.Send, so that the forkserver
// start method can keep prelaunched children waiting (see WarmPool).

import (
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mpstar/mpstar/mpcore/stop"
)

// ChildEnv is the environment variable that marks a process as an mpstar
// child; its value is the bootstrap descriptor number.
const ChildEnv = "MPSTAR_CHILD_FD"

// bootstrapFD is where the child finds the bootstrap socket (the first of
// exec.Cmd.ExtraFiles); carried descriptors arrive over it (SCM_RIGHTS).
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

// prepVersion changes whenever Prep or its wire form (prep.go) changes.
const prepVersion = 2

// LaunchConfig says how to launch a child.
type LaunchConfig struct {
	Executable string   // the program to run; "" means this executable
	Prep       *Prep    // preparation data; NumFDs is filled in by Launch
	FDs        []int    // descriptors to carry, in FDTable order
	Env        []string // nil means os.Environ()
	// Stdout and Stderr receive the child's output a line at a time (see
	// Output); nil means this process's own.
	Stdout, Stderr *Output
}

// Child is a launched child process as its parent sees it. Its methods are
// safe for concurrent use.
type Child struct {
	Pid      int
	sentinel int  // pidfd: readable once the child has exited
	closed   bool // Close has released the sentinel
	bootMu   sync.Mutex
	boot     int // our end of the bootstrap socket, the child's lifeline; -1 once closed
	done     chan struct{}
	mu       sync.Mutex
	exit     Exit // how it ended, once reaped is set
	reaped   bool
	onExit   []func(Exit)
	cmd      *exec.Cmd
	relays   [2]*lineRelay // the child's stdout and stderr
}

// Exit is how a child ended, and what it used, as wait4 reports it.
type Exit struct {
	Code   int           // as ExitCode
	Time   time.Time     // when it was reaped
	CPU    time.Duration // user plus system CPU time
	MaxRSS int64         // peak resident set size, in bytes
}

var executableOnce = sync.OnceValues(os.Executable)

// Launch starts a child process running cfg.Prep.
func Launch(cfg LaunchConfig) (*Child, error) {
	c, err := Prelaunch(cfg)
	if err != nil {
		return nil, err
	}
	if err := c.Send(cfg.Prep, cfg.FDs); err != nil {
		if c.Join(exitedGrace) {
			// It died before taking its work (a host whose main skips
			// ChildMain refuses to run, say): a started process that
			// failed, whose exit code and error output tell why.
			return c, nil
		}
		c.Kill()
		return nil, err
	}
	return c, nil
}

// exitedGrace is how long Launch waits, after a failed send, for the
// child's exit to be reaped: the socket fails as the child exits.
const exitedGrace = time.Second

// Prelaunch starts a child process that waits for its preparation data
// (Send); cfg.Prep and cfg.FDs are not used.
func Prelaunch(cfg LaunchConfig) (*Child, error) {
	exe := cfg.Executable
	if exe == "" {
		var err error
		if exe, err = executableOnce(); err != nil {
			return nil, fmt.Errorf("cannot find the mpstar executable to start a child: %w", err)
		}
	}
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("cannot create the bootstrap socket: %w", os.NewSyscallError("socketpair", err))
	}
	theirs := os.NewFile(uintptr(pair[1]), "mpstar-bootstrap")
	defer theirs.Close()
	relays, ends, err := childRelays(cfg)
	if err != nil {
		unix.Close(pair[0])
		return nil, err
	}
	cmd := &exec.Cmd{
		Path:       exe,
		Args:       []string{exe, "--multiprocessing-fork"},
		Env:        childEnv(cfg.Env),
		Stdout:     ends[0],
		Stderr:     ends[1],
		ExtraFiles: []*os.File{theirs},
	}
	if f := devNull(); f != nil {
		cmd.Stdin = f
	}
	err = cmd.Start()
	for _, w := range ends {
		w.Close() // the child has its copy; ours would keep the stream from ending
	}
	for _, r := range relays {
		go r.run()
	}
	if err != nil {
		unix.Close(pair[0])
		return nil, fmt.Errorf("cannot start child process %q: %w", exe, err)
	}
	c := &Child{Pid: cmd.Process.Pid, boot: pair[0], done: make(chan struct{}), cmd: cmd, sentinel: -1, relays: relays}
	if fd, err := unix.PidfdOpen(c.Pid, unix.PIDFD_NONBLOCK); err == nil {
		unix.CloseOnExec(fd)
		c.sentinel = fd
	}
	go c.wait()
	return c, nil
}

// frames holds the buffers Send writes preparation data into. A new one
// each time lands on heap pages not yet touched, and the page faults cost
// a parent more than writing the data (Prep is typically 5-10 KB).
var frames = sync.Pool{New: func() any { return new([]byte) }}

// maxKeptFrame bounds the buffers frames keeps: a start whose arguments
// are megabytes should not pin them.
const maxKeptFrame = 1 << 20

// Send hands a prelaunched child its preparation data and the descriptors
// to carry (which stay owned by the caller).
func (c *Child) Send(prep *Prep, fds []int) error {
	prep.Version = prepVersion
	prep.NumFDs = len(fds)
	buf := frames.Get().(*[]byte)
	defer frames.Put(buf)
	frame := appendPrep(append((*buf)[:0], 0, 0, 0, 0), prep)
	binary.BigEndian.PutUint32(frame, uint32(len(frame)-4))
	if cap(frame) <= maxKeptFrame {
		*buf = frame
	}
	c.bootMu.Lock()
	defer c.bootMu.Unlock()
	if c.boot < 0 {
		return fmt.Errorf("cannot send preparation data to child %d: it has exited", c.Pid)
	}
	if err := sendWithFDs(c.boot, frame, fds); err != nil {
		return fmt.Errorf("cannot send preparation data to child %d: %w", c.Pid, err)
	}
	return nil
}

// devNull is /dev/null, open for reading for every child's stdin (as
// CPython's children get it), or nil, which has exec.Cmd open it itself.
// One descriptor serves every start: opening it anew each time put it on
// Go's poller and off again, seven system calls a start.
var devNull = sync.OnceValue(func() *os.File {
	fd, err := unix.Open(os.DevNull, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	return os.NewFile(uintptr(fd), os.DevNull)
})

// childRelays returns the relays of a new child's stdout and stderr, and
// the pipe ends the child writes to.
func childRelays(cfg LaunchConfig) ([2]*lineRelay, [2]*os.File, error) {
	var relays [2]*lineRelay
	var ends [2]*os.File
	outs := [2]*Output{orStd(cfg.Stdout, os.Stdout), orStd(cfg.Stderr, os.Stderr)}
	for i, out := range outs {
		r, w, err := newLineRelay(out)
		if err != nil {
			for _, w := range ends[:i] {
				w.Close()
			}
			for _, r := range relays[:i] {
				go r.run() // ends at once: its write end is closed
			}
			return relays, ends, fmt.Errorf("cannot create the pipe for a child's output: %w", err)
		}
		relays[i], ends[i] = r, w
	}
	return relays, ends, nil
}

// relayGrace is how long a child's exit waits for the end of its output
// streams. They end with the child, unless a program it started in the
// background still holds them: joining the child does not wait for that
// program (as in CPython, whose children write to the inherited stdout).
const relayGrace = 200 * time.Millisecond

// orStd is o, or the Output of the process's own f when o is nil.
func orStd(o *Output, f *os.File) *Output {
	if o == nil {
		return OutputOf(f)
	}
	return o
}

// wait reaps the child once it has exited and all its output has been
// relayed, so that a joined child's lines are out before the join returns.
func (c *Child) wait() {
	c.cmd.Wait() // its error is in ProcessState, or nil there if it could not wait
	exit := exitOf(c.cmd.ProcessState)
	graceOver := make(chan struct{})
	grace := time.AfterFunc(relayGrace, func() { close(graceOver) })
	defer grace.Stop()
	for _, r := range c.relays {
		select {
		case <-r.done:
		case <-graceOver:
			// A program the child left running holds the stream open:
			// its output goes on being relayed, but the child is done,
			// and all it wrote is in the pipe (a slow relay goroutine
			// must not let the join return before it).
			r.drainNow()
		}
	}
	c.mu.Lock()
	c.exit, c.reaped = exit, true
	hooks := c.onExit
	c.onExit = nil
	c.mu.Unlock()
	for _, fn := range hooks {
		fn(exit)
	}
	c.bootMu.Lock()
	unix.Close(c.boot)
	c.boot = -1
	c.bootMu.Unlock()
	close(c.done)
}

// exitOf reads how a reaped child ended: CPython's exit code (the exit
// status, or -N after signal N; 255 if it could not be waited for) and its
// rusage.
func exitOf(ps *os.ProcessState) Exit {
	x := Exit{Code: 255, Time: time.Now()}
	if ps == nil {
		return x
	}
	status := ps.Sys().(syscall.WaitStatus)
	x.Code = status.ExitStatus()
	if status.Signaled() {
		x.Code = -int(status.Signal())
	}
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		x.CPU = time.Duration(syscall.TimevalToNsec(ru.Utime) + syscall.TimevalToNsec(ru.Stime))
		x.MaxRSS = ru.Maxrss * 1024 // Linux counts kilobytes
	}
	return x
}

// OnExit arranges for fn to run with how the child ended once it has been
// reaped, on the reaping goroutine before Done is closed — at once if it
// has been reaped already. fn must be quick: joins wait for it.
func (c *Child) OnExit(fn func(Exit)) {
	c.mu.Lock()
	if !c.reaped {
		c.onExit = append(c.onExit, fn)
		c.mu.Unlock()
		return
	}
	exit := c.exit
	c.mu.Unlock()
	fn(exit)
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
	x, ok := c.Exit()
	return x.Code, ok
}

// Exit returns how the child ended and what it used; ok is false while
// it runs.
func (c *Child) Exit() (x Exit, ok bool) {
	if !c.Exited() {
		return Exit{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.exit, true
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
	return c.cmd.Process.Signal(sig)
}

// End ends the child and every process it started, and returns once it
// has been reaped. It closes the child's lifeline, which the child takes
// as its parent's death: it ends its own children the same way, then
// exits (see Bootstrap.WatchParent). A child still running after grace is
// killed.
func (c *Child) End(grace time.Duration) {
	c.bootMu.Lock()
	if c.boot >= 0 {
		unix.Close(c.boot)
		c.boot = -1
	}
	c.bootMu.Unlock()
	if !c.Join(grace) {
		c.Kill()
		c.Join(-1)
	}
}

// Terminate sends SIGTERM, as CPython's Process.terminate.
func (c *Child) Terminate() error { return c.Signal(syscall.SIGTERM) }

// Kill sends SIGKILL, as CPython's Process.kill.
func (c *Child) Kill() error { return c.Signal(syscall.SIGKILL) }

// Sentinel is a descriptor that becomes readable when the child exits
// (a pidfd), or -1 when the kernel offers none. After Close it is a
// descriptor shared by every closed child, which is always readable.
func (c *Child) Sentinel() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return exitedSentinel()
	}
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
	c.closed = true
}

// exitedSentinel is the sentinel of children whose pidfd has been closed:
// the read end of a pipe whose write end is closed, readable for ever, as
// the pidfd of an exited child is. -1 if it cannot be made.
var exitedSentinel = sync.OnceValue(func() int {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return -1
	}
	unix.Close(p[1])
	return p[0]
})

// WaitReadable waits until fd is readable (a pidfd: its process has
// exited), for at most d (d < 0: no limit), and reports whether it is. A
// stopped script thread stops waiting (see package stop).
func WaitReadable(fd int, d time.Duration) bool {
	ready, _ := stop.WaitFD(fd, unix.POLLIN, d)
	return ready
}
