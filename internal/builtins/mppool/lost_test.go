package mppool

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
