package csv

// The reader: Python's _csv state machine, fed line by line from any
// iterable of strings (a file object, a list of lines).

import (
	"strconv"
	"strings"

	"go.starlark.net/starlark"
)

// parser states, as in CPython's _csv.c.
type state int

const (
	startRecord state = iota
	startField
	escapedChar
	inField
	inQuotedField
	escapeInQuotedField
	quoteInQuotedField
	eatCRNL
	afterEscapedCRNL
)

// eol marks the end of a line given to the parser.
const eol = -1

// parser turns characters into the fields of one record.
type parser struct {
	d       dialect
	state   state
	field   strings.Builder
	fields  []starlark.Value
	numeric bool // the field is unquoted and QUOTE_NONNUMERIC is on
}

func (p *parser) reset() {
	p.state, p.fields, p.numeric = startRecord, nil, false
	p.field.Reset()
}

// save ends the current field.
func (p *parser) save() error {
	s := p.field.String()
	p.field.Reset()
	if p.numeric {
		p.numeric = false
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return valueError("could not convert string to float: '%s'", s)
		}
		p.fields = append(p.fields, starlark.Float(f))
		return nil
	}
	p.fields = append(p.fields, starlark.String(s))
	return nil
}

// endOfLine handles a line break or eol, which both end an unquoted field.
func (p *parser) endOfLine(c rune) error {
	err := p.save()
	if c == eol {
		p.state = startRecord
	} else {
		p.state = eatCRNL
	}
	return err
}

func isEOL(c rune) bool { return c == '\n' || c == '\r' || c == eol }

// char feeds one character (or eol) to the state machine.
func (p *parser) char(c rune) error {
	d := &p.d
	switch p.state {
	case startRecord:
		if c == eol {
			return nil
		}
		if c == '\n' || c == '\r' {
			p.state = eatCRNL
			return nil
		}
		p.state = startField
		return p.char(c)
	case startField:
		switch {
		case isEOL(c):
			return p.endOfLine(c)
		case c == d.quotechar && d.quoting != quoteNone:
			p.state = inQuotedField
		case c == d.escapechar && c != 0:
			p.state = escapedChar
		case c == ' ' && d.skipinitialspace:
		case c == d.delimiter:
			return p.save()
		default:
			p.numeric = d.quoting == quoteNonnumeric
			p.field.WriteRune(c)
			p.state = inField
		}
	case escapedChar:
		if c == '\n' || c == '\r' {
			p.field.WriteRune(c)
			p.state = afterEscapedCRNL
			return nil
		}
		if c == eol {
			c = '\n'
		}
		p.field.WriteRune(c)
		p.state = inField
	case afterEscapedCRNL, inField:
		if p.state == afterEscapedCRNL && c == eol {
			return nil
		}
		p.state = inField
		switch {
		case isEOL(c):
			return p.endOfLine(c)
		case c == d.escapechar && c != 0:
			p.state = escapedChar
		case c == d.delimiter:
			p.state = startField
			return p.save()
		default:
			p.field.WriteRune(c)
		}
	case inQuotedField:
		switch {
		case c == eol:
		case c == d.escapechar && c != 0:
			p.state = escapeInQuotedField
		case c == d.quotechar && d.quoting != quoteNone:
			p.state = inField
			if d.doublequote {
				p.state = quoteInQuotedField
			}
		default:
			p.field.WriteRune(c)
		}
	case escapeInQuotedField:
		if c == eol {
			c = '\n'
		}
		p.field.WriteRune(c)
		p.state = inQuotedField
	case quoteInQuotedField:
		switch {
		case d.quoting != quoteNone && c == d.quotechar:
			p.field.WriteRune(c)
			p.state = inQuotedField
		case c == d.delimiter:
			p.state = startField
			return p.save()
		case isEOL(c):
			return p.endOfLine(c)
		case !d.strict:
			p.field.WriteRune(c)
			p.state = inField
		default:
			return csvError("'%c' expected after '%c'", d.delimiter, d.quotechar)
		}
	case eatCRNL:
		switch {
		case c == '\n' || c == '\r':
		case c == eol:
			p.state = startRecord
		default:
			return csvError("new-line character seen in unquoted field - do you need to open the file in universal-newline mode?")
		}
	}
	return nil
}

// Reader is csv.reader: the rows (lists of strings) of an iterable of
// lines. Starlark's for loops cannot report an error from an iterator, so
// the reader parses all its input when it is made and fails then; iterating
// consumes the rows, as iterating Python's reader does.
type Reader struct {
	object
	rows     []starlark.Value
	lineNums []int // the line number after each row
	next     int
}

// newReader parses the lines of src.
func newReader(src starlark.Value, d dialect) (*Reader, error) {
	if _, ok := src.(starlark.Iterable); !ok {
		return nil, typeError("argument 1 must be an iterator")
	}
	r := &Reader{object: object{typ: "_csv.reader"}}
	p := parser{d: d}
	lines := starlark.Iterate(src)
	defer lines.Done()
	lineNum := 0
	var line starlark.Value
	for lines.Next(&line) {
		s, ok := line.(starlark.String)
		if !ok {
			return nil, csvError("iterator should return strings, not %s (the file should be opened in text mode)", line.Type())
		}
		lineNum++
		if err := p.feed(string(s)); err != nil {
			return nil, err
		}
		if p.state == startRecord {
			r.add(&p, lineNum)
		}
	}
	if p.field.Len() > 0 || p.state == inQuotedField {
		if d.strict {
			return nil, csvError("unexpected end of data")
		}
		if err := p.save(); err != nil {
			return nil, err
		}
		r.add(&p, lineNum)
	}
	return r, nil
}

// add takes the parsed record as the next row.
func (r *Reader) add(p *parser, lineNum int) {
	r.rows = append(r.rows, starlark.NewList(p.fields))
	r.lineNums = append(r.lineNums, lineNum)
	p.reset()
}

// feed parses one line.
func (p *parser) feed(line string) error {
	for _, c := range line {
		if c == 0 {
			return csvError("line contains NUL")
		}
		if err := p.char(c); err != nil {
			return err
		}
	}
	return p.char(eol)
}

// row returns the next row, or nil after the last.
func (r *Reader) row() *starlark.List {
	if r.next == len(r.rows) {
		return nil
	}
	r.next++
	return r.rows[r.next-1].(*starlark.List)
}

// Iterate implements starlark.Iterable: the rows not read yet.
func (r *Reader) Iterate() starlark.Iterator {
	return &rowIterator{next: func() starlark.Value { return orNil(r.row()) }}
}

// Attr implements starlark.HasAttrs.
func (r *Reader) Attr(name string) (starlark.Value, error) {
	if name == "line_num" {
		if r.next == 0 {
			return starlark.MakeInt(0), nil
		}
		return starlark.MakeInt(r.lineNums[r.next-1]), nil
	}
	return nil, nil
}

// AttrNames implements starlark.HasAttrs.
func (r *Reader) AttrNames() []string { return []string{"line_num"} }

// rowIterator iterates over the values next returns until it returns nil.
type rowIterator struct{ next func() starlark.Value }

// Next implements starlark.Iterator.
func (it *rowIterator) Next(p *starlark.Value) bool {
	v := it.next()
	if v == nil {
		return false
	}
	*p = v
	return true
}

// Done implements starlark.Iterator.
func (it *rowIterator) Done() {}

// orNil turns a nil *List into a nil Value.
func orNil(l *starlark.List) starlark.Value {
	if l == nil {
		return nil
	}
	return l
}
