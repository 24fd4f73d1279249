package queue

// Moving items through the ring: framing, the put and get locks, streaming
// of items larger than the ring, and breaking the queue when a process dies
// in the middle of one. CPython's equivalent is Connection.send_bytes and
// recv_bytes on the queue's pipe (connection.py) under the queue's wlock and
// rlock (queues.py).

import (
	"encoding/binary"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/mpstar/mpstar/mpcore/shm"
)

// frameHeader is the length prefix of every item in the ring: a
// little-endian uint64.
const frameHeader = 8

// maxItem bounds item lengths, so that a corrupt length is recognised.
const maxItem = 1 << 40

// probeInterval is how often a process waiting on the other side in the
// middle of a streamed item checks that the other side is still alive.
const probeInterval = 100 * time.Millisecond

// Why a queue is broken (the status word).
const (
	statusOK = iota
	statusWriterDied
	statusReaderDied
	statusCorrupt
)

// err returns nil, or the error that says why the queue is broken.
func (r *ring) err() error {
	switch atomic.LoadUint32(r.status) {
	case statusOK:
		return nil
	case statusWriterDied:
		return r.brokenError("process %d died while putting an item larger than the queue's buffer; the item cannot be completed", atomic.LoadUint32(r.statusPID))
	case statusReaderDied:
		return r.brokenError("process %d died while getting an item larger than the queue's buffer; the rest of the item cannot be read", atomic.LoadUint32(r.statusPID))
	default:
		return r.brokenError("its shared memory holds an invalid item length (overwritten by another program?)")
	}
}

// brokenError returns an ErrBroken instance naming the queue and the cause.
func (r *ring) brokenError(format string, args ...any) error {
	return &Error{Kind: ErrBroken.Kind, of: ErrBroken,
		Msg: fmt.Sprintf("%s %016x is broken and cannot be used any more: %s", r.kind, r.arena.ID, fmt.Sprintf(format, args...))}
}

// breakQueue records why the queue can no longer be used (the first reason
// wins) and wakes every sleeper so that it sees the error.
func (r *ring) breakQueue(status, pid uint32) error {
	if atomic.LoadUint32(r.status) == statusOK {
		atomic.StoreUint32(r.statusPID, pid)
		atomic.CompareAndSwapUint32(r.status, statusOK, status)
	}
	for _, e := range []event{r.dataEv, r.spaceEv, r.slotEv, r.joinEv} {
		atomic.StoreUint32(e.flag, 1)
		e.notify()
	}
	return r.err()
}

// broken reports whether the queue is broken.
func (r *ring) broken() bool { return atomic.LoadUint32(r.status) != statusOK }

// ---- positions and bytes ----

// copyIn writes p into the ring at position pos, wrapping at the end.
func (r *ring) copyIn(pos uint64, p []byte) {
	n := copy(r.data[pos&r.mask:], p)
	copy(r.data, p[n:])
}

// copyOut reads len(p) bytes at position pos into p, wrapping at the end.
func (r *ring) copyOut(pos uint64, p []byte) {
	n := copy(p, r.data[pos&r.mask:])
	copy(p[n:], r.data)
}

// hasData reports whether unread bytes are published.
func (r *ring) hasData() bool {
	return atomic.LoadUint64(r.tail) != atomic.LoadUint64(r.head)
}

// room returns the free bytes after position t (the writer's tail),
// re-reading head only when the last value seen leaves less than want.
// The caller holds the put lock. headSeen may be far behind when other
// processes have been producing, hence the first test.
func (r *ring) room(t, want uint64) uint64 {
	if used := t - r.headSeen.Load(); used <= r.size && r.size-used >= want {
		return r.size - used
	}
	h := atomic.LoadUint64(r.head)
	r.headSeen.Store(h)
	return r.size - (t - h)
}

// publish makes the bytes before position t visible to consumers.
func (r *ring) publish(t uint64) {
	atomic.StoreUint64(r.tail, t)
	r.dataEv.notify()
}

// ---- slots (maxsize) ----

// reserve counts one more item in the queue, first waiting (as block and
// timeout say) while a bounded queue holds maxsize items. Like CPython's
// BoundedSemaphore, the count includes items still buffered in a producer.
func (r *ring) reserve(block bool, timeout time.Duration) error {
	if r.maxsize == 0 {
		atomic.AddUint64(r.putCount, 1)
		return nil
	}
	if r.tryReserve() {
		return nil
	}
	if !block {
		return ErrFull
	}
	c := limit(timeout)
	if !r.slotEv.wait(func() bool { return r.broken() || r.tryReserve() }, &c) {
		return ErrFull
	}
	return r.err()
}

