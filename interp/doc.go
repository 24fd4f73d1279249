// Package interp embeds mpstar in a Go program: it runs a Starlark script
// (a file or a string) with Python's multiprocessing built in, and serves as
// the entry point of child processes.
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
