package csv

// DictReader and DictWriter: rows as dicts keyed by the field names.

import (
	"strings"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/pytypes"
	"github.com/mpstar/mpstar/internal/builtins/value"
	"github.com/mpstar/mpstar/lib/internal/pyrepr"
)

// DictReader is csv.DictReader: each row a dict from the field names (the
// first row unless given) to the row's values.
type DictReader struct {
	object
	r          *Reader
	fieldnames starlark.Value // a list, or None before the header is read
	restkey    starlark.Value
	restval    starlark.Value
}

// names returns the field names, reading them from the first row if they
// were not given; nil if there is no row.
func (dr *DictReader) names() *starlark.List {
	if dr.fieldnames == starlark.None {
		if row := dr.r.row(); row != nil {
			dr.fieldnames = row
		}
	}
	l, _ := dr.fieldnames.(*starlark.List)
	return l
}

// row returns the next row as a dict, skipping blank lines; nil at the end.
func (dr *DictReader) row() starlark.Value {
	names := dr.names()
	if names == nil {
		return nil
	}
	row := dr.r.row()
	for row != nil && row.Len() == 0 {
		row = dr.r.row()
	}
	if row == nil {
		return nil
	}
	d := starlark.NewDict(names.Len())
	for i := 0; i < names.Len() && i < row.Len(); i++ {
		d.SetKey(names.Index(i), row.Index(i))
	}
	if row.Len() > names.Len() {
		var rest []starlark.Value
		for i := names.Len(); i < row.Len(); i++ {
			rest = append(rest, row.Index(i))
		}
		d.SetKey(dr.restkey, starlark.NewList(rest))
	}
	for i := row.Len(); i < names.Len(); i++ {
		d.SetKey(names.Index(i), dr.restval)
	}
	return d
}

// Iterate implements starlark.Iterable: the rows not read yet.
func (dr *DictReader) Iterate() starlark.Iterator { return &rowIterator{next: dr.row} }

// Attr implements starlark.HasAttrs.
func (dr *DictReader) Attr(name string) (starlark.Value, error) {
	switch name {
	case "fieldnames":
		if names := dr.names(); names != nil {
			return names, nil
		}
		return starlark.None, nil
	case "line_num":
		return dr.r.Attr(name)
	case "reader":
		return dr.r, nil
	case "restkey":
		return dr.restkey, nil
	case "restval":
		return dr.restval, nil
	}
	return nil, nil
}

// AttrNames implements starlark.HasAttrs.
func (dr *DictReader) AttrNames() []string {
	return []string{"fieldnames", "line_num", "reader", "restkey", "restval"}
}

// DictWriter is csv.DictWriter: writes dicts as rows in fieldnames order.
type DictWriter struct {
	object
	w           *Writer
	fieldnames  []starlark.Value
	restval     starlark.Value
	raiseExtras bool
}

// newDictWriter checks the arguments as Python does.
func newDictWriter(w *Writer, fieldnames starlark.Iterable, restval starlark.Value, extrasaction string) (*DictWriter, error) {
	lower := strings.ToLower(extrasaction)
	if lower != "raise" && lower != "ignore" {
		return nil, valueError("extrasaction (%s) must be 'raise' or 'ignore'", extrasaction)
	}
	dw := &DictWriter{object: object{typ: "csv.DictWriter", methods: dictWriterMethods.Table()}, w: w, restval: restval, raiseExtras: lower == "raise"}
	eachValue(fieldnames, func(v starlark.Value) error {
		dw.fieldnames = append(dw.fieldnames, v)
		return nil
	})
	return dw, nil
}

// writeRow writes one dict as a row.
func (dw *DictWriter) writeRow(thread *starlark.Thread, v starlark.Value) (starlark.Value, error) {
	m, ok := v.(starlark.IterableMapping)
	if !ok {
		return nil, exceptions.AttributeError.Errorf("'%s' object has no attribute 'keys'", pytypes.TypeName(v))
	}
	if dw.raiseExtras {
		if err := dw.checkExtras(m); err != nil {
			return nil, err
		}
	}
	row := make(starlark.Tuple, len(dw.fieldnames))
	for i, k := range dw.fieldnames {
		val, found, err := m.Get(k)
		if err != nil {
			return nil, err
		}
		if !found {
			val = dw.restval
		}
		row[i] = val
	}
	return dw.w.writeRow(thread, row)
}

// checkExtras fails for keys that are not field names, as Python does.
func (dw *DictWriter) checkExtras(m starlark.IterableMapping) error {
	var wrong []string
	for _, item := range m.Items() {
		known := false
		for _, k := range dw.fieldnames {
			if eq, _ := starlark.Equal(item[0], k); eq {
				known = true
				break
			}
		}
		if !known {
			wrong = append(wrong, pyrepr.Repr(item[0]))
		}
	}
	if wrong != nil {
		return valueError("dict contains fields not in fieldnames: %s", strings.Join(wrong, ", "))
	}
	return nil
}

var dictWriterMethods = value.NewMethods(func() map[string]*starlark.Builtin {
	return map[string]*starlark.Builtin{
		"writeheader": starlark.NewBuiltin("writeheader", writeheader),
		"writerow":    starlark.NewBuiltin("writerow", writerow),
		"writerows":   starlark.NewBuiltin("writerows", writerows),
	}
})

// def writeheader()
func writeheader(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	dw := b.Receiver().(*DictWriter)
	return dw.w.writeRow(thread, starlark.Tuple(dw.fieldnames))
}

// Attr implements starlark.HasAttrs.
func (dw *DictWriter) Attr(name string) (starlark.Value, error) {
	if name == "fieldnames" {
		return starlark.NewList(append([]starlark.Value(nil), dw.fieldnames...)), nil
	}
	return dw.method(dw, name), nil
}

// AttrNames implements starlark.HasAttrs.
func (dw *DictWriter) AttrNames() []string { return dw.methodNames("fieldnames") }
