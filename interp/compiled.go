package interp

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"sync"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// Compiled programs travel to children, as CPython's .pyc files spare it
// recompiling: a child executes the same script and loaded files the
// parent compiled, and parsing and compiling them again costs it about as
// much as everything else it does before running its target. The parent
// offers each compiled program in the children's preparation data, keyed by
// what the compilation depended on, and a child uses it only for exactly
// that file name, source and set of predeclared names; a file changed since
// the parent loaded it is compiled afresh.
//
// There are two kinds: a module as the parent executed it (the main script
// under spawn and forkserver, and every loaded file), and the defs-only
// program of the main script that fork children and children of a REPL
// session execute, which the parent compiles for them when it starts one.

// The kinds of compiled programs, part of their keys.
const (
	moduleProgram   = "module"
	defsOnlyProgram = "defs-only"
)

// compile returns the program of one module, the parent's if it sent it,
// and keeps it for this process's children.
func (r *runner) compile(filename string, src []byte, predeclared starlark.StringDict) (*starlark.Program, error) {
	key := programKey(moduleProgram, filename, src, predeclared)
	b, prog := r.fromParent(key)
	if prog == nil {
		var err error
		if _, prog, err = starlark.SourceProgramOptions(fileOptions, filename, src, predeclared.Has); err != nil {
			return nil, err
		}
	}
	r.programs.keep(key, prog, b)
	return prog, nil
}

// defsOnly returns the defs-only program of the main script for the given
// snapshot names, and the predeclared names it executes with: the parent's
// compiled one if it sent it, else compiled here.
func (r *runner) defsOnly(names []string) (*starlark.Program, starlark.StringDict, error) {
	cfg := r.rt.Config()
	predeclared := r.defsPredeclared(names)
	if _, prog := r.fromParent(programKey(defsOnlyProgram, cfg.Filename, cfg.Source, predeclared)); prog != nil {
		return prog, predeclared, nil
	}
	prog, err := compileDefsOnly(cfg.Filename, cfg.Source, predeclared)
	return prog, predeclared, err
}

// defsPredeclared returns the predeclared names of a defs-only program:
// the module's, plus the snapshot's globals (bound when it arrives).
func (r *runner) defsPredeclared(names []string) starlark.StringDict {
	// CPython's fork child inherits __name__ == "__main__".
	predeclared := r.rt.Predeclared("__main__", r.rt.Config().Filename)
	for _, name := range names {
		predeclared[name] = starlark.None
	}
	return predeclared
}

// compileDefsOnly compiles the main script's top-level defs and loads only.
func compileDefsOnly(filename string, src []byte, predeclared starlark.StringDict) (*starlark.Program, error) {
	f, err := fileOptions.Parse(filename, src, 0)
	if err != nil {
		return nil, err
	}
	kept := f.Stmts[:0]
	for _, stmt := range f.Stmts {
		switch stmt.(type) {
		case *syntax.DefStmt, *syntax.LoadStmt:
			kept = append(kept, stmt)
		}
	}
	f.Stmts = kept
	return starlark.FileProgram(f, lenient(predeclared))
}

// lenient is the resolver's isPredeclared for code that may use globals it
// does not have yet: a fork child's defs, which mention globals the parent
// assigned after start(), and REPL chunks, whose functions may use globals
// later chunks assign. Every name that is not universal counts as
// predeclared, so a use of a missing one fails when it runs, as Python's
// NameError does, instead of when it compiles.
func lenient(predeclared starlark.StringDict) func(string) bool {
	return func(name string) bool {
		return predeclared.Has(name) || !starlark.Universe.Has(name)
	}
}

// programCache holds what a process hands its children: the modules it
// compiled, each encoded when the first child starts (a script that starts
// none pays nothing), and the last defs-only program, since a script
// starting fork children in a loop has the same globals each time.
type programCache struct {
	mu          sync.Mutex // starts may come from a Pool's goroutines
	modules     map[string]*starlark.Program
	encoded     map[string][]byte // by key, for every module encoded so far
	defsKey     string
	defsEncoded []byte
}

// keep records a module's program; b is its encoding if already known.
func (c *programCache) keep(key string, prog *starlark.Program, b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.modules == nil {
		c.modules, c.encoded = map[string]*starlark.Program{}, map[string][]byte{}
	}
	c.modules[key] = prog
	if b != nil {
		c.encoded[key] = b
	}
}

// childPrograms is the runtime's ChildPrograms.
func (r *runner) childPrograms(defsOnly bool, names []string) map[string][]byte {
	c := &r.programs
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string][]byte, len(c.modules)+1)
	for key, prog := range c.modules {
		if c.encoded[key] == nil {
			c.encoded[key] = encodeProgram(prog)
		}
		if b := c.encoded[key]; b != nil {
			out[key] = b
		}
	}
	if defsOnly {
		if key, b := r.defsProgram(names); b != nil {
			out[key] = b
		}
	}
	return out
}

// defsProgram compiles, for a child about to start, the defs-only program
// the child would otherwise compile itself. The caller holds r.programs.mu.
func (r *runner) defsProgram(names []string) (string, []byte) {
	c := &r.programs
	cfg := r.rt.Config()
	predeclared := r.defsPredeclared(names)
	key := programKey(defsOnlyProgram, cfg.Filename, cfg.Source, predeclared)
	if key != c.defsKey {
		prog, err := compileDefsOnly(cfg.Filename, cfg.Source, predeclared)
		if err != nil {
			return "", nil // the child reports it
		}
		c.defsKey, c.defsEncoded = key, encodeProgram(prog)
	}
	return c.defsKey, c.defsEncoded
}

// fromParent returns the program the parent offered under key, encoded
// and decoded, or nils.
func (r *runner) fromParent(key string) ([]byte, *starlark.Program) {
	b := r.rt.ParentExtra(key)
	if b == nil {
		return nil, nil
	}
	prog, err := starlark.CompiledProgram(bytes.NewReader(b))
	if err != nil {
		return nil, nil
	}
	return b, prog
}

// encodeProgram returns prog's compiled form, or nil if it has none.
func encodeProgram(prog *starlark.Program) []byte {
	var buf bytes.Buffer
	if prog.Write(&buf) != nil {
		return nil
	}
	return buf.Bytes()
}

// programKey names a compilation by everything it depends on besides the
// interpreter itself: the kind of program, the file name (positions in
// tracebacks), the source and which free names are predeclared.
func programKey(kind, filename string, src []byte, predeclared starlark.StringDict) string {
	h := sha256.New()
	for _, s := range []string{kind, filename} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	h.Write(src)
	h.Write(namesDigest(predeclared))
	return "compiled:" + hex.EncodeToString(h.Sum(nil))
}

// namesDigest digests a set of names whatever the order a map gives them
// in: the count and the sum of each name's FNV-1a hash. Sorting the
// hundred-odd predeclared names instead cost a spawned child more than
// hashing its source.
func namesDigest(d starlark.StringDict) []byte {
	var sum uint64
	for name := range d {
		h := uint64(14695981039346656037) // FNV-1a, inline: hash/fnv would copy each name
		for i := 0; i < len(name); i++ {
			h = (h ^ uint64(name[i])) * 1099511628211
		}
		sum += h
	}
	return binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, uint64(len(d))), sum)
}
