package os

// os.stat_result and os.DirEntry.

import (
	"fmt"
	"os"
	"strings"
	"syscall"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/value"
	"github.com/mpstar/mpstar/lib/internal/oserror"
	"github.com/mpstar/mpstar/lib/internal/pyrepr"
)

// StatResult is os.stat_result: the fields of stat(2) by CPython's names,
// times as float seconds.
type StatResult struct {
	names  []string
	values []starlark.Value
}

var _ starlark.HasAttrs = (*StatResult)(nil)

// statResult converts a Go FileInfo from Stat or Lstat.
func statResult(fi os.FileInfo) *StatResult {
	st := fi.Sys().(*syscall.Stat_t)
	seconds := func(ts syscall.Timespec) starlark.Value {
		return starlark.Float(float64(ts.Sec) + float64(ts.Nsec)/1e9)
	}
	r := &StatResult{}
	for _, f := range []struct {
		name  string
		value starlark.Value
	}{
		{"st_mode", starlark.MakeUint(uint(st.Mode))},
		{"st_ino", starlark.MakeUint64(st.Ino)},
		{"st_dev", starlark.MakeUint64(st.Dev)},
		{"st_nlink", starlark.MakeUint64(uint64(st.Nlink))},
		{"st_uid", starlark.MakeUint(uint(st.Uid))},
		{"st_gid", starlark.MakeUint(uint(st.Gid))},
		{"st_size", starlark.MakeInt64(st.Size)},
		{"st_atime", seconds(st.Atim)},
		{"st_mtime", seconds(st.Mtim)},
		{"st_ctime", seconds(st.Ctim)},
	} {
		r.names = append(r.names, f.name)
		r.values = append(r.values, f.value)
	}
	return r
}

// String is CPython's repr, with the integer times CPython shows.
func (r *StatResult) String() string {
	fields := make([]string, len(r.names))
	for i, n := range r.names {
		v := r.values[i]
		if f, ok := v.(starlark.Float); ok {
			v = starlark.MakeInt64(int64(f))
		}
		fields[i] = n + "=" + v.String()
	}
	return "os.stat_result(" + strings.Join(fields, ", ") + ")"
}

// Type implements starlark.Value.
func (r *StatResult) Type() string { return "os.stat_result" }

// Freeze implements starlark.Value: a stat result is immutable.
func (r *StatResult) Freeze() {}

// Truth implements starlark.Value.
func (r *StatResult) Truth() starlark.Bool { return true }

// Hash fails: stat results are not used as keys.
func (r *StatResult) Hash() (uint32, error) {
	return 0, fmt.Errorf("unhashable type: 'os.stat_result'")
}

// Attr implements starlark.HasAttrs.
func (r *StatResult) Attr(name string) (starlark.Value, error) {
	for i, n := range r.names {
		if n == name {
			return r.values[i], nil
		}
	}
	return nil, nil
}

// AttrNames implements starlark.HasAttrs.
func (r *StatResult) AttrNames() []string { return append([]string(nil), r.names...) }

// DirEntry is os.DirEntry, one entry of scandir.
type DirEntry struct {
	entry os.DirEntry
	path  string
}

var _ starlark.HasAttrs = (*DirEntry)(nil)

// String is CPython's repr.
func (e *DirEntry) String() string {
	return "<DirEntry " + pyrepr.Repr(starlark.String(e.entry.Name())) + ">"
}

// Type implements starlark.Value.
func (e *DirEntry) Type() string { return "os.DirEntry" }

// Freeze implements starlark.Value.
func (e *DirEntry) Freeze() {}

// Truth implements starlark.Value.
func (e *DirEntry) Truth() starlark.Bool { return true }

// Hash fails, as for CPython's DirEntry.
func (e *DirEntry) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: 'os.DirEntry'") }

var direntryMethods = value.NewMethods(func() map[string]*starlark.Builtin {
	return map[string]*starlark.Builtin{
		"is_file":    starlark.NewBuiltin("is_file", direntryTest(func(fi os.FileInfo) bool { return fi.Mode().IsRegular() })),
		"is_dir":     starlark.NewBuiltin("is_dir", direntryTest(func(fi os.FileInfo) bool { return fi.IsDir() })),
		"is_symlink": starlark.NewBuiltin("is_symlink", direntryIsSymlink),
		"stat":       starlark.NewBuiltin("stat", direntryStat),
	}
})

// Attr implements starlark.HasAttrs.
func (e *DirEntry) Attr(name string) (starlark.Value, error) {
	switch name {
	case "name":
		return starlark.String(e.entry.Name()), nil
	case "path":
		return starlark.String(e.path), nil
	}
	return value.Attr(direntryMethods, e, name)
}

// AttrNames implements starlark.HasAttrs.
func (e *DirEntry) AttrNames() []string {
	return []string{"is_dir", "is_file", "is_symlink", "name", "path", "stat"}
}

// info stats the entry, following a symbolic link when follow is set.
func (e *DirEntry) info(follow bool) (os.FileInfo, error) {
	if follow && e.entry.Type()&os.ModeSymlink != 0 {
		return os.Stat(e.path)
	}
	return e.entry.Info()
}

// followArg unpacks follow_symlinks=True.
func followArg(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (bool, error) {
	follow := true
	err := starlark.UnpackArgs(b.Name(), args, kwargs, "follow_symlinks?", &follow)
	return follow, err
}

// direntryTest is is_file or is_dir: False when the entry cannot be
// examined (a dangling link).
func direntryTest(test func(os.FileInfo) bool) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		follow, err := followArg(b, args, kwargs)
		if err != nil {
			return nil, err
		}
		fi, err := b.Receiver().(*DirEntry).info(follow)
		return starlark.Bool(err == nil && test(fi)), nil
	}
}

func direntryIsSymlink(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return starlark.Bool(b.Receiver().(*DirEntry).entry.Type()&os.ModeSymlink != 0), nil
}

func direntryStat(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	follow, err := followArg(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	fi, err := b.Receiver().(*DirEntry).info(follow)
	if err != nil {
		return nil, oserror.From(err)
	}
	return statResult(fi), nil
}
