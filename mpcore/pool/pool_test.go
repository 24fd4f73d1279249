package pool

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mpstar/mpstar/mpcore/internal/childtest"
)

func TestTasksRunAndReply(t *testing.T) {
	p, _ := newPool(t, 2, 0, "")
	var chans []<-chan outcome
	for i := 0; i < 200; i++ {
		chans = append(chans, submit(t, p, fmt.Sprintf("echo:%d", i)))
	}
	for i, ch := range chans {
		if o := await(t, ch); o.err != nil || o.reply != strconv.Itoa(i) {
			t.Fatalf("task %d: got (%q, %v), want (%q, nil)", i, o.reply, o.err, strconv.Itoa(i))
		}
	}
}

func TestReplyPartsArriveInOrderBeforeDone(t *testing.T) {
	p, _ := newPool(t, 1, 0, "")
	var got []string
	ch := make(chan outcome, 1)
	err := p.Submit(&Task{
		Message: append(AppendTaskHeader(nil), "parts:5"...),
		Part:    func(part []byte) { got = append(got, string(part)) },
		Done:    func(reply []byte, err error) { ch <- outcome{string(reply), err} },
	})
	if err != nil {
		t.Fatal(err)
	}
	o := await(t, ch)
	if o.err != nil || o.reply != "end" || strings.Join(got, "") != "abcde" {
		t.Fatalf("got parts %q and (%q, %v); want abcde and (end, nil)", got, o.reply, o.err)
	}
	// A task that takes no parts loses its worker when parts come.
	o = await(t, submit(t, p, "parts:1"))
	var lost *WorkerLostError
	if !errors.As(o.err, &lost) {
		t.Fatalf("parts for a task without Part: %v, want a *WorkerLostError", o.err)
	}
}

// TestBothWorkersTakeTasks: two tasks that can only finish together (each
// opens one end of a FIFO, which waits for the other end) both finish, on
// two different workers.
func TestBothWorkersTakeTasks(t *testing.T) {
	p, _ := newPool(t, 2, 0, "")
	fifo := filepath.Join(t.TempDir(), "meet")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	a, b := submit(t, p, "meet:w:"+fifo), submit(t, p, "meet:r:"+fifo)
	oa, ob := await(t, a), await(t, b)
	if oa.err != nil || ob.err != nil || oa.reply == ob.reply {
		t.Fatalf("the two meeting tasks replied (%q, %v) and (%q, %v); want two different workers' pids", oa.reply, oa.err, ob.reply, ob.err)
	}
}

func TestKilledWorkerFailsOnlyItsTask(t *testing.T) {
	p, s := newPool(t, 2, 0, "")
	blocked := submit(t, p, "block")
	other := submit(t, p, "block")
	var later []<-chan outcome
	for i := 0; i < 20; i++ {
		later = append(later, submit(t, p, fmt.Sprintf("echo:%d", i)))
	}
	victim := s.worker(0)
	victim.Child.Kill()
	var lost *WorkerLostError
	var got outcome
	select {
	case got = <-blocked:
	case got = <-other:
	case <-time.After(5 * time.Second):
		t.Fatal("the killed worker's task did not fail within 5s")
	}
	if !errors.As(got.err, &lost) {
		t.Fatalf("task of killed worker: got (%q, %v), want a *WorkerLostError", got.reply, got.err)
	}
	if lost.Worker != victim.Name || lost.Pid != victim.Child.Pid || lost.ExitCode != -int(syscall.SIGKILL) {
		t.Errorf("WorkerLostError = %+v; want worker %s, pid %d, exitcode -9", lost, victim.Name, victim.Child.Pid)
	}
	if msg := lost.Error(); msg != fmt.Sprintf("worker %s (pid %d) exited with exitcode -9 (SIGKILL) while running the task", victim.Name, victim.Child.Pid) {
		t.Errorf("message %q", msg)
	}
	// The replacement runs the rest.
	for i, ch := range later {
		if o := await(t, ch); o.err != nil || o.reply != strconv.Itoa(i) {
			t.Fatalf("task %d after the loss: got (%q, %v)", i, o.reply, o.err)
		}
	}
	if n := s.count(); n != 3 {
		t.Errorf("%d workers started, want 3 (two and one replacement)", n)
	}
}

