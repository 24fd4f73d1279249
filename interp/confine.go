package interp

import (
	"path/filepath"
	"strings"
	"sync/atomic"

	"go.starlark.net/syntax"

	"github.com/mpstar/mpstar/internal/builtins"
	"github.com/mpstar/mpstar/mpcore/sandbox"
)

// confined says this process was confined by ConfineProcess: its children
// start inside its Landlock domain. A process's confinement is
// process-wide by nature, so this is too.
var confined atomic.Bool

// ConfineProcess confines the calling process as the whole of one run —
// what the mpstar command does — to opts's Permissions and Limits, with
// the kernel: Landlock for every thread, and rlimits. filename is the
// script, whose directory the runtime keeps reading (loaded files). It is
// for good: call it only in a process that runs nothing else, after
// reading what it needs. It reports which kernel layers hold; where
// Landlock is missing the in-process checks still hold.
func ConfineProcess(opts Options, filename string) (sandbox.Layers, error) {
	c := confinement(opts, filename)
	l, err := c.ConfineSelf()
	if err == nil {
		confined.Store(true)
	}
	return l, err
}

// confinement is the runtime's form of a run's permissions and limits.
func confinement(opts Options, filename string) builtins.Confinement {
	c := builtins.Confinement{
		Grants: opts.Permissions,
		Kernel: opts.Kernel || confined.Load(),
		Limits: opts.Limits,
		Steps:  opts.MaxSteps,
		Inside: confined.Load(),
	}
	if c.Kernel { // only a kernel ruleset needs them: spare every other run the parse of its loads
		c.Needs = builtins.RuntimeNeeds(opts.Executable, loadClosure(filename))
	}
	return c
}

// loadClosure lists the script and the .star files it loads, directly or
// through other loads: code the runtime reads, which no read grant need
// name (as Deno reads a program's imports without --allow-read). A file
// that can't be read or parsed ends the walk there; running the script
// reports it.
func loadClosure(filename string) []string {
	if filename == "" || filename[0] == '<' { // "<string>", "<stdin>"
		return nil
	}
	var files []string
	seen := map[string]bool{}
	var walk func(path string)
	walk = func(path string) {
		abs, err := filepath.Abs(path)
		if err != nil || seen[abs] {
			return
		}
		seen[abs] = true
		files = append(files, abs)
		f, err := FileOptions().Parse(abs, nil, 0)
		if err != nil {
			return
		}
		for _, stmt := range f.Stmts {
			if load, ok := stmt.(*syntax.LoadStmt); ok && strings.HasSuffix(load.ModuleName(), ".star") {
				walk(filepath.Join(filepath.Dir(abs), load.ModuleName()))
			}
		}
	}
	walk(filename)
	return files
}
