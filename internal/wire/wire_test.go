package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

// message is one of each field, as a decoder reads them.
func message() []byte {
	b := binary.AppendUvarint(nil, 300)
	b = binary.AppendVarint(b, -7)
	b = AppendBytes(b, "name")
	b = AppendBytes(b, []byte{})
	b = append(b, 9)
	return binary.AppendUvarint(b, 2) // a count of two one-byte items
}

func TestFieldsRoundTrip(t *testing.T) {
	r := Reader{B: append(message(), 'a', 'b')}
	if v := r.Uvarint(); v != 300 {
		t.Errorf("Uvarint = %d, want 300", v)
	}
	if v := r.Varint(); v != -7 {
		t.Errorf("Varint = %d, want -7", v)
	}
	if s := r.Text(); s != "name" {
		t.Errorf("Text = %q, want name", s)
	}
	if b := r.Bytes(); b != nil {
		t.Errorf("an empty byte string read as %q, want nil", b)
	}
	if v := r.Byte(); v != 9 {
		t.Errorf("Byte = %d, want 9", v)
	}
	if n := r.Count(); n != 2 {
		t.Errorf("Count = %d, want 2", n)
	}
	if err := r.End(); err == nil {
		t.Error("End with two bytes left = nil")
	}
	r.B = r.B[2:]
	if err := r.End(); err != nil {
		t.Errorf("End = %v", err)
	}
}

// TestShortDataFailsOnce cuts the message at every length: the reads fail
// with ErrMalformed, return zero values after the first failure, and End
// reports it.
func TestShortDataFailsOnce(t *testing.T) {
	msg := message()
	for n := range len(msg) {
		r := Reader{B: msg[:n]}
		r.Uvarint()
		r.Varint()
		_ = r.Text()
		r.Bytes()
		r.Byte()
		r.Count()
		if !errors.Is(r.End(), ErrMalformed) {
			t.Errorf("a message cut to %d bytes: End = %v, want ErrMalformed", n, r.End())
		}
		if r.B != nil || r.Byte() != 0 || r.Uvarint() != 0 {
			t.Errorf("a message cut to %d bytes: reads go on after the failure", n)
		}
	}
}

// TestCountCannotExceedTheData: a corrupt count fails instead of asking
// its decoder to allocate for items that were never sent.
func TestCountCannotExceedTheData(t *testing.T) {
	r := Reader{B: binary.AppendUvarint(nil, 1<<40)}
	if n := r.Count(); n != 0 || !errors.Is(r.Err, ErrMalformed) {
		t.Errorf("Count of 2^40 with no bytes after it = %d, %v", n, r.Err)
	}
}

// TestBytesCannotGrowIntoTheMessage: appending to a byte string read from
// a message must not overwrite the fields after it.
func TestBytesCannotGrowIntoTheMessage(t *testing.T) {
	msg := AppendBytes(AppendBytes(nil, "ab"), "cd")
	r := Reader{B: msg}
	_ = append(r.Bytes(), 'x')
	if s := r.Text(); s != "cd" {
		t.Errorf("the next field reads %q after an append to the first, want cd", s)
	}
	if !bytes.Equal(msg, AppendBytes(AppendBytes(nil, "ab"), "cd")) {
		t.Error("the message changed")
	}
}
