package queue

// Passing a queue to another process (CPython: Queue.__getstate__ and
// __setstate__ in queues.py, which pickle the pipe ends and the locks).

// Handle is what another process needs to attach a queue: a small plain
// struct the caller serialises itself. The arena's descriptor FD must be
// carried to the other process (exec.Cmd.ExtraFiles or SCM_RIGHTS); the
// receiver replaces FD with the descriptor number it received (or -1 if it
// already maps the arena) before calling the Attach function for Kind.
type Handle struct {
	Kind    Kind   // which queue type the arena holds
	ArenaID uint64 // names the arena across processes
	FD      int    // the arena's memfd in the process that made the Handle
}

// handle returns the Handle of the queue r belongs to.
func (r *ring) handle() Handle {
	return Handle{Kind: r.kind, ArenaID: r.arena.ID, FD: r.arena.FD}
}

// FDs returns the descriptors a process must carry for the receiver to
// attach the queue: the arena's memfd.
func (h Handle) FDs() []int { return []int{h.FD} }
