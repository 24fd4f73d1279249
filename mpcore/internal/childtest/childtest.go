package childtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"
)

// Main runs the tests, or the child when the environment variable env
// names a role: run(role) is then the process's exit status. It does not
// return.
func Main(m *testing.M, env string, run func(role string) int) {
	if role := os.Getenv(env); role != "" {
		os.Exit(run(role))
	}
	os.Exit(m.Run())
}

// Command returns the command that re-executes the test binary, running
// no tests, as the child role (env=role, then extraEnv, "VAR=value"
// pairs). ctx kills the child when done, as exec.CommandContext. The
// child's stderr is the test's.
func Command(ctx context.Context, env, role string, extraEnv ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), env+"="+role), extraEnv...)
	cmd.Stderr = os.Stderr
	return cmd
}

// Wait waits up to d for a started cmd to exit and returns its error; past
// d it kills and reaps the child and says so.
func Wait(cmd *exec.Cmd, d time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		cmd.Process.Kill()
		<-done
		return fmt.Errorf("child %d did not exit within %v", cmd.Process.Pid, d)
	}
}

// Until polls cond every millisecond until it holds, failing the test
// after 10 s. It is for states nothing signals, such as a word in shared
// memory ("a child is asleep on the futex"), never in place of an event or
// a pipe.
func Until(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
