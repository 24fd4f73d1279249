package mppool

import (
	"strings"
	"testing"

	"github.com/mpstar/mpstar/internal/builtins"
	"github.com/mpstar/mpstar/mpcore/pool"
)

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
