// Package interp embeds mpstar in a Go program: it runs a Starlark script
// (a file or a string) with Python's multiprocessing built in, and serves as
// the entry point of child processes.
//
// What a host uses:
//
//   - RunFile, RunString, and RunFileContext, RunStringContext, Run under a
//     context that stops the script at once, even in a blocking call, and
//     ends every process it started (ExampleRunStringContext);
//   - Exec and Script.Call, to call a script's functions with Go values
//     and get their values back (ExampleExec); Run returns the globals;
//   - Options: per-run Stdout/Stderr (any io.Writer: writes are serialised,
//     children's lines arrive whole), Args, Loader (FSLoader: load() from an
//     embed.FS, ExampleFSLoader) and predeclared values, which reach the
//     run's children; per-binary Go builtins and modules, which ChildMain
//     must be given too;
//   - Options.Events, the run's events: processes started and exited,
//     pool tasks started, finished and failed (ExampleOptions_events);
//     Trace writes them as a Chrome trace-event file;
//   - Session, an interactive session (Exec, ExecNext, Eval, Complete,
//     Interrupt).
//
// A host that starts processes from scripts must call ChildMain first thing
// in main, with the same Options it runs scripts with: children re-execute
// the host's own binary, and ChildMain is where they take over.
//
//	func main() {
//		opts := interp.Options{}
//		interp.ChildMain(opts) // returns at once unless this is a child
//		if err := interp.RunFile("job.star", opts); err != nil {
//			os.Exit(interp.ExitCode(err))
//		}
//	}
package interp
