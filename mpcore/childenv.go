package mpcore

// The environment a child starts with.

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// noHeapProfile is the GODEBUG setting a child starts with when its parent
// takes no heap profiles. The Go runtime samples the first allocation of
// every process for the heap profile, a stack walk through pages nothing
// else touches, before it applies a build's "no heap profiles" or a
// MemProfileRate set in main; only GODEBUG is read early enough. The
// child's own environment gets the parent's GODEBUG back at once
// (restoreGODEBUG), so scripts and the programs they start never see it.
const noHeapProfile = "memprofilerate=0"

// godebugAdded is the suffix of ChildEnv's value that tells a child its
// GODEBUG has noHeapProfile added.
const godebugAdded = ",godebug"

// childEnv returns env (or this process's environment) for a new child:
// without a stale ChildEnv, with the new child's, and with noHeapProfile
// added to GODEBUG when this process takes no heap profiles.
func childEnv(env []string) []string {
	if env == nil {
		env = os.Environ()
	}
	out := make([]string, 0, len(env)+2)
	godebug, hasGodebug := "", false
	for _, kv := range env {
		switch {
		case strings.HasPrefix(kv, ChildEnv+"="):
		case strings.HasPrefix(kv, "GODEBUG="):
			godebug, hasGodebug = kv[len("GODEBUG="):], true
		default:
			out = append(out, kv)
		}
	}
	mark := fmt.Sprintf("%s=%d", ChildEnv, bootstrapFD)
	switch {
	case runtime.MemProfileRate != 0 || (hasGodebug && godebug == ""):
		// Heap profiles are wanted, or GODEBUG is set but empty, which
		// restoreGODEBUG could not tell from unset.
		if hasGodebug {
			out = append(out, "GODEBUG="+godebug)
		}
	case godebug == "":
		out = append(out, "GODEBUG="+noHeapProfile)
		mark += godebugAdded
	default:
		// Later settings win: noHeapProfile goes last.
		out = append(out, "GODEBUG="+godebug+","+noHeapProfile)
		mark += godebugAdded
	}
	return append(out, mark)
}

// childFD reads ChildEnv in a child: the bootstrap descriptor, and whether
// GODEBUG has noHeapProfile added.
func childFD() (fd int, godebug bool, err error) {
	v := os.Getenv(ChildEnv)
	num, godebug := strings.CutSuffix(v, godebugAdded)
	fd, err = strconv.Atoi(num)
	if err != nil {
		return 0, false, fmt.Errorf("bad %s in the environment: %q", ChildEnv, v)
	}
	return fd, godebug, nil
}

// restoreGODEBUG gives a child the GODEBUG its parent had before childEnv
// added noHeapProfile, which has done its work by now (the runtime reads
// it only at start).
func restoreGODEBUG() {
	g := os.Getenv("GODEBUG")
	if g == noHeapProfile {
		os.Unsetenv("GODEBUG")
		return
	}
	os.Setenv("GODEBUG", strings.TrimSuffix(g, ","+noHeapProfile))
}
