// Package conformance is mpstar's conformance suite: documentation examples
// of Python's multiprocessing ported to .star scripts under testdata/, each
// with a golden stdout file, run against the built mpstar binary by
// `go test ./conformance/...`.
//
// A script may start with directive comments:
//
//	# exit: N           expected exit status (default 0)
//	# stderr: REGEXP    stderr must match (may repeat)
//	# args: A B         extra command-line arguments
//	# env: K=V          extra environment (may repeat)
//	# unordered: true   compare stdout lines in any order
//	# stdin: FILE       feed testdata/FILE to the script's standard input
//	# repl: true        type the script into the REPL (mpstar -i < script),
//	                    as python3 -i < script does
//
// TestExamples runs the programs of scripts/examples the same way, and their
// Python originals with python3 when it is installed.
//
// Run `go test ./conformance/ -update` to rewrite the golden files from the
// current output; review the diff before committing it.
package conformance
