package csv

import (
	"fmt"
	"sort"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/value"
)

// Module csv is Python's csv module.
//
//	reader(csvfile, dialect="excel", **fmtparams) -> iterable of lists
//	writer(csvfile, dialect="excel", **fmtparams) -> writer
//	DictReader(f, fieldnames=None, restkey=None, restval=None, dialect="excel", **fmtparams)
//	DictWriter(f, fieldnames, restval="", extrasaction="raise", dialect="excel", **fmtparams)
//	list_dialects() -> list
//	QUOTE_MINIMAL, QUOTE_ALL, QUOTE_NONNUMERIC, QUOTE_NONE
//	Error
//
// fmtparams are delimiter, quotechar, escapechar, doublequote,
// skipinitialspace, lineterminator, quoting and strict; dialects are
// "excel", "excel-tab" and "unix". csvfile is any iterable of strings (a
// file object, a list of lines) for reading, and anything with a write
// method for writing. A writer has writerow(row) and writerows(rows); a
// DictWriter also writeheader(). A reader has line_num; a DictReader
// fieldnames.
//
// Differences from Python: a reader reads all its input when it is made,
// and bad input fails then, since Starlark's for loops cannot take an
// error from an iterator.
var Module = value.NewModule("csv", func() starlark.StringDict {
	return starlark.StringDict{
		"reader":           starlark.NewBuiltin("csv.reader", reader),
		"writer":           starlark.NewBuiltin("csv.writer", writer),
		"DictReader":       starlark.NewBuiltin("csv.DictReader", dictReader),
		"DictWriter":       starlark.NewBuiltin("csv.DictWriter", dictWriter),
		"list_dialects":    starlark.NewBuiltin("csv.list_dialects", listDialects),
		"QUOTE_MINIMAL":    starlark.MakeInt(quoteMinimal),
		"QUOTE_ALL":        starlark.MakeInt(quoteAll),
		"QUOTE_NONNUMERIC": starlark.MakeInt(quoteNonnumeric),
		"QUOTE_NONE":       starlark.MakeInt(quoteNone),
		"Error":            exceptions.CSVError,
	}
})

func csvError(format string, args ...any) error { return exceptions.CSVError.Errorf(format, args...) }

func typeError(format string, args ...any) error { return exceptions.TypeError.Errorf(format, args...) }

func valueError(format string, args ...any) error {
	return exceptions.ValueError.Errorf(format, args...)
}

// withDialect unpacks a call's parameters, given as UnpackArgs pairs,
// followed by dialect, and returns the dialect the call asks for with its
// **fmtparams overrides.
func withDialect(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple, pairs ...any) (dialect, error) {
	fmtKw, rest := splitKwargs(kwargs)
	var name starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, rest, append(pairs, "dialect?", &name)...); err != nil {
		return dialect{}, err
	}
	return newDialect(name, fmtKw)
}

// def reader(csvfile, dialect="excel", **fmtparams)
func reader(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return onFile(b, args, kwargs, newReader)
}

// def writer(csvfile, dialect="excel", **fmtparams)
func writer(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return onFile(b, args, kwargs, newWriter)
}

// onFile makes the reader or writer of a (csvfile, dialect, **fmtparams)
// call.
func onFile[T starlark.Value](b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple, build func(starlark.Value, dialect) (T, error)) (starlark.Value, error) {
	var csvfile starlark.Value
	d, err := withDialect(b, args, kwargs, "csvfile", &csvfile)
	if err != nil {
		return nil, err
	}
	v, err := build(csvfile, d)
	if err != nil {
		return nil, err
	}
	return v, nil
}

// def DictReader(f, fieldnames=None, restkey=None, restval=None, dialect="excel", **fmtparams)
func dictReader(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var f starlark.Value
	var fieldnames, restkey, restval starlark.Value = starlark.None, starlark.None, starlark.None
	d, err := withDialect(b, args, kwargs, "f", &f, "fieldnames?", &fieldnames, "restkey?", &restkey, "restval?", &restval)
	if err != nil {
		return nil, err
	}
	r, err := newReader(f, d)
	if err != nil {
		return nil, err
	}
	if it, ok := fieldnames.(starlark.Iterable); ok {
		var names []starlark.Value
		eachValue(it, func(v starlark.Value) error { names = append(names, v); return nil })
		fieldnames = starlark.NewList(names)
	}
	return &DictReader{object: object{typ: "csv.DictReader"}, r: r, fieldnames: fieldnames, restkey: restkey, restval: restval}, nil
}

// def DictWriter(f, fieldnames, restval="", extrasaction="raise", dialect="excel", **fmtparams)
func dictWriter(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var f starlark.Value
	var fieldnames starlark.Iterable
	var restval starlark.Value = starlark.String("")
	extrasaction := "raise"
	d, err := withDialect(b, args, kwargs, "f", &f, "fieldnames", &fieldnames, "restval?", &restval, "extrasaction?", &extrasaction)
	if err != nil {
		return nil, err
	}
	w, err := newWriter(f, d)
	if err != nil {
		return nil, err
	}
	return newDictWriter(w, fieldnames, restval, extrasaction)
}

// def list_dialects()
func listDialects(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	var names []string
	for n := range dialects {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]starlark.Value, len(names))
	for i, n := range names {
		out[i] = starlark.String(n)
	}
	return starlark.NewList(out), nil
}

// object is what the csv values share: a type name and methods.
type object struct {
	typ     string
	methods map[string]*starlark.Builtin
}

// String implements starlark.Value.
func (o *object) String() string { return fmt.Sprintf("<%s object>", o.typ) }

// Type implements starlark.Value.
func (o *object) Type() string { return o.typ }

// Freeze implements starlark.Value: readers and writers stay usable.
func (o *object) Freeze() {}

// Truth implements starlark.Value.
func (o *object) Truth() starlark.Bool { return true }

// Hash fails: the values are stateful.
func (o *object) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: %s", o.typ) }

// method returns the named method bound to recv, or nil.
func (o *object) method(recv starlark.Value, name string) starlark.Value {
	if m, ok := o.methods[name]; ok {
		return m.BindReceiver(recv)
	}
	return nil
}

// methodNames lists the methods and extra attribute names, sorted.
func (o *object) methodNames(extra ...string) []string {
	names := append([]string(nil), extra...)
	for n := range o.methods {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
