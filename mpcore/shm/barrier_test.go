package shm

import (
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mpstar/mpstar/mpcore/internal/childtest"
)

const barrierRounds = 3

// Layout of the barrier test's record block: per round, how many parties
// got each index, then how many actions ran.
func arrivals(b Block, round, index int) *uint64 { return Word64(b.Bytes(), 8*(3*round+index)) }
func actions(b Block, round int) *uint64 {
	return Word64(b.Bytes(), 8*(3*barrierRounds+round))
}

// barrierRound waits at the barrier, with an action that counts itself;
// it checks the action ran before this party was released.
func barrierRound(bar *Barrier, rec Block, round int) error {
	i, err := bar.Wait(10*time.Second, func() error {
		atomic.AddUint64(actions(rec, round), 1)
		return nil
	})
	if err != nil {
		return err
	}
	atomic.AddUint64(arrivals(rec, round, i), 1)
	if atomic.LoadUint64(actions(rec, round)) != 1 {
		return fmt.Errorf("round %d: released before the action ran", round)
	}
	return nil
}

// childBarrier plays barrierRounds rounds at the barrier in blocks[0],
// recording in blocks[1].
func childBarrier(blocks []Block, arg string) error {
	bar, err := BarrierAt(blocks[0])
	if err != nil {
		return err
	}
	for r := range barrierRounds {
		if err := barrierRound(bar, blocks[1], r); err != nil {
			return err
		}
	}
	return nil
}

func TestBarrierAcrossProcesses(t *testing.T) {
	h := newTestHeap()
	bar, _ := NewBarrier(h, 3)
	rec, _ := h.Alloc(8 * 4 * barrierRounds)
	cmd1 := startChild(t, "barrier", "", bar.Block(), rec)
	cmd2 := startChild(t, "barrier", "", bar.Block(), rec)
	for r := range barrierRounds {
		if err := barrierRound(bar, rec, r); err != nil {
			t.Fatal(err)
		}
	}
	waitChild(t, cmd1)
	waitChild(t, cmd2)
	for r := range barrierRounds {
		for i := range 3 {
			if n := *arrivals(rec, r, i); n != 1 {
				t.Errorf("round %d: index %d given to %d parties, want 1", r, i, n)
			}
		}
		if n := *actions(rec, r); n != 1 {
			t.Errorf("round %d: action ran %d times, want 1", r, n)
		}
	}
	if bar.Broken() || bar.NWaiting() != 0 || bar.Parties() != 3 {
		t.Errorf("after the rounds: broken %v waiting %d parties %d", bar.Broken(), bar.NWaiting(), bar.Parties())
	}
}

func TestBarrierTimeoutBreaks(t *testing.T) {
	bar, _ := NewBarrier(newTestHeap(), 2)
	if _, err := bar.Wait(20*time.Millisecond, nil); !errors.Is(err, ErrBrokenBarrier) {
		t.Fatalf("lone Wait with a timeout: %v, want %v", err, ErrBrokenBarrier)
	}
	if !bar.Broken() {
		t.Error("a timeout did not break the barrier")
	}
	if _, err := bar.Wait(-1, nil); !errors.Is(err, ErrBrokenBarrier) {
		t.Errorf("Wait on a broken barrier: %v, want %v", err, ErrBrokenBarrier)
	}
	bar.Reset()
	if bar.Broken() {
		t.Error("Reset left the barrier broken")
	}
}

func TestBarrierActionErrorBreaks(t *testing.T) {
	bar, _ := NewBarrier(newTestHeap(), 1)
	boom := errors.New("boom")
	if _, err := bar.Wait(-1, func() error { return boom }); err != boom {
		t.Errorf("Wait whose action fails: %v, want the action's error", err)
	}
	if !bar.Broken() {
		t.Error("a failed action did not break the barrier")
	}
}

func TestBarrierAbortWakesWaiters(t *testing.T) {
	bar, _ := NewBarrier(newTestHeap(), 3)
	errs := make(chan error, 2)
	for range 2 {
		go func() { _, err := bar.Wait(10*time.Second, nil); errs <- err }()
	}
	childtest.Until(t, "two parties wait", func() bool { return bar.NWaiting() == 2 })
	bar.Abort()
	for range 2 {
		if err := <-errs; !errors.Is(err, ErrBrokenBarrier) {
			t.Errorf("waiter after Abort: %v, want %v", err, ErrBrokenBarrier)
		}
	}
}

func TestBarrierRejectsNoParties(t *testing.T) {
	if _, err := NewBarrier(newTestHeap(), 0); err == nil {
		t.Error("NewBarrier(0) succeeded")
	}
}
