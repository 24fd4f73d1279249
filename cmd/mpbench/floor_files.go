package main

// The files workloads' floor: the same tree hashed by sha256sum, run
// through xargs -P <cores> as a shell user would, with nothing in between.

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

// filesDirEnv names the directory under which the files workloads keep their
// generated trees; mpbench points it into its temporary directory unless it
// is set already (so trees can be kept between sittings).
const filesDirEnv = "MPBENCH_FILES_DIR"

// filesDir is where the trees are, as the workload scripts find it.
func filesDir() string {
	if dir := os.Getenv(filesDirEnv); dir != "" {
		return dir
	}
	return "/tmp/mpbench-files"
}

// floorFilesHash hashes the tree the sides generated for the named workload
// with find | xargs -0 -P <cores> -n <files/(4·cores)> sha256sum: as many
// batches per core as Pool.map's default chunks.
func floorFilesHash(name string) floorFunc {
	return func(env floorEnv, n int) result {
		root := filepath.Join(filesDir(), fmt.Sprintf("%s-%d", name, n))
		if _, err := os.Stat(root + ".complete"); err != nil {
			return failed("no tree at %s (the mpstar and CPython sides generate it)", root)
		}
		cores := runtime.NumCPU()
		per := (n + 4*cores - 1) / (4 * cores)
		script := fmt.Sprintf(`find "$1" -type f -print0 | xargs -0 -P %d -n %d sha256sum`, cores, per)
		t0 := time.Now()
		out, errOut, err := runCommand([]string{"sh", "-c", script, "sh", root}, env.timeout)
		seconds := time.Since(t0).Seconds()
		if err != nil {
			return failed("%s (%v)", stderrSummary(errOut), err)
		}
		if lines := bytes.Count(out, []byte("\n")); lines != n {
			return failed("sha256sum printed %d digests for %d files", lines, n)
		}
		return result{OpsPerS: float64(n) / seconds, Unit: "files/s"}
	}
}
