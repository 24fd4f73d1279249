package pool

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe" // ioctl(TIOCSPTLCK) takes a pointer to its argument

	"golang.org/x/sys/unix"
)

func TestProgressLine(t *testing.T) {
	p := &Progress{total: 1000}
	if got, want := p.line(0, 0), "["+strings.Repeat(" ", 30)+"] 0/1000   0% ETA --:--:--"; got != want {
		t.Errorf("line at 0:\n got %q\nwant %q", got, want)
	}
	if got, want := p.line(500, 2*time.Second), "["+strings.Repeat("#", 15)+strings.Repeat(" ", 15)+"] 500/1000  50% 250.0/s ETA 0:00:02"; got != want {
		t.Errorf("line at 500:\n got %q\nwant %q", got, want)
	}
	if got := p.line(1000, time.Second); !strings.Contains(got, "1000/1000 100% 1000.0/s ETA 0:00:00") {
		t.Errorf("line at the end: %q", got)
	}
}

func TestProgressRedrawsAtMostEveryInterval(t *testing.T) {
	var buf bytes.Buffer
	clock := time.Unix(0, 0)
	p := &Progress{w: &buf, total: 10, now: func() time.Time { return clock }}
	p.start = clock
	p.draw(0)
	p.Update(1) // too soon: not drawn
	clock = clock.Add(redrawEvery)
	p.Update(2)
	p.Finish(10)
	out := buf.String()
	if n := strings.Count(out, "\r"); n != 3 {
		t.Errorf("%d draws, want 3 (start, one update, finish): %q", n, out)
	}
	if !strings.HasSuffix(out, "10/10 100% 100.0/s ETA 0:00:00\x1b[K\n") {
		t.Errorf("output does not end at 100%%: %q", out)
	}
}

// TestProgressPlainLines: without a terminal, a line at most every
// lineEvery and one at the end, nothing at the start.
func TestProgressPlainLines(t *testing.T) {
	var buf bytes.Buffer
	clock := time.Unix(0, 0)
	p := NewProgress(&buf, 10, false, "map")
	p.now = func() time.Time { return clock }
	p.start, p.drawn = clock, clock
	p.Update(1) // too soon: not written
	clock = clock.Add(lineEvery)
	p.Update(4)
	p.Update(5) // too soon again
	p.Note("task 6 failed: ValueError: bad", 5)
	p.Finish(10)
	want := "map: 4/10 tasks done\ntask 6 failed: ValueError: bad\nmap: 10/10 tasks done\n"
	if got := buf.String(); got != want {
		t.Errorf("wrote %q, want %q", got, want)
	}
}

func TestIsTerminal(t *testing.T) {
	master, slave := openPty(t)
	if !IsTerminal(slave) {
		t.Error("IsTerminal(pty) = false")
	}
	if IsTerminal(master) == false {
		t.Log("the pty master is not a terminal here")
	}
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if IsTerminal(int(f.Fd())) {
		t.Error("IsTerminal(regular file) = true")
	}
}

// openPty opens a pseudo-terminal pair through /dev/ptmx.
func openPty(t *testing.T) (master, slave int) {
	t.Helper()
	master, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	t.Cleanup(func() { unix.Close(master) })
	var unlock int32
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(master), unix.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Fatalf("unlockpt: %v", e)
	}
	n, err := unix.IoctlGetInt(master, unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("ptsname: %v", err)
	}
	slave, err = unix.Open("/dev/pts/"+strconv.Itoa(n), unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("open pty slave: %v", err)
	}
	t.Cleanup(func() { unix.Close(slave) })
	return master, slave
}