func TestExitInsideTaskIsWorkerLost(t *testing.T) {
	p, _ := newPool(t, 1, 0, "")
	o := await(t, submit(t, p, "exit:3"))
	var lost *WorkerLostError
	if !errors.As(o.err, &lost) || lost.ExitCode != 3 {
		t.Fatalf("got (%q, %v), want a *WorkerLostError with exitcode 3", o.reply, o.err)
	}
	if o := await(t, submit(t, p, "echo:after")); o.err != nil || o.reply != "after" {
		t.Fatalf("pool after a lost worker: got (%q, %v)", o.reply, o.err)
	}
}

func TestGarbledReplyKillsWorker(t *testing.T) {
	p, _ := newPool(t, 1, 0, "")
	o := await(t, submit(t, p, "garble"))
	var lost *WorkerLostError
	if !errors.As(o.err, &lost) || lost.ExitCode != -int(syscall.SIGKILL) {
		t.Fatalf("got (%q, %v), want a *WorkerLostError after SIGKILL", o.reply, o.err)
	}
}

func TestMaxTasksPerChildReplacesWorkers(t *testing.T) {
	p, s := newPool(t, 2, 2, "max=2")
	pids := map[string]int{}
	for i := 0; i < 12; i++ {
		o := await(t, submit(t, p, "pid"))
		if o.err != nil {
			t.Fatalf("task %d: %v", i, o.err)
		}
		pids[o.reply]++
	}
	for pid, n := range pids {
		if n > 2 {
			t.Errorf("worker %s ran %d tasks, limit 2", pid, n)
		}
	}
	if len(pids) < 6 {
		t.Errorf("12 tasks ran on %d distinct workers, want at least 6", len(pids))
	}
	if s.count() < 6 {
		t.Errorf("%d workers started, want at least 6", s.count())
	}
}

func TestInitializerFailureBreaksPool(t *testing.T) {
	s := &starter{payload: "init=fail"}
	p, err := New(Config{Processes: 2, Start: s.start})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Terminate()
	var ie *InitError
	// Either the task fails with the error, or the pool broke before it
	// was submitted.
	ch := make(chan outcome, 1)
	err = p.Submit(&Task{Message: append(AppendTaskHeader(nil), "echo:x"...), Done: func(r []byte, err error) { ch <- outcome{string(r), err} }})
	if err == nil {
		err = await(t, ch).err
	}
	if !errors.As(err, &ie) || string(ie.Payload) != "init boom" {
		t.Fatalf("got %v, want the *InitError with the worker's payload", err)
	}
	childtest.Until(t, "the broken pool has no workers", func() bool { return p.Size() == 0 })
	if n := s.count(); n != 2 {
		t.Errorf("%d workers started, want 2: a failing initializer must not respawn workers", n)
	}
	if err := p.Submit(&Task{Done: func([]byte, error) {}}); !errors.As(err, &ie) {
		t.Errorf("Submit on a broken pool: %v, want the *InitError", err)
	}
}

func TestWorkerExitingBeforeReadyBreaksPool(t *testing.T) {
	s := &starter{payload: "init=exit"}
	p, err := New(Config{Processes: 1, Start: s.start})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Terminate()
	ch := make(chan outcome, 1)
	err = p.Submit(&Task{Message: append(AppendTaskHeader(nil), "echo:x"...), Done: func(r []byte, err error) { ch <- outcome{string(r), err} }})
	if err == nil {
		err = await(t, ch).err
	}
	var se *StartError
	if !errors.As(err, &se) || se.ExitCode != 2 {
		t.Fatalf("got %v, want a *StartError with exitcode 2", err)
	}
}

func TestCloseRunsQueuedTasksThenJoins(t *testing.T) {
	p, _ := newPool(t, 2, 0, "")
	if err := p.Join(0); err != ErrStillRunning {
		t.Errorf("Join before Close: %v, want ErrStillRunning", err)
	}
	var chans []<-chan outcome
	for i := 0; i < 10; i++ {
		chans = append(chans, submit(t, p, "sleep:5"))
	}
	p.Close()
	if err := p.Submit(&Task{Done: func([]byte, error) {}}); err != ErrNotRunning {
		t.Errorf("Submit after Close: %v, want ErrNotRunning", err)
	}
	for i, ch := range chans {
		if o := await(t, ch); o.err != nil {
			t.Errorf("task %d queued before Close: %v", i, o.err)
		}
	}
	if err := p.Join(20 * time.Second); err != nil {
		t.Fatalf("Join after Close: %v", err)
	}
	if p.Size() != 0 {
		t.Errorf("%d workers alive after Join", p.Size())
	}
}

