package mpcore

import (
	"os"
	"os/signal"
	"sync/atomic"
)

// Ctrl-C at a terminal reaches the whole foreground process group. In a
// run it is the main process's to handle: it stops the script, which ends
// the children. So a child ignores SIGINT, which costs nothing, rather than
// catching it with os/signal, which would start a signal-handling thread
// in every child and slow every process start by a fifth. An ignored
// signal stays ignored across exec, though, and a program a child runs
// should get Ctrl-C as it would from a shell: before the first one, the
// child switches to catching and dropping the signal instead (a caught
// signal is reset to its default by exec).

// interruptsIgnored is set while this process ignores SIGINT.
var interruptsIgnored atomic.Bool

// A child ignores Ctrl-C from package initialisation on, not from
// ChildMain: the time a process takes to get there is when a Pool's
// workers, still starting, died of the Ctrl-C meant for the main process.
func init() {
	if IsChild() {
		signal.Ignore(os.Interrupt)
		interruptsIgnored.Store(true)
	}
}

// BeforeProgram readies this process to start a program that is not
// mpstar: one that must not inherit an ignored SIGINT. Call it before
// starting such a program.
func BeforeProgram() {
	if interruptsIgnored.CompareAndSwap(true, false) {
		signal.Notify(make(chan os.Signal, 1), os.Interrupt)
	}
}
