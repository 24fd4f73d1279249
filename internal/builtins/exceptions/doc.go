// Package exceptions is mpstar's table of Python exception types: every type
// the runtime raises, as a typed value with its base class, so that Go code
// raises CPython's exceptions without spelling type names as strings and
// scripts test them with err.is_a walking Python's hierarchy.
//
// It imports only go.starlark.net, so every layer above the engine (the
// builtins core, the managers, the pool bindings and the lib/* modules) can
// use it.
//
// # Raising
//
// A builtin returns an *Error made from a type of the table:
//
//	return nil, exceptions.ValueError.Errorf("%s: bad value %d", b.Name(), n)
//	return nil, exceptions.EOFError.New("")
//	return nil, exceptions.KeyError.WithArgs(k.String(), starlark.Tuple{k})
//
// The message is what str(exc) shows in Python, and what the uncaught
// error's last line "Type: message" and err.message show in mpstar.
//
// # Finding the type of an error
//
// TypeOf returns the type of the *Error in an error's chain (nil for an
// error that carries none, such as a plain fail(), which scripts see as
// Error). Is(err, t) tells whether that type is t or derives from it, as
// Python's "except t:" would. Lookup finds a type by the name a script or a
// peer process gives ("ValueError", "queue.Empty", or an alias such as
// "multiprocessing.TimeoutError"); Named does the same but makes an ad hoc
// subtype of Exception for a name not in the table (an error received from
// a peer of another version), so that decoding never fails on a type name.
//
// # The hierarchy
//
// Types are declared in table.go with their base, in Python's order:
// BaseException > SystemExit, KeyboardInterrupt, Exception; Exception >
// ArithmeticError, LookupError, OSError, RuntimeError, ValueError, ... and
// multiprocessing's own (ProcessError > BufferTooShort, AuthenticationError,
// TimeoutError), queue.Empty and queue.Full. StarlarkError, named Error, is
// the type of a plain Starlark failure (fail("text")). TimeoutError is
// multiprocessing's (a ProcessError), the only one mpstar raises; Python's
// built-in TimeoutError (an OSError) is not in the table, as the two would
// share a name.
//
// Adding a type is one line in table.go; the package's tests fail when a
// type name written as a string anywhere in the module (for instance an
// mpcore error Kind) is missing from the table.
//
// # Types as Starlark values
//
// *Type is a starlark.Value that prints as Python's class does
// (<class 'queue.Empty'>); modules expose some (multiprocessing.ProcessError,
// queue.Empty), and err.is_a accepts them as well as their names. Calling
// a type makes an exception to raise, as in Python: fail(ValueError("bad"))
// (Construct, set by the builtins package, builds the error value).
package exceptions
