package mpcore

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"
)

// TestChildStartsWithoutHeapProfilingAndSeesItsGODEBUG checks both halves
// of childEnv's GODEBUG addition: a parent without heap profiles starts
// its child with them off, and the child's environment still holds the
// GODEBUG it was given (unset stays unset), whatever that was.
func TestChildStartsWithoutHeapProfilingAndSeesItsGODEBUG(t *testing.T) {
	defaultRate := runtime.MemProfileRate // the test binary keeps heap profiles
	for _, tc := range []struct {
		parentRate int
		godebug    *string
		wantRate   int
	}{
		{0, nil, 0},
		{0, ptr("gctrace=0"), 0},
		{0, ptr("memprofilerate=0"), 0},
		{0, ptr(""), defaultRate}, // set but empty: left alone
		{defaultRate, nil, defaultRate},
		{defaultRate, ptr("gctrace=0"), defaultRate},
	} {
		name := "unset"
		if tc.godebug != nil {
			name = fmt.Sprintf("%q", *tc.godebug)
		}
		t.Run(fmt.Sprintf("rate %d, GODEBUG %s", tc.parentRate, name), func(t *testing.T) {
			env := []string{"PATH=" + os.Getenv("PATH")}
			wantSet, wantValue := false, ""
			if tc.godebug != nil {
				env = append(env, "GODEBUG="+*tc.godebug)
				wantSet, wantValue = true, *tc.godebug
			}
			got := childGODEBUG(t, tc.parentRate, env)
			if want := fmt.Sprintf("%d %v %q", tc.wantRate, wantSet, wantValue); got != want {
				t.Errorf("child reports %s, want %s", got, want)
			}
		})
	}
}

func ptr(s string) *string { return &s }

// childGODEBUG launches the "godebug" child with env while this process's
// heap profile rate is rate, and returns what it reports.
func childGODEBUG(t *testing.T, rate int, env []string) string {
	t.Helper()
	saved := runtime.MemProfileRate
	runtime.MemProfileRate = rate
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	c, err := Launch(LaunchConfig{Prep: &Prep{Payload: []byte("godebug")}, FDs: []int{int(w.Fd())}, Env: env})
	runtime.MemProfileRate = saved
	w.Close()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { c.Kill(); c.Join(-1); c.Close() }()
	r.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		t.Fatalf("no report from the child: %v", err)
	}
	return line[:len(line)-1]
}