func TestTerminateFailsUnfinishedTasks(t *testing.T) {
	p, s := newPool(t, 2, 0, "")
	var chans []<-chan outcome
	for i := 0; i < 5; i++ {
		chans = append(chans, submit(t, p, "block"))
	}
	p.Terminate()
	for i, ch := range chans {
		if o := await(t, ch); o.err != ErrTerminated {
			t.Errorf("task %d: %v, want ErrTerminated", i, o.err)
		}
	}
	for i := 0; i < s.count(); i++ {
		if code, ok := s.worker(i).Child.ExitCode(); !ok || code != -int(syscall.SIGTERM) {
			t.Errorf("worker %d: exitcode %d, %v; want -15", i, code, ok)
		}
	}
	if err := p.Join(0); err != nil {
		t.Errorf("Join after Terminate: %v", err)
	}
}

func TestProtocolVersionRefused(t *testing.T) {
	_, _, err := parse([]byte{ProtocolVersion + 1, msgTask})
	var pe *ProtocolError
	if !errors.As(err, &pe) {
		t.Fatalf("parse of another version: %v, want a *ProtocolError", err)
	}
	if _, _, err := parse([]byte{ProtocolVersion}); !errors.As(err, &pe) {
		t.Fatalf("parse of a short message: %v, want a *ProtocolError", err)
	}
}

func BenchmarkRoundTrip(b *testing.B) {
	s := &starter{}
	p, err := New(Config{Processes: 1, Start: s.start})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Terminate()
	ch := make(chan struct{}, 1)
	task := &Task{Message: append(AppendTaskHeader(nil), "echo:1"...), Done: func([]byte, error) { ch <- struct{}{} }}
	for b.Loop() {
		p.Submit(task)
		<-ch
	}
}

// TestTaskTimeoutKillsAndReplacesTheWorker: a task that blocks past its
// Timeout fails with a *TaskTimeoutError naming its worker, that worker is
// killed and replaced, and the next task runs on the new worker.
func TestTaskTimeoutKillsAndReplacesTheWorker(t *testing.T) {
	p, s := newPool(t, 1, 0, "")
	ch := make(chan outcome, 1)
	err := p.Submit(&Task{
		Message: append(AppendTaskHeader(nil), "block"...),
		Timeout: 50 * time.Millisecond,
		Done:    func(reply []byte, err error) { ch <- outcome{string(reply), err} },
	})
	if err != nil {
		t.Fatal(err)
	}
	next := submit(t, p, "pid")
	o := await(t, ch)
	var late *TaskTimeoutError
	if !errors.As(o.err, &late) || late.Worker != s.worker(0).Name || late.Timeout != 50*time.Millisecond {
		t.Fatalf("blocked task: got (%q, %v), want a *TaskTimeoutError from %s", o.reply, o.err, s.worker(0).Name)
	}
	if !strings.Contains(o.err.Error(), "time limit of 50ms") {
		t.Errorf("error %q does not give the limit", o.err)
	}
	o = await(t, next)
	if o.err != nil || o.reply != strconv.Itoa(s.worker(1).Child.Pid) {
		t.Fatalf("next task: got (%q, %v), want the pid of the replacement worker %d", o.reply, o.err, s.worker(1).Child.Pid)
	}
}

// TestTaskTimeoutSparesAFastTask: a task done within its limit succeeds,
// and its worker is not killed afterwards by a stale clock.
func TestTaskTimeoutSparesAFastTask(t *testing.T) {
	p, s := newPool(t, 1, 0, "")
	for i := 0; i < 3; i++ {
		ch := make(chan outcome, 1)
		err := p.Submit(&Task{
			Message: append(AppendTaskHeader(nil), "echo:ok"...),
			Timeout: time.Hour,
			Done:    func(reply []byte, err error) { ch <- outcome{string(reply), err} },
		})
		if err != nil {
			t.Fatal(err)
		}
		if o := await(t, ch); o.err != nil || o.reply != "ok" {
			t.Fatalf("got (%q, %v)", o.reply, o.err)
		}
	}
	if n := s.count(); n != 1 {
		t.Errorf("%d workers were started for three quick tasks, want 1", n)
	}
}

