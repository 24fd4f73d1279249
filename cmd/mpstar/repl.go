package main

import (
	"fmt"
	"os"

	"github.com/mpstar/mpstar/interp"
)

// repl is the interactive loop. Until the line-editing REPL lands, a
// terminal on stdin reads the whole program like a pipe does.
func repl(opts interp.Options) int {
	fmt.Fprintln(os.Stderr, "mpstar: reading the program from the terminal; end it with Ctrl-D")
	return runStdin(opts)
}
