package mpcore

// The wire form of Prep (see PROTOCOL.md). It is written out by hand, not
// by a reflective codec: a child decodes exactly one Prep in its life, and
// msgpack's decoder spent most of that one use building its type tables
// (and its code made every binary 300 KB bigger).

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
)

// appendPrep appends the wire form of p: its Version as a uvarint, then
// every other field in declaration order.
func appendPrep(b []byte, p *Prep) []byte {
	b = binary.AppendUvarint(b, uint64(p.Version))
	b = appendString(b, p.Name)
	b = binary.AppendUvarint(b, uint64(len(p.Identity)))
	for _, n := range p.Identity {
		b = binary.AppendVarint(b, int64(n))
	}
	b = appendString(b, p.Authkey)
	b = append(b, boolByte(p.Daemon))
	b = binary.AppendVarint(b, int64(p.ParentPID))
	b = appendString(b, p.ParentName)
	b = appendString(b, p.StartMethod)
	b = appendString(b, p.Filename)
	b = appendString(b, p.Source)
	b = binary.AppendUvarint(b, uint64(len(p.Argv)))
	for _, s := range p.Argv {
		b = appendString(b, s)
	}
	b = appendString(b, p.Dir)
	b = appendString(b, p.Payload)
	b = binary.AppendUvarint(b, uint64(p.NumFDs))
	b = binary.AppendUvarint(b, uint64(len(p.Extra)))
	// Sorted, so that the same Prep is the same bytes.
	for _, k := range slices.Sorted(maps.Keys(p.Extra)) {
		b = appendString(b, k)
		b = appendString(b, p.Extra[k])
	}
	return b
}

// appendString appends s with its length before it.
func appendString[S string | []byte](b []byte, s S) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}

// maxFDs bounds a decoded NumFDs: far more descriptors than a process may
// hold, and a count that a corrupt length cannot turn negative.
const maxFDs = 1 << 24

// errPrepVersion is decodePrep's error for data of another Prep version.
var errPrepVersion = errors.New("parent and child are different mpstar builds")

// decodePrep decodes what appendPrep wrote. The byte strings of the result
// share msg's memory.
func decodePrep(msg []byte) (*Prep, error) {
	r := prepReader{b: msg}
	p := &Prep{Version: int(r.uvarint())}
	if r.err == nil && p.Version != prepVersion {
		return nil, fmt.Errorf("preparation data version %d, want %d: %w", p.Version, prepVersion, errPrepVersion)
	}
	p.Name = r.string()
	if n := r.count(); n > 0 {
		p.Identity = make([]int, n)
		for i := range p.Identity {
			p.Identity[i] = int(r.varint())
		}
	}
	p.Authkey = r.bytes()
	p.Daemon = r.byte() != 0
	p.ParentPID = int(r.varint())
	p.ParentName = r.string()
	p.StartMethod = r.string()
	p.Filename = r.string()
	p.Source = r.bytes()
	if n := r.count(); n > 0 {
		p.Argv = make([]string, n)
		for i := range p.Argv {
			p.Argv[i] = r.string()
		}
	}
	p.Dir = r.string()
	p.Payload = r.bytes()
	p.NumFDs = int(min(r.uvarint(), maxFDs))
	if n := r.count(); n > 0 {
		p.Extra = make(map[string][]byte, n)
		for range n {
			k := r.string()
			p.Extra[k] = r.bytes()
		}
	}
	if r.err == nil && len(r.b) > 0 {
		r.err = fmt.Errorf("%d bytes left over", len(r.b))
	}
	if r.err != nil {
		return nil, fmt.Errorf("cannot decode preparation data: %w", r.err)
	}
	return p, nil
}

// prepReader reads the parts of a Prep's wire form. After the first error
// every read returns a zero value, so decodePrep checks once at the end.
type prepReader struct {
	b   []byte
	err error
}

var errPrepShort = errors.New("truncated or malformed data")

func (r *prepReader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
	r.b = nil
}

func (r *prepReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail(errPrepShort)
		return 0
	}
	r.b = r.b[n:]
	return v
}

// varint reads a zig-zag encoded int, as binary.AppendVarint writes it.
func (r *prepReader) varint() int64 {
	ux := r.uvarint()
	if ux&1 != 0 {
		return ^int64(ux >> 1)
	}
	return int64(ux >> 1)
}

// count reads the length of a list, which cannot exceed the bytes left
// (every item takes at least one): corrupt data cannot make the decoder
// allocate more than it was sent.
func (r *prepReader) count() int {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail(errPrepShort)
		return 0
	}
	return int(n)
}

// bytes reads a byte string; an empty one is nil, as a Prep field left
// unset was.
func (r *prepReader) bytes() []byte {
	n := r.count()
	if n == 0 {
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *prepReader) string() string { return string(r.bytes()) }

func (r *prepReader) byte() byte {
	if len(r.b) == 0 {
		r.fail(errPrepShort)
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}