// tryReserve takes a slot if there is one.
func (r *ring) tryReserve() bool {
	for {
		p := atomic.LoadUint64(r.putCount)
		if int64(p-atomic.LoadUint64(r.gotCount)) >= int64(r.maxsize) {
			return false
		}
		if atomic.CompareAndSwapUint64(r.putCount, p, p+1) {
			return true
		}
	}
}

// count returns the items put and not yet taken, including those buffered
// in producers. A consumer killed at the wrong instant can leave the
// counters one apart (see doc.go), so the difference is clamped at zero.
func (r *ring) count() int {
	n := int64(atomic.LoadUint64(r.putCount) - atomic.LoadUint64(r.gotCount))
	return int(max(n, 0))
}

// ---- producers ----

// lockPut takes the put lock (as block and timeout say). A previous holder
// that died while streaming an item left a partial frame behind, which
// breaks the queue.
func (r *ring) lockPut(block bool, timeout time.Duration) (bool, error) {
	if ok, err := r.putLock.Acquire(block, timeout); !ok || err != nil {
		return false, err
	}
	if pid := atomic.LoadUint32(r.streamWriter); pid != 0 {
		r.putLock.Release()
		return false, r.breakQueue(statusWriterDied, pid)
	}
	if err := r.err(); err != nil {
		r.putLock.Release()
		return false, err
	}
	return true, nil
}

// tryPut writes item if the put lock is free and the ring has room for it
// now, and reports whether it did.
func (r *ring) tryPut(item []byte) (bool, error) {
	n := frameHeader + uint64(len(item))
	if n > r.size {
		return false, nil
	}
	if ok, err := r.lockPut(false, 0); !ok {
		return false, err
	}
	t := atomic.LoadUint64(r.tail)
	ok := r.room(t, n) >= n
	if ok {
		r.publish(r.writeFrame(t, item))
	}
	r.putLock.Release()
	return ok, nil
}

// putAll writes items in order, waiting for the put lock and for room as
// long as it takes. Items that fit are published together when the ring
// fills or the batch ends; larger ones are streamed.
func (r *ring) putAll(items [][]byte) error {
	if _, err := r.lockPut(true, -1); err != nil {
		return err
	}
	defer r.putLock.Release()
	t := atomic.LoadUint64(r.tail)
	for _, item := range items {
		n := frameHeader + uint64(len(item))
		if n > r.size {
			r.publish(t)
			var err error
			if t, err = r.stream(t, item); err != nil {
				return err
			}
			continue
		}
		if r.room(t, n) < n {
			r.publish(t)
			if err := r.waitRoom(t, n); err != nil {
				return err
			}
		}
		t = r.writeFrame(t, item)
	}
	r.publish(t)
	return nil
}

// writeFrame writes item as a frame at position t and returns the position
// after it; the caller has checked the room.
func (r *ring) writeFrame(t uint64, item []byte) uint64 {
	var hdr [frameHeader]byte
	binary.LittleEndian.PutUint64(hdr[:], uint64(len(item)))
	r.copyIn(t, hdr[:])
	r.copyIn(t+frameHeader, item)
	return t + frameHeader + uint64(len(item))
}

// stream writes an item larger than the ring at position t, publishing it
// piece by piece as consumers make room, and returns the position after
// it. streamWriter names this process meanwhile, so that a death half-way
// is noticed (lockPut, probeWriter).
func (r *ring) stream(t uint64, item []byte) (uint64, error) {
	atomic.StoreUint32(r.streamWriter, selfPID)
	if err := r.waitRoom(t, frameHeader); err != nil {
		return t, err
	}
	var hdr [frameHeader]byte
	binary.LittleEndian.PutUint64(hdr[:], uint64(len(item)))
	r.copyIn(t, hdr[:])
	t += frameHeader
	for len(item) > 0 {
		free := r.room(t, 1)
		if free == 0 {
			r.publish(t)
			if err := r.waitRoom(t, 1); err != nil {
				return t, err
			}
			continue
		}
		n := min(free, uint64(len(item)))
		r.copyIn(t, item[:n])
		t += n
		item = item[n:]
		r.publish(t)
	}
	atomic.StoreUint32(r.streamWriter, 0)
	return t, nil
}

// waitRoom waits until want bytes after position t are free. The caller
// holds the put lock. While it waits it checks now and then that no
// consumer died half-way through a streamed item, which would leave the
// ring full for good.
func (r *ring) waitRoom(t, want uint64) error {
	ready := func() bool { return r.broken() || r.room(t, want) >= want }
	for c := probeTurn(); !r.spaceEv.wait(ready, &c); c = probeTurn() {
		if err := r.probe(r.getLock, r.streamReader, statusReaderDied); err != nil {
			return err
		}
	}
	return r.err()
}

