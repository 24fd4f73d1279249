package interp

import (
	"fmt"
	"os"

	"github.com/mpstar/mpstar/builtins"
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
	if err != nil {
		fmt.Fprintf(os.Stderr, "mpstar child: %v\n", err)
		return 1
	}
	// A parent that dies without joining its children takes them along, so
	// a SIGKILLed parent leaves no orphans (SPEC §7).
	boot.WatchParent(func() { os.Exit(1) })
	if boot.Prep.Dir != "" {
		os.Chdir(boot.Prep.Dir)
	}
	rt := builtins.NewChildRuntime(runtimeConfig("", nil, opts), boot)
	r := newRunner(rt)
	if res := r.runMain("__mp_main__"); res.Code != 0 {
		rt.Finish()
		return res.Code
	}
	rt.SetBootstrapping(false)
	return rt.RunChild(r.newThread("MainThread"))
}
