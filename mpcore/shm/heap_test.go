package shm

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestHeapAlignsAndGrows(t *testing.T) {
	h := NewHeap(64 << 10)
	first, err := h.Alloc(10)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[*Arena]bool{first.Arena: true}
	prevEnd := 0
	for range 2000 { // 2000 × 64 bytes is more than one 64 KiB arena
		b, err := h.Alloc(24)
		if err != nil {
			t.Fatal(err)
		}
		if b.Off%BlockAlign != 0 || b.Len != 24 || len(b.Bytes()) != 24 {
			t.Fatalf("block %+v: want 24 bytes at a multiple of %d", b, BlockAlign)
		}
		if b.Arena == first.Arena && b.Off < prevEnd {
			t.Fatalf("block at %d overlaps the previous one ending at %d", b.Off, prevEnd)
		}
		prevEnd = b.Off + b.Len
		seen[b.Arena] = true
	}
	if len(seen) < 2 {
		t.Errorf("heap used %d arena(s) for 128000 bytes of 64 KiB arenas, want it to grow", len(seen))
	}
}

func TestHeapBigRequestGetsOwnArena(t *testing.T) {
	h := NewHeap(64 << 10)
	small, _ := h.Alloc(8)
	big, err := h.Alloc(20 << 10) // more than a quarter of 64 KiB
	if err != nil {
		t.Fatal(err)
	}
	if big.Arena == small.Arena || big.Off != 0 || big.Arena.Size < 20<<10 {
		t.Errorf("big block %+v (arena size %d): want an arena of its own", big, big.Arena.Size)
	}
	next, _ := h.Alloc(8)
	if next.Arena != small.Arena {
		t.Errorf("small allocation after a big one moved to another arena")
	}
}

func TestHeapRejectsNegativeSize(t *testing.T) {
	if _, err := newTestHeap().Alloc(-1); err == nil {
		t.Error("Alloc(-1) succeeded")
	}
}

func TestAttachArenaTwiceMapsOnce(t *testing.T) {
	b, _ := newTestHeap().Alloc(16)
	fd, err := unix.Dup(b.Arena.FD)
	if err != nil {
		t.Fatal(err)
	}
	a, err := AttachArena(b.Arena.ID, fd)
	if err != nil {
		t.Fatal(err)
	}
	if a != b.Arena {
		t.Error("attaching a mapped arena returned a new mapping")
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); !errors.Is(err, unix.EBADF) {
		t.Errorf("duplicate descriptor %d still open (err %v), want it closed", fd, err)
	}
}

func TestAttachBlockChecksBounds(t *testing.T) {
	b, _ := newTestHeap().Alloc(16)
	a := b.Arena
	for _, c := range []struct{ off, n int }{{-1, 4}, {a.Size - 4, 8}, {0, a.Size + 1}, {8, -1}} {
		if _, err := AttachBlock(a.ID, -1, c.off, c.n); err == nil {
			t.Errorf("AttachBlock(off %d, len %d) in a %d-byte arena succeeded", c.off, c.n, a.Size)
		}
	}
	if _, err := AttachBlock(12345, -1, 0, 8); err == nil {
		t.Error("AttachBlock of an unknown arena without a descriptor succeeded")
	}
	if _, err := MutexAt(Block{Arena: a, Off: 4, Len: 16}, false); err == nil {
		t.Error("MutexAt on a misaligned block succeeded")
	}
	if _, err := SemaphoreAt(Block{Arena: a, Off: 0, Len: 8}); err == nil {
		t.Error("SemaphoreAt on a too-small block succeeded")
	}
}

// TestSharedMemoryCrossesProcessesAndNeverLeaks runs a child that plays
// parent: it allocates a block, has a grandchild write into it, and checks
// the write arrived through memory alone. Once both are gone, no process
// maps or holds the arena and nothing of it is in /dev/shm.
func TestSharedMemoryCrossesProcessesAndNeverLeaks(t *testing.T) {
	h := newTestHeap()
	report, _ := h.Alloc(16) // the leaker writes its arena ID here
	cmd := startChild(t, "leaker", "", report)
	waitChild(t, cmd)
	id := strings.TrimRight(string(report.Bytes()), "\x00")
	if id == "" {
		t.Fatal("leaker reported no arena")
	}
	name := "mpstar-" + id
	shm, _ := os.ReadDir("/dev/shm")
	for _, e := range shm {
		if strings.Contains(e.Name(), id) {
			t.Errorf("/dev/shm/%s left behind", e.Name())
		}
	}
	for _, pat := range []string{"/proc/[0-9]*/maps", "/proc/[0-9]*/fd/*"} {
		paths, _ := filepath.Glob(pat)
		for _, p := range paths {
			var data []byte
			if strings.Contains(p, "/fd/") {
				l, _ := os.Readlink(p)
				data = []byte(l)
			} else {
				data, _ = os.ReadFile(p)
			}
			if bytes.Contains(data, []byte(name)) {
				t.Errorf("%s still references arena %s", p, name)
			}
		}
	}
}

// childLeaker allocates a block from the default heap, has a grandchild
// write into it, checks the bytes, and reports the arena ID in blocks[0].
func childLeaker(blocks []Block, arg string) error {
	b, err := DefaultHeap().Alloc(64)
	if err != nil {
		return err
	}
	cmd, err := spawnChild("write", "hello from a child", b)
	if err != nil {
		return err
	}
	if err := cmd.Wait(); err != nil {
		return err
	}
	if got := string(bytes.TrimRight(b.Bytes(), "\x00")); got != "hello from a child" {
		return fmt.Errorf("parent sees %q in shared memory", got)
	}
	copy(blocks[0].Bytes(), fmt.Sprintf("%016x", b.Arena.ID))
	return nil
}
