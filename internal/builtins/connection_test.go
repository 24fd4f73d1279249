package builtins

import (
	"encoding/binary"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"go.starlark.net/starlark"
	"golang.org/x/sys/unix"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/mpcore/conn"
)

// recvAfter writes raw bytes into one end of a Pipe, closes it, and returns
// the error a script's recv() (or recv_bytes()) on the other end fails
// with. A deadline turns a hang into a test failure.
func recvAfter(t *testing.T, method string, raw []byte) *ErrorValue {
	t.Helper()
	a, b, err := conn.Pipe(true)
	if err != nil {
		t.Fatal(err)
	}
	_, w, _ := b.FDs()
	go func() {
		writeRaw(w, raw)
		b.Close()
	}()
	rt := NewRuntime(Config{})
	thread := &starlark.Thread{Name: t.Name()}
	rt.Attach(thread)
	c := NewConnection(a)
	defer a.Close()
	fn, _ := c.Attr(method)
	done := make(chan error, 1)
	go func() {
		_, err := starlark.Call(thread, fn, nil, nil)
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Fatalf("%s of %x succeeded", method, raw)
		}
		return ErrorFromGo(err)
	case <-time.After(10 * time.Second):
		t.Fatalf("%s of %x did not return within 10s", method, raw)
	}
	return nil
}

func writeRaw(fd int, p []byte) {
	for len(p) > 0 {
		n, err := unix.Write(fd, p)
		if err != nil {
			return
		}
		p = p[n:]
	}
}

func frame(payload []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(payload))), payload...)
}

// TestRecvRefusesBadInput: a peer writing a truncated frame, a 2^40 length,
// random bytes, or a message of an unknown codec version gets a clear
// EOFError or OSError, never a hang, a panic or a huge allocation.
func TestRecvRefusesBadInput(t *testing.T) {
	huge := append([]byte{0xff, 0xff, 0xff, 0xff}, binary.BigEndian.AppendUint64(nil, 1<<40)...)
	garbage := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range garbage {
		garbage[i] = byte(rng.IntN(256))
	}
	garbage[0] = 0 // a plausible length, followed by random payload
	for _, tc := range []struct {
		name, method string
		raw          []byte
		typ          *exceptions.Type
		msg          string
	}{
		{"truncated frame", "recv", frame([]byte{CodecVersion, 1, 2, 3})[:6], exceptions.EOFError, "end of file during message"},
		{"truncated header", "recv_bytes", []byte{0, 0}, exceptions.EOFError, "end of file during message header"},
		{"2^40 length", "recv_bytes", huge, exceptions.EOFError, "end of file during message of 1099511627776 bytes"},
		{"random bytes", "recv", garbage, nil, ""},
		{"unknown codec version", "recv", frame([]byte{9, 0xc0}), exceptions.OSError, "unsupported message version 9"},
		{"clean end of file", "recv", nil, exceptions.EOFError, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := recvAfter(t, tc.method, tc.raw)
			if tc.typ == nil {
				if !e.ErrType().IsA(exceptions.OSError) && !e.ErrType().IsA(exceptions.EOFError) {
					t.Fatalf("got %s, want an OSError or EOFError", e)
				}
				return
			}
			if e.ErrType() != tc.typ || !strings.Contains(e.Message(), tc.msg) {
				t.Fatalf("got %s, want %s containing %q", e, tc.typ.Name(), tc.msg)
			}
		})
	}
}
