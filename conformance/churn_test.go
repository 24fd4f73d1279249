package conformance

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestDescriptorChurn: a script that makes a Pipe, Queue, SimpleQueue,
// large shared Array or joined Process per job, and never closes it, runs
// 5,000 jobs with a limit of 256 descriptors (issue 13): descriptors are
// released when their object becomes garbage, and a process's once it has
// been joined.
func TestDescriptorChurn(t *testing.T) {
	for _, kind := range []string{"pipe", "queue", "simplequeue", "array", "process"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, "/bin/sh", "-c", `ulimit -n 256 && exec "$0" churn.star "$1" 5000`, mpstarBin, kind)
			cmd.Dir = "faults"
			out, err := cmd.CombinedOutput()
			if err != nil || strings.TrimSpace(string(out)) != kind+" 5000 ok" {
				t.Fatalf("%v\n%s", err, out)
			}
		})
	}
}
