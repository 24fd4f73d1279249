package builtins

// Blocking calls on a stopped script. A context's cancellation, Ctrl-C and
// Session.Interrupt fire the Signal bound to the script's thread (package
// mpcore/stop): every engine wait the thread is in returns at once, as if
// its time had run out or its peer had failed. The builtin then reports
// the stop instead — a KeyboardInterrupt, or an error wrapping the
// context's — through blocked, or through the error converters (connErr,
// queueErr, shmErr), which put a stop first.

import "github.com/mpstar/mpstar/mpcore/stop"

// blocked returns what a blocking call whose wait ended with ok and err
// reports: the stop, when the calling thread was stopped before the call
// got what it waited for (ok false), else err.
func blocked(ok bool, err error) error {
	if !ok {
		if cause := stop.Stopped(); cause != nil {
			return cause
		}
	}
	return err
}
