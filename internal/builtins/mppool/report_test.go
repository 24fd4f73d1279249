package mppool

// Unit tests of how a pool reports a task's end: as an exception when its
// worker is lost, and as an event before the script gets the result.

import (
	"strings"
	"testing"

	"github.com/mpstar/mpstar/internal/builtins"
	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/mpcore/pool"
)

// A worker dies of SIGINT only when Ctrl-C reaches it while it starts:
// the script gets KeyboardInterrupt, as it would from its own Ctrl-C, not
// WorkerLostError. Any other death is a lost worker.
func TestWorkerStoppedByCtrlCIsAnInterrupt(t *testing.T) {
	p := &Pool{rt: builtins.NewRuntime(builtins.Config{})}
	for _, c := range []struct {
		code int
		want *exceptions.Type
		msg  string
	}{
		{-2, exceptions.KeyboardInterrupt, "worker SpawnPoolWorker-1 (pid 42) was stopped by Ctrl-C (SIGINT) while running task 7"},
		{-9, exceptions.WorkerLostError, "worker SpawnPoolWorker-1 (pid 42) exited with exitcode -9 (SIGKILL) while running task 7"},
		{3, exceptions.WorkerLostError, "worker SpawnPoolWorker-1 (pid 42) exited with exitcode 3 while running task 7"},
	} {
		err := p.lostErr(&pool.WorkerLostError{Worker: "SpawnPoolWorker-1", Pid: 42, ExitCode: c.code}, "task 7")
		if exceptions.TypeOf(err) != c.want || !strings.HasPrefix(err.Error(), c.msg) {
			t.Errorf("exit %d: got %v: %v; want %s: %s", c.code, exceptions.TypeOf(err), err, c.want.Name(), c.msg)
		}
	}
}

// A task's end is reported before its result reaches the script: a script
// that submits its next task as soon as the last returns must not show a
// host the next one starting before the last one ended.
func TestTaskEndReportedBeforeResult(t *testing.T) {
	p := &Pool{rt: builtins.NewRuntime(builtins.Config{})}
	var seen []string
	task := &pool.Task{Done: func([]byte, error) { seen = append(seen, "result") }}
	emit := func(e builtins.RunEvent) {
		if e.Kind == builtins.TaskFinished {
			seen = append(seen, "finished")
		}
	}
	p.reportTask(emit, task, func() string { return "task 1" })
	task.Done([]byte{replyValue}, nil)
	if got := strings.Join(seen, " "); got != "finished result" {
		t.Errorf("got %q; want the TaskFinished event, then the result", got)
	}
}
