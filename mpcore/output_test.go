package mpcore

import (
	"bytes"
	"fmt"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// TestChildLineBeforeParentsReply: a line a child printed before telling
// its parent something comes before what the parent prints once told, as
// when CPython's children share their parent's stdout.
func TestChildLineBeforeParentsReply(t *testing.T) {
	const rounds = 300
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	sock := os.NewFile(uintptr(pair[0]), "sock")
	defer sock.Close()
	var buf bytes.Buffer
	out := OutputOf(&buf)
	c, err := Launch(LaunchConfig{Prep: &Prep{Payload: []byte(fmt.Sprint("print-then-signal:", rounds))}, FDs: []int{pair[1]}, Stdout: out})
	unix.Close(pair[1])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var b [1]byte
	for i := range rounds {
		if _, err := sock.Read(b[:]); err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		fmt.Fprintf(out, "parent %d\n", i)
		sock.Write(b[:])
	}
	c.Join(-1)
	var want bytes.Buffer
	for i := range rounds {
		fmt.Fprintf(&want, "child %d\nparent %d\n", i, i)
	}
	if buf.String() != want.String() {
		got, exp := buf.Bytes(), want.Bytes()
		at := 0
		for at < len(got) && at < len(exp) && got[at] == exp[at] {
			at++
		}
		t.Fatalf("output out of order at byte %d: got %.40q, want %.40q", at, got[at:], exp[at:])
	}
}
