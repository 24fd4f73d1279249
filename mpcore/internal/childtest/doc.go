// Package childtest is test support for mpcore's packages: the os/exec
// TestMain pattern, in which a package's test binary re-executes itself as
// a child process playing a role named by an environment variable.
//
// TestMain calls Main; a test starts a child with Command and reaps it
// with Wait, so that no child outlives its deadline. Until waits, with a
// deadline, for a state that nothing signals.
package childtest
