package interp

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"

	"go.starlark.net/starlark"
)

// Compiled programs travel to children, as CPython's .pyc files spare it
// recompiling: a spawned or forkserver child executes the same script and
// loaded files the parent compiled, and parsing and compiling them again
// costs it about as much as everything else it does before running its
// target. The parent offers each module's compiled form in the children's
// preparation data, keyed by what the compilation depended on, and a child
// uses it only for exactly that file name, source and set of predeclared
// names; a file changed since the parent loaded it is compiled afresh.

// compile returns the program of one module and offers it to this
// process's children.
func (r *runner) compile(filename string, src []byte, predeclared starlark.StringDict) (*starlark.Program, error) {
	key := programKey(filename, src, predeclared)
	if b := r.rt.ParentExtra(key); b != nil {
		if prog, err := starlark.CompiledProgram(bytes.NewReader(b)); err == nil {
			r.rt.SetChildExtra(key, b)
			return prog, nil
		}
	}
	_, prog, err := starlark.SourceProgramOptions(FileOptions, filename, src, predeclared.Has)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if prog.Write(&buf) == nil {
		r.rt.SetChildExtra(key, buf.Bytes())
	}
	return prog, nil
}

// programKey names a compilation by everything it depends on besides the
// interpreter itself: the file name (positions in tracebacks), the source
// and which free names are predeclared.
func programKey(filename string, src []byte, predeclared starlark.StringDict) string {
	h := sha256.New()
	h.Write([]byte(filename))
	h.Write([]byte{0})
	h.Write(src)
	for _, name := range predeclared.Keys() { // sorted
		h.Write([]byte{0})
		h.Write([]byte(name))
	}
	return "compiled:" + hex.EncodeToString(h.Sum(nil))
}
