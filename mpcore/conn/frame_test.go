package conn

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"runtime"
	"testing"
)

func TestFrameRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 100, coalesceLimit, coalesceLimit + 1, 1 << 20} {
		p := bytes.Repeat([]byte{byte(n)}, n)
		var buf bytes.Buffer
		if err := WriteFrame(&buf, p); err != nil {
			t.Fatal(err)
		}
		if buf.Len() != 4+n || binary.BigEndian.Uint32(buf.Bytes()) != uint32(n) {
			t.Fatalf("size %d: frame of %d bytes with header % x", n, buf.Len(), buf.Bytes()[:4])
		}
		got, err := ReadFrame(&buf, n)
		if err != nil || !bytes.Equal(got, p) {
			t.Fatalf("size %d: got %d bytes, %v", n, len(got), err)
		}
		if _, err := ReadFrame(&buf, n); err != io.EOF {
			t.Fatalf("after the last frame: got %v, want io.EOF", err)
		}
	}
}

func TestFrameLimitIsInclusive(t *testing.T) {
	var buf bytes.Buffer
	WriteFrame(&buf, make([]byte, 10))
	WriteFrame(&buf, make([]byte, 11))
	if _, err := ReadFrame(&buf, 10); err != nil {
		t.Fatalf("frame of exactly the limit: %v", err)
	}
	e := errorAs[*FrameTooLargeError](t, func() error { _, err := ReadFrame(&buf, 10); return err }())
	if e.Size != 11 || e.Max != 10 {
		t.Fatalf("got %+v", e)
	}
	if buf.Len() != 11 {
		t.Fatalf("the refused payload was read: %d bytes left, want 11", buf.Len())
	}
}

func TestLongHeaderForm(t *testing.T) {
	h := AppendHeader(nil, 0x7fffffff)
	if !bytes.Equal(h, []byte{0x7f, 0xff, 0xff, 0xff}) || HeaderLen(0x7fffffff) != 4 {
		t.Fatalf("largest short header: % x", h)
	}
	h = AppendHeader(nil, 0x80000000)
	want := []byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0x80, 0, 0, 0}
	if !bytes.Equal(h, want) || HeaderLen(0x80000000) != 12 {
		t.Fatalf("long header: % x, want % x", h, want)
	}
	// CPython accepts the long form for any size, even a small one.
	frame := append([]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 3}, "abc"...)
	got, err := ReadFrame(bytes.NewReader(frame), NoFrameLimit)
	if err != nil || string(got) != "abc" {
		t.Fatalf("long form of a small frame: %q, %v", got, err)
	}
}

// patternReader serves a frame header followed by n generated payload bytes,
// so multi-gigabyte frames can be read without a multi-gigabyte source.
type patternReader struct {
	header []byte
	n      int64
}

func (r *patternReader) Read(p []byte) (int, error) {
	if len(r.header) > 0 {
		k := copy(p, r.header)
		r.header = r.header[k:]
		return k, nil
	}
	if r.n == 0 {
		return 0, io.EOF
	}
	k := int(min(int64(len(p)), r.n))
	for i := range k {
		p[i] = byte(i)
	}
	r.n -= int64(k)
	return k, nil
}

func TestHugeHeaderAllocatesOnlyWhatArrives(t *testing.T) {
	for _, size := range []int{0x80000005, 1 << 40} {
		r := &patternReader{header: AppendHeader(nil, size), n: 1000}
		before := totalAlloc()
		_, err := ReadFrame(r, NoFrameLimit)
		if e := errorAs[*TruncatedFrameError](t, err); e.Size != size || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("size %d: %v", size, err)
		}
		if grew := totalAlloc() - before; grew > 2*eagerAlloc {
			t.Fatalf("size %d: a header alone made us allocate %d bytes", size, grew)
		}
		r = &patternReader{header: AppendHeader(nil, size)}
		errorAs[*FrameTooLargeError](t, func() error { _, err := ReadFrame(r, DefaultMaxFrame); return err }())
	}
}

func totalAlloc() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.TotalAlloc
}

func TestTruncatedHeader(t *testing.T) {
	for _, in := range [][]byte{{0}, {0, 0, 1}, {0xff, 0xff, 0xff, 0xff, 0, 0}} {
		_, err := ReadFrame(bytes.NewReader(in), NoFrameLimit)
		if e := errorAs[*TruncatedFrameError](t, err); e.Size != -1 {
			t.Fatalf("% x: %v", in, err)
		}
	}
}

func TestNegativeLengthIsMalformed(t *testing.T) {
	_, err := ReadFrame(bytes.NewReader([]byte{0xff, 0xff, 0xff, 0xfe, 1}), NoFrameLimit)
	errorAs[*MalformedFrameError](t, err)
}

// TestRandomBytes feeds garbage to the decoder: every outcome must be a
// frame or one of the documented errors, quickly and without panicking.
func TestRandomBytes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		in := make([]byte, rng.IntN(64))
		for i := range in {
			in[i] = byte(rng.Uint32())
		}
		r := bytes.NewReader(in)
		for {
			_, err := ReadFrame(r, 1<<20)
			if err == nil {
				continue
			}
			var tooLarge *FrameTooLargeError
			var malformed *MalformedFrameError
			var cut *TruncatedFrameError
			if err != io.EOF && !errors.As(err, &tooLarge) && !errors.As(err, &malformed) && !errors.As(err, &cut) {
				t.Fatalf("% x: unexpected error %v", in, err)
			}
			break
		}
	}
}
