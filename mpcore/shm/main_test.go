package shm

// The test binary doubles as the child process: TestMain runs a child role
// when MPSTAR_SHM_TEST_CHILD names one. A child receives the test's arena as
// descriptor 3 and its objects' blocks as "off:len" pairs in the
// environment, exactly as a real child receives handles.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mpstar/mpstar/mpcore/internal/childtest"
)

const (
	envRole   = "MPSTAR_SHM_TEST_CHILD"
	envArena  = "MPSTAR_SHM_TEST_ARENA"
	envBlocks = "MPSTAR_SHM_TEST_BLOCKS"
	envArg    = "MPSTAR_SHM_TEST_ARG"
	childFD   = 3 // the first of exec.Cmd.ExtraFiles
)

// childRoles are what a child process can be asked to do. Each gets the
// blocks it was sent and a free-form argument; an error fails the child.
var childRoles = map[string]func(blocks []Block, arg string) error{
	"write":     childWrite,
	"leaker":    childLeaker,
	"counter":   childCounter,
	"holdlock":  childHoldLock,
	"holdsem":   childHoldSemaphore,
	"eventwait": childEventWait,
	"condwait":  childConditionWait,
	"barrier":   childBarrier,
	"pong":      childPong,
	"reserve":   childReserve,
}

func TestMain(m *testing.M) { childtest.Main(m, envRole, runChild) }

// runChild attaches the blocks it was sent and runs role.
func runChild(role string) int {
	id, err := strconv.ParseUint(os.Getenv(envArena), 16, 64)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child: bad arena id:", err)
		return 2
	}
	var blocks []Block
	for _, spec := range strings.Split(os.Getenv(envBlocks), ",") {
		var off, n int
		if _, err := fmt.Sscanf(spec, "%d:%d", &off, &n); err != nil {
			fmt.Fprintln(os.Stderr, "child: bad block:", spec)
			return 2
		}
		b, err := AttachBlock(id, childFD, off, n)
		if err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			return 2
		}
		blocks = append(blocks, b)
	}
	if err := childRoles[role](blocks, os.Getenv(envArg)); err != nil {
		fmt.Fprintf(os.Stderr, "child %s: %v\n", role, err)
		return 1
	}
	return 0
}

// spawnChild starts the test binary as a child playing role, sending it
// blocks (all in one arena).
func spawnChild(role, arg string, blocks ...Block) (*exec.Cmd, error) {
	a := blocks[0].Arena
	specs := make([]string, len(blocks))
	for i, b := range blocks {
		if b.Arena != a {
			return nil, fmt.Errorf("spawnChild: blocks from two arenas")
		}
		specs[i] = fmt.Sprintf("%d:%d", b.Off, b.Len)
	}
	fd, err := unix.Dup(a.FD)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), "arena")
	defer f.Close()
	cmd := childtest.Command(context.Background(), envRole, role,
		envArena+"="+strconv.FormatUint(a.ID, 16),
		envBlocks+"="+strings.Join(specs, ","),
		envArg+"="+arg)
	cmd.ExtraFiles = []*os.File{f}
	cmd.Stdout = os.Stderr
	return cmd, cmd.Start()
}