// probe takes the other side's lock for an instant. shm's Mutex takes over
// a lock whose holder has died; if that holder was half-way through a
// streamed item (stream names it), the queue is broken.
func (r *ring) probe(lock *shm.Mutex, stream *uint32, status uint32) error {
	if ok, _ := lock.Acquire(true, time.Nanosecond); !ok {
		return nil
	}
	defer lock.Release()
	if pid := atomic.LoadUint32(stream); pid != 0 {
		return r.breakQueue(status, pid)
	}
	return nil
}

// ---- consumers ----

// get removes and returns the item at the head of the ring, waiting as
// block and timeout say (CPython's Queue.get). A consumer sleeps without
// the get lock, so one killed while waiting blocks nobody.
func (r *ring) get(block bool, timeout time.Duration) ([]byte, error) {
	c := limit(timeout)
	ready := func() bool { return r.hasData() || r.broken() }
	for {
		if err := r.err(); err != nil {
			return nil, err
		}
		if r.hasData() {
			ok, err := r.lockGet(block, &c)
			if err != nil {
				return nil, err
			}
			if ok {
				item, took, err := r.take()
				r.getLock.Release()
				if took || err != nil {
					return item, err
				}
				continue
			}
		}
		if !block || c.left() == 0 {
			return nil, ErrEmpty
		}
		if !r.dataEv.wait(ready, &c) {
			return nil, ErrEmpty
		}
	}
}

// lockGet takes the get lock, waiting within the time limit c, or only for
// an instant when !block (enough for another consumer to finish copying a
// small item, and for shm to take the lock over from a dead holder, which
// a plain try would never do). A previous holder that died while streaming
// an item left a partial frame behind, which breaks the queue.
func (r *ring) lockGet(block bool, c *clock) (bool, error) {
	ok, err := r.getLock.Acquire(false, 0)
	if !ok && err == nil {
		timeout := time.Nanosecond
		if block {
			timeout = c.left()
		}
		ok, err = r.getLock.Acquire(true, timeout)
	}
	if !ok || err != nil {
		return false, err
	}
	if pid := atomic.LoadUint32(r.streamReader); pid != 0 {
		r.getLock.Release()
		return false, r.breakQueue(statusReaderDied, pid)
	}
	return true, nil
}

// take removes the frame at the head, if one is there. The caller holds the
// get lock. An item that fits the ring is published whole, so it is read
// in one go; head moves only after the copy, so a consumer killed during it
// leaves the item for the next.
func (r *ring) take() ([]byte, bool, error) {
	h := atomic.LoadUint64(r.head)
	avail := atomic.LoadUint64(r.tail) - h
	if avail == 0 {
		return nil, false, nil
	}
	var hdr [frameHeader]byte
	r.copyOut(h, hdr[:])
	length := binary.LittleEndian.Uint64(hdr[:])
	n := frameHeader + length
	switch {
	case length >= maxItem || avail < frameHeader || (n <= r.size && avail < n):
		return nil, false, r.breakQueue(statusCorrupt, 0)
	case n > r.size:
		item, err := r.takeStream(h, length)
		return item, err == nil, err
	}
	item := make([]byte, length)
	r.copyOut(h+frameHeader, item)
	r.consumed(h + n)
	return item, true, nil
}

// consumed records one more item taken and frees the ring up to position
// h. The count goes first: a consumer killed in between makes the queue
// admit one item too many rather than lose a slot for good.
func (r *ring) consumed(h uint64) {
	atomic.AddUint64(r.gotCount, 1)
	atomic.StoreUint64(r.head, h)
	r.spaceEv.notify()
	if r.maxsize != 0 {
		r.slotEv.notify()
	}
}

// takeStream reads an item larger than the ring whose header is at
// position h, freeing the ring as it goes so that the producer can carry
// on. streamReader names this process meanwhile, so that a death half-way
// is noticed (lockGet, probe).
func (r *ring) takeStream(h, length uint64) ([]byte, error) {
	atomic.StoreUint32(r.streamReader, selfPID)
	item := make([]byte, length)
	pos, got := h+frameHeader, uint64(0)
	more := func() bool { return r.broken() || atomic.LoadUint64(r.tail) != pos }
	for {
		n := min(atomic.LoadUint64(r.tail)-pos, length-got)
		r.copyOut(pos, item[got:got+n])
		pos, got = pos+n, got+n
		if got == length {
			break
		}
		atomic.StoreUint64(r.head, pos)
		r.spaceEv.notify()
		for c := probeTurn(); !r.dataEv.wait(more, &c); c = probeTurn() {
			if err := r.probe(r.putLock, r.streamWriter, statusWriterDied); err != nil {
				return nil, err
			}
		}
		if err := r.err(); err != nil {
			return nil, err
		}
	}
	r.consumed(pos)
	atomic.StoreUint32(r.streamReader, 0)
	return item, nil
}

// isEmpty reports whether no item is published (CPython's Queue.empty: items
// still buffered in producers do not count).
func (r *ring) isEmpty() bool { return !r.hasData() }
