package pool

// The test binary doubles as the worker process: TestMain runs the worker
// role when Launch started it, with the behaviour its payload names.

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mpstar/mpstar/mpcore"
	"github.com/mpstar/mpstar/mpcore/conn"
)

func TestMain(m *testing.M) {
	if mpcore.IsChild() {
		os.Exit(testWorker())
	}
	os.Exit(m.Run())
}

// testWorker is a worker whose payload is "init=ok|fail|exit|wait:FIFO,max=N"
// (wait: the initializer opens the FIFO to read, which waits for a
// writer). Its
// tasks are "echo:X" (reply X), "parts:N" (N parts, then "end"), "pid" (reply its pid), "meet:r|w:FIFO"
// (open the FIFO to read or write, then reply its pid), "sleep:MS",
// "block" (never reply), "exit:N" (exit with N) and "garble" (reply
// with a message of another protocol version).
func testWorker() int {
	b, err := mpcore.ReadBootstrap()
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		return 99
	}
	b.WatchParent(func() { os.Exit(98) })
	c, err := conn.NewPipeConn(b.FDs[0], b.FDs[1], b.FDs[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		return 99
	}
	opts := map[string]string{}
	for _, kv := range strings.Split(string(b.Prep.Payload), ",") {
		k, v, _ := strings.Cut(kv, "=")
		opts[k] = v
	}
	if fifo, ok := strings.CutPrefix(opts["init"], "wait:"); ok {
		f, err := os.Open(fifo)
		if err != nil {
			fmt.Fprintln(os.Stderr, "worker:", err)
			return 99
		}
		f.Close()
	}
	switch opts["init"] {
	case "fail":
		ReportInitFailure(c, []byte("init boom"))
		return 1
	case "exit":
		return 2
	}
	maxTasks, _ := strconv.Atoi(opts["max"])
	err = Serve(c, maxTasks, func(dst, task []byte, parts *PartSender) ([]byte, error) {
		cmd, arg, _ := strings.Cut(string(task), ":")
		switch cmd {
		case "parts":
			// Reply "a", "b", ... as parts, then "end".
			n, _ := strconv.Atoi(arg)
			for i := 0; i < n; i++ {
				if err := parts.Send(append(parts.Begin(), byte('a'+i))); err != nil {
					return nil, err
				}
			}
			return append(dst, "end"...), nil
		case "echo":
			return append(dst, arg...), nil
		case "pid":
			return strconv.AppendInt(dst, int64(os.Getpid()), 10), nil
		case "meet":
			// Open one end of the FIFO, which waits until another task
			// opens the other; reply the pid.
			mode, path, _ := strings.Cut(arg, ":")
			flag := os.O_RDONLY
			if mode == "w" {
				flag = os.O_WRONLY
			}
			f, err := os.OpenFile(path, flag, 0)
			if err != nil {
				return nil, err
			}
			f.Close()
			return strconv.AppendInt(dst, int64(os.Getpid()), 10), nil
		case "sleep":
			ms, _ := strconv.Atoi(arg)
			time.Sleep(time.Duration(ms) * time.Millisecond)
			return append(dst, "slept"...), nil
		case "block":
			select {}
		case "exit":
			n, _ := strconv.Atoi(arg)
			os.Exit(n)
		case "garble":
			c.SendBytes([]byte{ProtocolVersion + 1, msgReply})
			select {}
		}
		return nil, fmt.Errorf("unknown task %q", task)
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		return 1
	}
	return 0
}

// starter launches test workers with the given payload and remembers
// them, so tests can kill one and count starts.
type starter struct {
	payload string
	mu      sync.Mutex
	started []*Worker
}

func (s *starter) start() (*Worker, error) {
	parent, child, err := conn.Pipe(true)
	if err != nil {
		return nil, err
	}
	defer child.Close()
	r, w, bulk := child.FDs()
	s.mu.Lock()
	name := fmt.Sprintf("TestPoolWorker-%d", len(s.started)+1)
	s.mu.Unlock()
	c, err := mpcore.Launch(mpcore.LaunchConfig{
		Prep: &mpcore.Prep{Name: name, Payload: []byte(s.payload)},
		FDs:  []int{r, w, bulk},
	})
	if err != nil {
		parent.Close()
		return nil, err
	}
	wk := &Worker{Name: name, Conn: parent, Child: c}
	s.mu.Lock()
	s.started = append(s.started, wk)
	s.mu.Unlock()
	return wk, nil
}

func (s *starter) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.started)
}

func (s *starter) worker(i int) *Worker {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.started[i]
}

// newPool starts a pool of n test workers; it is terminated when the
// test ends.
func newPool(t *testing.T, n, maxTasks int, payload string) (*Pool, *starter) {
	t.Helper()
	s := &starter{payload: payload}
	p, err := New(Config{Processes: n, MaxTasksPerChild: maxTasks, Start: s.start})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Terminate)
	return p, s
}

// outcome is what a task's Done received.
type outcome struct {
	reply string
	err   error
}

// submit queues a task and returns the channel its outcome arrives on.
func submit(t *testing.T, p *Pool, task string) <-chan outcome {
	t.Helper()
	ch := make(chan outcome, 1)
	err := p.Submit(&Task{
		Message: append(AppendTaskHeader(nil), task...),
		Done:    func(reply []byte, err error) { ch <- outcome{string(reply), err} },
	})
	if err != nil {
		t.Fatalf("Submit(%q): %v", task, err)
	}
	return ch
}

// await returns the outcome on ch, failing the test after 20 s.
func await(t *testing.T, ch <-chan outcome) outcome {
	t.Helper()
	select {
	case o := <-ch:
		return o
	case <-time.After(20 * time.Second):
		t.Fatal("task did not complete within 20s")
		return outcome{}
	}
}
