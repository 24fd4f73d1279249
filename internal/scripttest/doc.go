// Package scripttest runs the Starlark test files of a package's testdata
// directory, as go.starlark.net runs its starlark/testdata/*.star.
//
// A file is split into chunks at lines "---"; each chunk runs as a module
// of its own, with fresh predeclared names. A line ending in
//
//	### "regexp"
//
// says that running the chunk must fail at that line (the innermost frame
// in the file, for an error in a function it calls) with an error whose
// text (Options.ErrorText) matches regexp; any other error fails the test.
// Chunks check values with go.starlark.net's starlarktest assert module
// (assert.eq, assert.ne, assert.true, assert.lt, assert.contains,
// assert.fails), freeze(x), matches(pattern, s), struct(**kwargs), and
// pyerr(f, *args, **kwargs), which calls f and returns the text of the
// error it fails with, or None: assertions on a Python exception's type
// and exact message read
//
//	assert.eq(pyerr(bytearray, -1), "ValueError: negative count")
package scripttest
