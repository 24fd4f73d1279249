package conformance

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/mpstar/mpstar/internal/proctest"
)

// TestSubprocessFromPoolLeaksNothing runs dozens of commands from Pool
// workers, a third of them timing out with a background child each, and
// checks that no descriptor leaked in the workers and that no process the
// commands started is alive once the script has ended. Every process of the
// run inherits a marker in its environment, which is how survivors are
// found.
func TestSubprocessFromPoolLeaksNothing(t *testing.T) {
	marker := fmt.Sprintf("MPSTAR_SUBPROCESS_LEAK=%d", os.Getpid())
	cmd := exec.Command(mpstarBin, "subprocess_pool.star")
	cmd.Dir = driverDir
	cmd.Env = append(os.Environ(), marker)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := "leaked descriptors: 0\ntimeouts: 48\nexit statuses: [3]\noutputs: True\n"
	if string(out) != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
	// The last timeouts' SIGKILLs take effect asynchronously: give each
	// survivor a deadline to exit (an uncaught sleep would last minutes).
	var left []int
	for _, pid := range withEnv(marker) {
		if !proctest.Exits(pid, 10*time.Second) {
			left = append(left, pid)
		}
	}
	if len(left) > 0 {
		t.Errorf("processes left running: %v", left)
	}
}

// withEnv lists the processes whose environment holds the entry kv.
func withEnv(kv string) []int {
	envs, _ := filepath.Glob("/proc/[0-9]*/environ")
	var pids []int
	for _, path := range envs {
		env, err := os.ReadFile(path)
		dir := filepath.Dir(path)
		if err != nil || isZombie(dir) {
			continue
		}
		for _, entry := range bytes.Split(env, []byte{0}) {
			if string(entry) == kv {
				pid, _ := strconv.Atoi(filepath.Base(dir))
				pids = append(pids, pid)
			}
		}
	}
	return pids
}
