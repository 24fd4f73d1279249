package os

// os.walk, lazily, so that a top-down walk sees the script's changes to
// dirnames (removing a name prunes that directory, as in CPython).

import (
	"os"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/lib/internal/gate"
	"github.com/mpstar/mpstar/lib/internal/oserror"
	"github.com/mpstar/mpstar/lib/ospath"
)

// def walk(top, topdown=True, followlinks=False): directories that cannot
// be read are skipped (CPython's onerror=None; there is no onerror).
func walk(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var top oserror.Path
	topdown := true
	var follow bool
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "top", &top, "topdown?", &topdown,
		"followlinks?", &follow); err != nil {
		return nil, err
	}
	if err := gate.Readable(thread, string(top)); err != nil {
		return nil, err // a tree outside the run's grants is refused, not skipped
	}
	w := &walker{thread: thread, follow: follow}
	if !topdown {
		return starlark.NewList(w.bottomUp(string(top))), nil
	}
	return &walkIterable{w: w, top: string(top)}, nil
}

// walker lists directories for walk, as the run of thread may.
type walker struct {
	thread *starlark.Thread
	follow bool
}

// list reads one directory into walk's triple; ok is false when it cannot
// be read (walk skips it, as CPython does without onerror).
func (w *walker) list(dir string) (triple starlark.Tuple, ok bool) {
	entries, err := gate.ReadDir(w.thread, dir)
	if err != nil {
		return nil, false
	}
	var dirs, files []starlark.Value
	for _, e := range entries {
		if e.IsDir() || e.Type()&os.ModeSymlink != 0 && isDir(ospath.Join(dir, e.Name())) {
			dirs = append(dirs, starlark.String(e.Name()))
		} else {
			files = append(files, starlark.String(e.Name()))
		}
	}
	return starlark.Tuple{starlark.String(dir), starlark.NewList(dirs), starlark.NewList(files)}, true
}

// descend lists the subdirectories of a triple to walk into, in order;
// symbolic links to directories only with followlinks.
func (w *walker) descend(triple starlark.Tuple) []string {
	dir := string(triple[0].(starlark.String))
	var out []string
	iter := starlark.Iterate(triple[1])
	if iter == nil {
		return nil
	}
	defer iter.Done()
	var v starlark.Value
	for iter.Next(&v) {
		name, ok := v.(starlark.String)
		if !ok {
			continue
		}
		p := ospath.Join(dir, string(name))
		if fi, err := os.Lstat(p); err == nil && (fi.IsDir() || w.follow && isDir(p)) {
			out = append(out, p)
		}
	}
	return out
}

// bottomUp is walk(topdown=False): each directory after its contents.
func (w *walker) bottomUp(dir string) []starlark.Value {
	triple, ok := w.list(dir)
	if !ok {
		return nil
	}
	var out []starlark.Value
	for _, sub := range w.descend(triple) {
		out = append(out, w.bottomUp(sub)...)
	}
	return append(out, triple)
}

// walkIterable is a top-down walk, run as the loop goes.
type walkIterable struct {
	w   *walker
	top string
}

// String implements starlark.Value.
func (it *walkIterable) String() string { return "<generator object walk>" }

// Type implements starlark.Value.
func (it *walkIterable) Type() string { return "generator" }

// Freeze implements starlark.Value.
func (it *walkIterable) Freeze() {}

// Truth implements starlark.Value.
func (it *walkIterable) Truth() starlark.Bool { return true }

// Hash implements starlark.Value.
func (it *walkIterable) Hash() (uint32, error) { return starlark.String(it.top).Hash() }

// Iterate starts the walk.
func (it *walkIterable) Iterate() starlark.Iterator {
	return &walkIterator{w: it.w, stack: []string{it.top}}
}

// walkIterator holds the directories still to visit; the last triple is
// expanded only when the next one is asked for, after the loop body ran.
type walkIterator struct {
	w     *walker
	stack []string
	last  starlark.Tuple
}

func (it *walkIterator) Next(p *starlark.Value) bool {
	if it.last != nil {
		subs := it.w.descend(it.last)
		for i := len(subs) - 1; i >= 0; i-- {
			it.stack = append(it.stack, subs[i])
		}
		it.last = nil
	}
	for len(it.stack) > 0 {
		dir := it.stack[len(it.stack)-1]
		it.stack = it.stack[:len(it.stack)-1]
		if triple, ok := it.w.list(dir); ok {
			it.last = triple
			*p = triple
			return true
		}
	}
	return false
}

func (it *walkIterator) Done() {}