// startChild is spawnChild for a test: the child is killed at the end of
// the test if it is still running.
func startChild(t testing.TB, role, arg string, blocks ...Block) *exec.Cmd {
	t.Helper()
	cmd, err := spawnChild(role, arg, blocks...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd
}

// waitChild waits up to 20 s for cmd to exit and fails the test unless it
// exits with status 0.
func waitChild(t testing.TB, cmd *exec.Cmd) {
	t.Helper()
	if err := childtest.Wait(cmd, 20*time.Second); err != nil {
		t.Fatalf("child %d: %v", cmd.Process.Pid, err)
	}
}

// captureDeadOwner returns a DeadOwnerFunc that reports the dead pids on
// the returned channel.
func captureDeadOwner() (DeadOwnerFunc, <-chan int) {
	ch := make(chan int, 8)
	return func(what string, pid int) { ch <- pid }, ch
}

// newTestHeap returns a heap of its own for one test.
func newTestHeap() *Heap { return NewHeap(64 << 10) }

// counter returns the 8-byte shared counter at the start of b.
func counter(b Block) *uint64 { return Word64(b.Bytes(), 0) }

// mustWait waits up to 10 s for e, as a child role.
func mustWait(e *Event, what string) error {
	if !e.Wait(10 * time.Second) {
		return fmt.Errorf("timed out waiting for %s", what)
	}
	return nil
}

// childWrite writes its argument into its block.
func childWrite(blocks []Block, arg string) error {
	copy(blocks[0].Bytes(), arg)
	return nil
}

// childHoldLock acquires the lock in blocks[0] (recursive if arg is
// "rlock", twice), says so on the event in blocks[1], and waits to be
// killed.
func childHoldLock(blocks []Block, arg string) error {
	m, err := MutexAt(blocks[0], arg == "rlock")
	if err != nil {
		return err
	}
	ready, _ := EventAt(blocks[1])
	depth := 1
	if m.Recursive() {
		depth = 2
	}
	for range depth {
		if ok, err := m.Acquire(true, 10*time.Second); !ok || err != nil {
			return fmt.Errorf("acquire: %v %v", ok, err)
		}
	}
	ready.Set()
	time.Sleep(time.Minute) // until the parent kills us
	return fmt.Errorf("was not killed")
}

// childHoldSemaphore takes two slots of the semaphore in blocks[0], says so
// on the event in blocks[1], and waits to be killed.
func childHoldSemaphore(blocks []Block, arg string) error {
	s, err := SemaphoreAt(blocks[0])
	if err != nil {
		return err
	}
	ready, _ := EventAt(blocks[1])
	for range 2 {
		if !s.Acquire(true, 10*time.Second) {
			return fmt.Errorf("acquire timed out")
		}
	}
	ready.Set()
	time.Sleep(time.Minute) // until the parent kills us
	return fmt.Errorf("was not killed")
}

// childEventWait waits for the event in blocks[0] and answers on blocks[1].
func childEventWait(blocks []Block, arg string) error {
	e1, _ := EventAt(blocks[0])
	e2, _ := EventAt(blocks[1])
	if err := mustWait(e1, "e1"); err != nil {
		return err
	}
	e2.Set()
	return nil
}

// childCounter releases the semaphore in blocks[3] and waits for the start
// event in blocks[2], then increments the counter in blocks[1] arg times
// under the lock in blocks[0], with a plain read-modify-write that only the
// lock makes safe.
func childCounter(blocks []Block, arg string) error {
	m, err := MutexAt(blocks[0], false)
	if err != nil {
		return err
	}
	c := counter(blocks[1])
	start, _ := EventAt(blocks[2])
	ready, err := SemaphoreAt(blocks[3])
	if err != nil {
		return err
	}
	n, _ := strconv.Atoi(arg)
	ready.Release()
	if err := mustWait(start, "start"); err != nil {
		return err
	}
	for range n {
		if ok, err := m.Acquire(true, 10*time.Second); !ok || err != nil {
			return fmt.Errorf("acquire: %v %v", ok, err)
		}
		*c++
		if err := m.Release(); err != nil {
			return err
		}
	}
	return nil
}

// childConditionWait takes the RLock in blocks[0] twice, waits on the
// condition in blocks[1], and checks it was notified with the lock back at
// depth 2; then it counts itself in blocks[2] and sets the event in
// blocks[3].
func childConditionWait(blocks []Block, arg string) error {
	m, err := MutexAt(blocks[0], true)
	if err != nil {
		return err
	}
	c, err := ConditionAt(blocks[1], m)
	if err != nil {
		return err
	}
	woke, _ := EventAt(blocks[3])
	m.Acquire(true, -1)
	m.Acquire(true, -1)
	ok, err := c.Wait(10 * time.Second)
	if !ok || err != nil {
		return fmt.Errorf("wait: %v %v", ok, err)
	}
	if !m.IsMine() || m.Count() != 2 {
		return fmt.Errorf("after wait: mine %v count %d, want true 2", m.IsMine(), m.Count())
	}
	atomic.AddUint64(counter(blocks[2]), 1)
	woke.Set()
	m.Release()
	return m.Release()
}

// childPong answers arg ping-pong rounds: wait on blocks[0], clear it, set
// blocks[1].
func childPong(blocks []Block, arg string) error {
	e1, _ := EventAt(blocks[0])
	e2, _ := EventAt(blocks[1])
	n, _ := strconv.Atoi(arg)
	for range n {
		if err := mustWait(e1, "ping"); err != nil {
			return err
		}
		e1.Clear()
		e2.Set()
	}
	return nil
}
