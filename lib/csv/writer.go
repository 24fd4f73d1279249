package csv

// The writer: rows to lines of the dialect, written through the write
// method of any file-like value.

import (
	"strings"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/value"

	"github.com/mpstar/mpstar/lib/pybuiltins"
)

// Writer is csv.writer.
type Writer struct {
	object
	write starlark.Callable // the file's write method
	d     dialect
}

// newWriter returns a writer to f, which must have a write method.
func newWriter(f starlark.Value, d dialect) (*Writer, error) {
	var write starlark.Value
	if ha, ok := f.(starlark.HasAttrs); ok {
		write, _ = ha.Attr("write")
	}
	fn, ok := write.(starlark.Callable)
	if !ok {
		return nil, typeError(`argument 1 must have a "write" method`)
	}
	return &Writer{object: object{typ: "_csv.writer", methods: writerMethods.Table()}, write: fn, d: d}, nil
}

// writeRow formats one row and writes it, returning what write returned.
func (w *Writer) writeRow(thread *starlark.Thread, row starlark.Value) (starlark.Value, error) {
	it, ok := row.(starlark.Iterable)
	if !ok {
		return nil, csvError("iterable expected, not %s", row.Type())
	}
	var line strings.Builder
	fields := starlark.Iterate(it)
	defer fields.Done()
	n, empty := 0, true
	var v starlark.Value
	for fields.Next(&v) {
		if n > 0 {
			line.WriteRune(w.d.delimiter)
		}
		s := fieldText(v)
		if err := w.appendField(&line, s, w.quoted(v)); err != nil {
			return nil, err
		}
		empty = empty && s == ""
		n++
	}
	if n == 1 && empty {
		// A lone empty field is quoted, or the line would read as no fields.
		if w.d.quoting == quoteNone {
			return nil, csvError("single empty field record must be quoted")
		}
		line.Reset()
		w.appendField(&line, "", true)
	}
	line.WriteString(w.d.lineterminator)
	return starlark.Call(thread, w.write, starlark.Tuple{starlark.String(line.String())}, nil)
}

// fieldText is the text of a field: "" for None, repr for a float, str(v)
// otherwise, as Python's.
func fieldText(v starlark.Value) string {
	switch v := v.(type) {
	case starlark.NoneType:
		return ""
	case starlark.String:
		return string(v)
	case starlark.Float: // repr, as Python's csv writes floats: 1000000000.0
		s, _ := pybuiltins.Format(v, "")
		return s
	}
	return v.String()
}

// quoted reports whether the quoting mode alone quotes v.
func (w *Writer) quoted(v starlark.Value) bool {
	switch w.d.quoting {
	case quoteAll:
		return true
	case quoteNonnumeric:
		switch v.(type) {
		case starlark.Int, starlark.Float, starlark.Bool:
			return false
		}
		return true
	}
	return false
}

// appendField writes one field, quoting or escaping the characters that
// need it, as Python's join_append does.
func (w *Writer) appendField(line *strings.Builder, s string, quoted bool) error {
	d := &w.d
	var body strings.Builder
	for _, c := range s {
		special := c == d.delimiter || c == d.escapechar && c != 0 || c == d.quotechar && c != 0 ||
			c == '\n' || c == '\r' || strings.ContainsRune(d.lineterminator, c)
		if special {
			escape := d.quoting == quoteNone
			if !escape {
				if c == d.quotechar {
					if d.doublequote {
						body.WriteRune(c)
					} else {
						escape = true
					}
				} else if c == d.escapechar {
					escape = true
				}
				quoted = quoted || !escape
			}
			if escape {
				if d.escapechar == 0 {
					return csvError("need to escape, but no escapechar set")
				}
				body.WriteRune(d.escapechar)
			}
		}
		body.WriteRune(c)
	}
	if quoted {
		line.WriteRune(d.quotechar)
		line.WriteString(body.String())
		line.WriteRune(d.quotechar)
	} else {
		line.WriteString(body.String())
	}
	return nil
}

var writerMethods = value.NewMethods(func() map[string]*starlark.Builtin {
	return map[string]*starlark.Builtin{
		"writerow":  starlark.NewBuiltin("writerow", writerow),
		"writerows": starlark.NewBuiltin("writerows", writerows),
	}
})

// rowWriter is a writer or a DictWriter: what writerow and writerows
// write to.
type rowWriter interface {
	writeRow(thread *starlark.Thread, row starlark.Value) (starlark.Value, error)
}

// def writerow(row), of a writer and a DictWriter (whose rows are dicts)
func writerow(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var row starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &row); err != nil {
		return nil, err
	}
	return b.Receiver().(rowWriter).writeRow(thread, row)
}

// def writerows(rows), of a writer and a DictWriter
func writerows(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var rows starlark.Iterable
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &rows); err != nil {
		return nil, err
	}
	w := b.Receiver().(rowWriter)
	return starlark.None, eachValue(rows, func(row starlark.Value) error {
		_, err := w.writeRow(thread, row)
		return err
	})
}

// eachValue calls f with each element of an iterable, stopping at an error.
func eachValue(it starlark.Iterable, f func(starlark.Value) error) error {
	iter := starlark.Iterate(it)
	defer iter.Done()
	var v starlark.Value
	for iter.Next(&v) {
		if err := f(v); err != nil {
			return err
		}
	}
	return nil
}

// Attr implements starlark.HasAttrs.
func (w *Writer) Attr(name string) (starlark.Value, error) { return w.method(w, name), nil }

// AttrNames implements starlark.HasAttrs.
func (w *Writer) AttrNames() []string { return w.methodNames() }
