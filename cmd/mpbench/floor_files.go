package main

// The files workloads' floor: the same tree hashed by sha256sum, run
// through xargs -P <cores> as a shell user would, with nothing in between.
// Beside it, the ceiling: what no program can beat on this machine, the
// tree walked and hashed by Go itself in one process, a goroutine per core,
// with no interpreter, no processes to feed and no results to send.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"
)

// ceilingField is the Extra field of a files floor's result that holds the
// ceiling's files/s.
const ceilingField = "ceiling_files_s"

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
		ceiling, err := ceilingFilesHash(root, n)
		if err != nil {
			return failed("ceiling: %v", err)
		}
		return result{OpsPerS: float64(n) / seconds, Unit: "files/s", Extra: map[string]float64{ceilingField: ceiling}}
	}
}

// ceilingFilesHash returns the files/s of the workload's own job, timed as
// the scripts time it (the walk and the hashing), done by Go in this
// process: each file read whole, its SHA-256 made and written in hex.
func ceilingFilesHash(root string, n int) (float64, error) {
	t0 := time.Now()
	var paths []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			paths = append(paths, path)
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	if len(paths) != n {
		return 0, fmt.Errorf("found %d files of %d under %s", len(paths), n, root)
	}
	cores := runtime.NumCPU()
	errs := make([]error, cores)
	var wg sync.WaitGroup
	for k := range cores {
		wg.Go(func() {
			h := sha256.New()
			var buf bytes.Buffer // one buffer a goroutine: no garbage
			for i := k; i < len(paths) && errs[k] == nil; i += cores {
				buf.Reset()
				errs[k] = readInto(&buf, paths[i])
				h.Reset()
				h.Write(buf.Bytes())
				_ = hex.EncodeToString(h.Sum(nil))
			}
		})
	}
	wg.Wait()
	seconds := time.Since(t0).Seconds()
	for _, err := range errs {
		if err != nil {
			return 0, err
		}
	}
	return float64(n) / seconds, nil
}

// readInto appends the file's content to buf.
func readInto(buf *bytes.Buffer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = buf.ReadFrom(f)
	return err
}
