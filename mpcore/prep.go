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

	"github.com/mpstar/mpstar/internal/wire"
)

// appendPrep appends the wire form of p: its Version as a uvarint, then
// every other field in declaration order.
func appendPrep(b []byte, p *Prep) []byte {
	b = binary.AppendUvarint(b, uint64(p.Version))
	b = wire.AppendBytes(b, p.Name)
	b = binary.AppendUvarint(b, uint64(len(p.Identity)))
	for _, n := range p.Identity {
		b = binary.AppendVarint(b, int64(n))
	}
	b = wire.AppendBytes(b, p.Authkey)
	b = append(b, boolByte(p.Daemon))
	b = binary.AppendVarint(b, int64(p.ParentPID))
	b = wire.AppendBytes(b, p.ParentName)
	b = wire.AppendBytes(b, p.StartMethod)
	b = wire.AppendBytes(b, p.Filename)
	b = wire.AppendBytes(b, p.Source)
	b = binary.AppendUvarint(b, uint64(len(p.Argv)))
	for _, s := range p.Argv {
		b = wire.AppendBytes(b, s)
	}
	b = wire.AppendBytes(b, p.Dir)
	b = wire.AppendBytes(b, p.Payload)
	b = binary.AppendUvarint(b, uint64(p.NumFDs))
	b = binary.AppendUvarint(b, uint64(len(p.Extra)))
	// Sorted, so that the same Prep is the same bytes.
	for _, k := range slices.Sorted(maps.Keys(p.Extra)) {
		b = wire.AppendBytes(b, k)
		b = wire.AppendBytes(b, p.Extra[k])
	}
	return b
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
	r := wire.Reader{B: msg}
	p := &Prep{Version: int(r.Uvarint())}
	if r.Err == nil && p.Version != prepVersion {
		return nil, fmt.Errorf("preparation data version %d, want %d: %w", p.Version, prepVersion, errPrepVersion)
	}
	p.Name = r.Text()
	if n := r.Count(); n > 0 {
		p.Identity = make([]int, n)
		for i := range p.Identity {
			p.Identity[i] = int(r.Varint())
		}
	}
	p.Authkey = r.Bytes()
	p.Daemon = r.Byte() != 0
	p.ParentPID = int(r.Varint())
	p.ParentName = r.Text()
	p.StartMethod = r.Text()
	p.Filename = r.Text()
	p.Source = r.Bytes()
	if n := r.Count(); n > 0 {
		p.Argv = make([]string, n)
		for i := range p.Argv {
			p.Argv[i] = r.Text()
		}
	}
	p.Dir = r.Text()
	p.Payload = r.Bytes()
	p.NumFDs = int(min(r.Uvarint(), maxFDs))
	if n := r.Count(); n > 0 {
		p.Extra = make(map[string][]byte, n)
		for range n {
			k := r.Text()
			p.Extra[k] = r.Bytes()
		}
	}
	if err := r.End(); err != nil {
		return nil, fmt.Errorf("cannot decode preparation data: %w", err)
	}
	return p, nil
}
