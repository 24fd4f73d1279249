package builtins

// Exception classes as values (multiprocessing.ProcessError, queue.Empty,
// ...): Starlark cannot raise or catch them, but err.is_a accepts them as
// well as their names, and they print as Python's classes do.

import "go.starlark.net/starlark"

// ExcClass names a Python exception type.
type ExcClass struct {
	runtimeObject
	name string
}

// String is repr of the class, as Python shows it.
func (c *ExcClass) String() string { return "<class '" + c.name + "'>" }

// Type implements starlark.Value.
func (c *ExcClass) Type() string { return "exception_type" }

// Hash hashes by name.
func (c *ExcClass) Hash() (uint32, error) { return starlark.String(c.name).Hash() }

// Name is the exception type's name as err.type shows it.
func (c *ExcClass) Name() string { return c.name }

func init() {
	for _, n := range []string{"ProcessError", "BufferTooShort", "AuthenticationError", "TimeoutError", "WorkerLostError"} {
		register("multiprocessing", n, &ExcClass{name: n})
	}
	register("queue", "Empty", &ExcClass{name: "queue.Empty"})
	register("queue", "Full", &ExcClass{name: "queue.Full"})
}
