package shm

import (
	"fmt"
	"strconv"
	"testing"
)

// childReserve takes slots of the table in blocks[0] until it is full and
// fails unless it got exactly arg of them.
func childReserve(blocks []Block, arg string) error {
	t, err := PidTableAt(blocks[0])
	if err != nil {
		return err
	}
	want, _ := strconv.Atoi(arg)
	got := 0
	for t.Reserve() >= 0 {
		got++
	}
	if got != want {
		return fmt.Errorf("reserved %d slots, want %d", got, want)
	}
	return nil
}

// TestPidTableCapsTheRun: slots taken in one process are missing in
// another, and the slots of a process that exited without releasing them
// are free again.
func TestPidTableCapsTheRun(t *testing.T) {
	h := newTestHeap()
	table, err := NewPidTable(h, 4)
	if err != nil {
		t.Fatal(err)
	}
	mine := table.Reserve()
	if mine < 0 || table.Live() != 1 {
		t.Fatalf("first Reserve: slot %d, %d live", mine, table.Live())
	}
	// The child gets the three slots left, and dies holding them.
	waitChild(t, startChild(t, "reserve", "3", table.Block()))
	if n := table.Live(); n != 1 {
		t.Errorf("%d live slots after the child exited holding three, want 1", n)
	}
	for i := 0; i < 3; i++ {
		if table.Reserve() < 0 {
			t.Fatalf("reserve %d of a dead process's slots failed", i+1)
		}
	}
	if slot := table.Reserve(); slot >= 0 {
		t.Fatalf("Reserve on a full table gave slot %d", slot)
	}
	table.Release(mine, 1) // not the pid it holds: no effect
	if slot := table.Reserve(); slot >= 0 {
		t.Fatalf("Release with another pid freed slot %d", slot)
	}
	table.Release(mine, int(selfPID))
	if slot := table.Reserve(); slot != mine {
		t.Errorf("Reserve after Release gave slot %d, want %d", slot, mine)
	}
}

// TestPidTableFill: a filled slot belongs to the child's pid, not to the
// parent that reserved it.
func TestPidTableFill(t *testing.T) {
	table, err := NewPidTable(newTestHeap(), 1)
	if err != nil {
		t.Fatal(err)
	}
	slot := table.Reserve()
	cmd := startChild(t, "reserve", "0", table.Block()) // the table is full: it reserves nothing
	table.Fill(slot, cmd.Process.Pid)
	waitChild(t, cmd)
	if table.Live() != 0 {
		t.Error("the slot of an exited child still counts")
	}
}
