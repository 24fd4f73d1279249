package interp

import (
	"errors"
	"fmt"
	"os"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins"
	"github.com/mpstar/mpstar/mpcore"
)

// ChildMain turns this process into an mpstar child when its parent
// launched it as one, and never returns then: it executes the script the
// parent runs (as __mp_main__), calls the target it was sent, and exits
// with the target's exit code. In any other process it returns at once.
//
// Call it first thing in main, with the Options scripts are run with.
func ChildMain(opts Options) {
	if !mpcore.IsChild() {
		return
	}
	code := runChild(opts)
	if opts.ExitHook != nil {
		opts.ExitHook()
	}
	os.Exit(code)
}

func runChild(opts Options) int {
	boot, err := mpcore.ReadBootstrap()
	if errors.Is(err, mpcore.ErrNoWork) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "mpstar child: %v\n", err)
		return 1
	}
	if boot.Prep.Dir != "" {
		os.Chdir(boot.Prep.Dir)
	}
	// A child writes to its own stdout and stderr, which its parent relays
	// to the run's (see mpcore.Output): opts.Stdout and Stderr belong to
	// the parent's run, not to this process.
	opts.Stdout, opts.Stderr = nil, nil
	conf, err := builtins.ChildConfinement(boot.Prep.Extra)
	if err != nil {
		fmt.Fprintf(os.Stderr, "mpstar child: %v\n", err)
		return 1
	}
	cfg := runtimeConfig("", nil, opts)
	cfg.Confine = conf
	rt := builtins.NewChildRuntime(cfg, boot)
	// A parent that dies (or ends this child, see mpcore.Child.End)
	// without joining it takes it along, and its children with it: a
	// SIGKILLed or stopped parent leaves no orphans.
	boot.WatchParent(func() {
		rt.EndChildren()
		os.Exit(1)
	})
	r := newRunner(rt, nil) // files come from the parent (see Options.Loader)
	thread := r.newThread("MainThread")
	if names, fork := rt.ForkGlobals(); fork {
		// CPython's fork child compiles nothing: whatever fails here
		// fails, as its target would, under the child's own header.
		if code := rt.ChildExit(r.execFork(thread, names), r.formatError); code != 0 {
			rt.Finish()
			return code
		}
	} else if _, res := r.runMainOn(thread, "__mp_main__"); res.Code != 0 {
		rt.Finish()
		return res.Code
	}
	rt.SetBootstrapping(false)
	return rt.RunChild(thread)
}

// execFork prepares a fork child: it executes only the main
// script's top-level defs and loads, with the parent's other globals bound
// as predeclared names, so functions see the parent's values and no other
// top-level statement runs twice.
func (r *runner) execFork(thread *starlark.Thread, names []string) error {
	prog, predeclared, err := r.defsOnly(names)
	if err != nil {
		return err
	}
	cfg := r.rt.Config()
	builtins.NoteSource(prog, cfg.Filename, cfg.Source)
	globals, err := prog.Init(thread, predeclared)
	if err != nil {
		return err
	}
	// The snapshot may name the functions just defined, so it is decoded
	// after them, into the very dict the module reads its predeclared
	// names from; the module's recorded globals gain the copies too.
	r.rt.SetModule(r.rt.Config().Filename, globals)
	if err := r.rt.RestoreForkGlobals(thread, predeclared); err != nil {
		return err
	}
	for _, name := range names {
		if _, defined := globals[name]; !defined && predeclared.Has(name) {
			globals[name] = predeclared[name]
		}
	}
	return nil
}
