package manager

// The referent table (CPython: Server.id_to_obj and id_to_refcount).
//
// CPython counts references per object only, so a client that dies
// without saying goodbye leaks what it held. Here every reference belongs
// to a holder: a connection, or the server's own process (proxies the
// server itself decoded, such as the elements of a managed list that are
// proxies). A connection can release only what it holds itself, whatever
// another client knows, and when it closes everything it held is
// released.

import "sync"

// Object is a referent the server holds.
type Object struct {
	ID     uint64
	Typeid string
	Value  any
	refs   int // references from all holders; guarded by table.mu
}

// holder is one owner of references.
type holder struct {
	refs map[uint64]int // references held, by referent id
}

func newHolder() *holder { return &holder{refs: map[uint64]int{}} }

// table maps ids to referents and counts their references.
type table struct {
	mu     sync.Mutex
	lastID uint64
	objs   map[uint64]*Object
	local  *holder // references of the server's own process
}

func newTable() *table {
	return &table{objs: map[uint64]*Object{}, local: newHolder()}
}

// register adds a referent with one reference, held by h.
func (t *table) register(h *holder, v any, typeid string) uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lastID++
	id := t.lastID
	t.objs[id] = &Object{ID: id, Typeid: typeid, Value: v, refs: 1}
	h.refs[id]++
	return id
}

// get returns the referent with the given id.
func (t *table) get(id uint64) (*Object, bool) {
	t.mu.Lock()
	o, ok := t.objs[id]
	t.mu.Unlock()
	return o, ok
}

// incref adds a reference to referent id, held by h.
func (t *table) incref(h *holder, id uint64) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	o, ok := t.objs[id]
	if !ok {
		return &UnknownReferentError{id}
	}
	o.refs++
	h.refs[id]++
	return nil
}

// decref drops one reference h holds to each of ids. Ids h holds no
// reference to are ignored, so a confused or hostile client cannot free
// what others hold.
func (t *table) decref(h *holder, ids ...uint64) {
	if len(ids) == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, id := range ids {
		n := h.refs[id]
		if n == 0 {
			continue
		}
		if n == 1 {
			delete(h.refs, id)
		} else {
			h.refs[id] = n - 1
		}
		t.dropLocked(id, 1)
	}
}

// dropLocked removes n references from referent id, and the referent
// itself when none is left.
func (t *table) dropLocked(id uint64, n int) {
	o, ok := t.objs[id]
	if !ok {
		return
	}
	o.refs -= n
	if o.refs <= 0 {
		delete(t.objs, id)
	}
}

// detach ends the connection h stands for: its references go.
func (t *table) detach(h *holder) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for id, n := range h.refs {
		t.dropLocked(id, n)
	}
	h.refs = map[uint64]int{}
}

// count returns the number of live referents.
func (t *table) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.objs)
}