// TestTaskTimeoutStartsWhenTheWorkerIsReady: a task handed to a worker
// still in its initializer is not timed until the worker is ready, so a
// slow start-up (a replacement's, on a busy host) does not count against
// the task's limit.
func TestTaskTimeoutStartsWhenTheWorkerIsReady(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "init")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	p, s := newPool(t, 1, 0, "init=wait:"+fifo)
	const limit = 50 * time.Millisecond
	ch := make(chan outcome, 1)
	err := p.Submit(&Task{
		Message: append(AppendTaskHeader(nil), "echo:ok"...),
		Timeout: limit,
		Done:    func(reply []byte, err error) { ch <- outcome{string(reply), err} },
	})
	if err != nil {
		t.Fatal(err)
	}
	// The worker cannot be ready before the FIFO has a writer: hold it in
	// its initializer for four times the task's limit.
	<-time.After(4 * limit)
	w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	if o := await(t, ch); o.err != nil || o.reply != "ok" {
		t.Fatalf("got (%q, %v); want the task to run once its worker was ready", o.reply, o.err)
	}
	if n := s.count(); n != 1 {
		t.Errorf("%d workers were started, want 1: the waiting worker must not be killed", n)
	}
}

// TestBeganNamesTheWorkerThatRanTheTask: Began is called once per task,
// before Done, with the worker whose pid the task replies — for the
// first tasks, handed out before the workers were ready, too.
func TestBeganNamesTheWorkerThatRanTheTask(t *testing.T) {
	p, _ := newPool(t, 2, 0, "")
	type run struct {
		began []*Worker
		pid   string
		err   error
	}
	runs := make([]run, 20)
	done := make(chan int, len(runs))
	for i := range runs {
		r := &runs[i]
		err := p.Submit(&Task{
			Message: append(AppendTaskHeader(nil), "pid"...),
			Began:   func(w *Worker) { r.began = append(r.began, w) },
			Done: func(reply []byte, err error) {
				r.pid, r.err = string(reply), err
				done <- i
			},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for range runs {
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatal("tasks did not complete within 20s")
		}
	}
	for i, r := range runs {
		if r.err != nil || len(r.began) != 1 || strconv.Itoa(r.began[0].Child.Pid) != r.pid {
			t.Errorf("task %d: Began told %d times (%v), the task ran in pid %s (%v)", i, len(r.began), r.began, r.pid, r.err)
		}
	}
}

// TestBatches: a worker of quick tasks takes queued tasks in batches and
// replies to each in order; when it dies mid-batch, only the task it was
// running is lost, and the ones it had not started run on its
// replacement.
func TestBatches(t *testing.T) {
	quick := quickTask
	quickTask = time.Hour // every worker counts as quick
	t.Cleanup(func() { quickTask = quick })
	s := &starter{}
	p, err := New(Config{Processes: 1, Batch: 4, Start: s.start})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Terminate)
	fifo := filepath.Join(t.TempDir(), "gate")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	await(t, submit(t, p, "echo:warm")) // the worker has done a quick task
	gate := submit(t, p, "meet:r:"+fifo)
	a, blocked, b, c := submit(t, p, "echo:a"), submit(t, p, "block"), submit(t, p, "echo:b"), submit(t, p, "echo:c")
	f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	await(t, gate)
	if o := await(t, a); o.err != nil || o.reply != "a" {
		t.Fatalf("echo:a in a batch: (%q, %v)", o.reply, o.err)
	}
	// The worker now runs "block", with the rest of its batch queued.
	p.mu.Lock()
	queued := 0
	for wk := range p.workers {
		queued += len(wk.queued)
	}
	p.mu.Unlock()
	if queued != 2 {
		t.Fatalf("%d tasks queued behind the running one, want 2 (a batch of 4)", queued)
	}
	s.worker(0).Child.Kill()
	var lost *WorkerLostError
	if o := await(t, blocked); !errors.As(o.err, &lost) {
		t.Fatalf("the running task of a killed worker: (%q, %v), want a *WorkerLostError", o.reply, o.err)
	}
	for want, ch := range map[string]<-chan outcome{"b": b, "c": c} {
		if o := await(t, ch); o.err != nil || o.reply != want {
			t.Errorf("a task the killed worker had not started: (%q, %v), want (%q, nil)", o.reply, o.err, want)
		}
	}
}
