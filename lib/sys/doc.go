// Package sys is mpstar's sys module: argv, exit, and the run's stdin,
// stdout and stderr as file-like values.
//
// sys.exit(status) ends the process as Python's SystemExit does: the run
// receives an *exceptions.ExitError, which catch does not capture.
package sys
