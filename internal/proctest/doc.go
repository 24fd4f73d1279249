// Package proctest is test support for tests across the module that run
// processes: Buffer collects a process's output while the test reads it,
// and Exits waits for a process the test did not start to end.
package proctest
