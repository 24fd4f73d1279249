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
)

// frameHeader is the prefix of every frame in the ring: a little-endian
// uint64 whose top two bits are the frame's kind and whose other bits are a
// length.
const frameHeader = 8

// The frame kinds. An item that fits the ring is one frameWhole. A larger
// one is streamed: a frameBegin with its total length, then frameChunks
// published one at a time as room appears. A producer that dies half-way
// leaves its stream unfinished; whoever takes its put lock over ends it
// with a frameAbort, and consumers discard the partial item.
const (
	frameWhole = uint64(0) << 62 // length, then that many item bytes
	frameBegin = uint64(1) << 62 // the total length of a streamed item; no bytes
	frameChunk = uint64(2) << 62 // length, then that many bytes of the streamed item
	frameAbort = uint64(3) << 62 // the streamed item will never be completed; no bytes
	frameKinds = uint64(3) << 62
)

// maxItem bounds item lengths, so that a corrupt length is recognised.
const maxItem = 1 << 40

// probeInterval is how often a process waiting on the other side in the
// middle of a streamed item checks that the other side is still alive.
const probeInterval = 100 * time.Millisecond

// Why a queue is broken (the status word): only when its memory holds
// something no mpstar process wrote. A process that dies moving an item
// breaks nothing (see doc.go).
const (
	statusOK = iota
	statusCorrupt
)

// err returns nil, or the error that says why the queue is broken.
func (r *ring) err() error {
	if atomic.LoadUint32(r.status) == statusOK {
		return nil
	}
	return &Error{Kind: ErrBroken.Kind, of: ErrBroken,
		Msg: fmt.Sprintf("%s %016x is broken and cannot be used any more: its shared memory holds an invalid frame (overwritten by another program?)", r.kind, r.arena.ID)}
}

// breakQueue records that the queue's memory is corrupt and wakes every
// sleeper so that it sees the error.
func (r *ring) breakQueue() error {
	atomic.StoreUint32(r.status, statusCorrupt)
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

// ---- frames ----

// frameAt returns the kind and length of the frame whose header is at
// position pos.
func (r *ring) frameAt(pos uint64) (kind, length uint64) {
	var hdr [frameHeader]byte
	r.copyOut(pos, hdr[:])
	v := binary.LittleEndian.Uint64(hdr[:])
	return v & frameKinds, v &^ frameKinds
}

// writeHeader writes a frame header of the given kind and length at
// position t and returns the position after it.
func (r *ring) writeHeader(t, kind, length uint64) uint64 {
	var hdr [frameHeader]byte
	binary.LittleEndian.PutUint64(hdr[:], kind|length)
	r.copyIn(t, hdr[:])
	return t + frameHeader
}

// ---- producers ----

// lockPut takes the put lock (as block and timeout say), first ending the
// stream of a previous holder that died half-way through one.
func (r *ring) lockPut(block bool, timeout time.Duration) (bool, error) {
	if ok, err := r.putLock.Acquire(block, timeout); !ok || err != nil {
		return false, err
	}
	ok, err := r.endDeadStream(block)
	if err == nil {
		err = r.err()
	}
	if !ok || err != nil {
		r.putLock.Release()
		return false, err
	}
	return true, nil
}

// endDeadStream is run by whoever takes the put lock: if its previous
// holder died streaming an item (streamWriter still names it), it appends
// a frameAbort so that consumers discard the partial item. Without block
// it gives up, reporting false, when the ring has no room for the frame.
func (r *ring) endDeadStream(block bool) (bool, error) {
	if atomic.LoadUint32(r.streamWriter) == 0 {
		return true, nil
	}
	t := atomic.LoadUint64(r.tail)
	if r.room(t, frameHeader) < frameHeader {
		if !block {
			return false, nil
		}
		if _, err := r.waitRoom(t, frameHeader, 0); err != nil {
			return false, err
		}
	}
	r.publish(r.writeHeader(t, frameAbort, 0))
	atomic.StoreUint32(r.streamWriter, 0)
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
			if _, err := r.waitRoom(t, n, 0); err != nil {
				return err
			}
		}
		t = r.writeFrame(t, item)
	}
	r.publish(t)
	return nil
}

// writeFrame writes item as a frameWhole at position t and returns the
// position after it; the caller has checked the room.
func (r *ring) writeFrame(t uint64, item []byte) uint64 {
	t = r.writeHeader(t, frameWhole, uint64(len(item)))
	r.copyIn(t, item)
	return t + uint64(len(item))
}

// stream writes an item larger than the ring at position t as a frameBegin
// and frameChunks, each published whole as consumers make room, and
// returns the position after it. streamWriter names this process
// meanwhile, so that a death half-way is noticed (endDeadStream). If the
// consumer receiving the item dies (endDeadRead), the item is gone with it
// and the rest is not written.
func (r *ring) stream(t uint64, item []byte) (uint64, error) {
	atomic.StoreUint32(r.streamWriter, selfPID)
	if _, err := r.waitRoom(t, frameHeader, 0); err != nil {
		return t, err
	}
	begin := t + 1
	t = r.writeHeader(t, frameBegin, uint64(len(item)))
	r.publish(t)
	for len(item) > 0 {
		// Waiting for half the ring keeps chunks large.
		want := min(frameHeader+uint64(len(item)), r.size/2)
		if lost, err := r.waitRoom(t, want, begin); lost || err != nil {
			atomic.StoreUint32(r.streamWriter, 0)
			return t, err
		}
		n := min(r.room(t, want)-frameHeader, uint64(len(item)))
		t = r.writeHeader(t, frameChunk, n)
		r.copyIn(t, item[:n])
		t += n
		item = item[n:]
		r.publish(t)
	}
	atomic.StoreUint32(r.streamWriter, 0)
	return t, nil
}

// waitRoom waits until want bytes after position t are free, or, for a
// streamed item whose frameBegin is at position begin-1, until its
// consumer dies (then it reports lost). The caller holds the put lock.
// While it waits it checks now and then that no consumer died half-way
// through a streamed item, which would leave the ring full for good.
func (r *ring) waitRoom(t, want, begin uint64) (lost bool, err error) {
	isLost := func() bool { return begin != 0 && atomic.LoadUint64(r.lostStream) == begin }
	ready := func() bool { return r.broken() || isLost() || r.room(t, want) >= want }
	for c := probeTurn(); !r.spaceEv.wait(ready, &c); c = probeTurn() {
		if ok, _ := r.getLock.Acquire(true, time.Nanosecond); ok {
			// The lock was free or its holder dead: see which.
			err := r.endDeadRead()
			r.getLock.Release()
			if err != nil {
				return false, err
			}
		}
	}
	return isLost(), r.err()
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
// an item took that item with it.
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
	if err := r.endDeadRead(); err != nil {
		r.getLock.Release()
		return false, err
	}
	return true, nil
}

// endDeadRead is run by whoever holds the get lock: if its previous holder
// died streaming an item (streamReader still names it), the item is gone
// with it, as any item a consumer dies holding. The item is counted as
// taken, its producer is told to stop (lostStream), and the rest of its
// frames are skipped, so that the queue goes on.
func (r *ring) endDeadRead() error {
	if atomic.LoadUint32(r.streamReader) != 0 {
		atomic.StoreUint64(r.lostStream, atomic.LoadUint64(r.readBegin))
		r.counted()
		atomic.StoreUint32(r.streamReader, 0)
		r.spaceEv.notify()
	}
	_, _, err := r.skipRemnants()
	return err
}

// headFrame is the frame at the head of the ring, as skipRemnants found it.
type headFrame struct {
	pos, avail   uint64 // the head, and the published bytes from it on
	kind, length uint64
}

// skipRemnants discards the chunk and abort frames at the head, which
// belong to a streamed item whose consumer or producer died, and returns
// the frame of another item that follows, if one does (ok). The caller
// holds the get lock. The head and tail are read once: the tail's cache
// line is the producer's, and each read of it may wait for that line.
func (r *ring) skipRemnants() (f headFrame, ok bool, err error) {
	for {
		f.pos = atomic.LoadUint64(r.head)
		f.avail = atomic.LoadUint64(r.tail) - f.pos
		if f.avail == 0 {
			return f, false, nil
		}
		f.kind, f.length = r.frameAt(f.pos)
		n := uint64(frameHeader)
		switch {
		case f.kind == frameChunk:
			n += f.length
		case f.kind != frameAbort:
			return f, true, nil
		}
		if f.avail < n || f.length >= maxItem {
			return f, false, r.breakQueue()
		}
		r.freed(f.pos + n)
	}
}

// take removes the item at the head, if one is there. The caller holds the
// get lock. An item that fits the ring is published whole, so it is read
// in one go; head moves only after the copy, so a consumer killed during it
// leaves the item for the next.
func (r *ring) take() ([]byte, bool, error) {
	for {
		f, more, err := r.skipRemnants()
		if !more || err != nil {
			return nil, false, err
		}
		n := frameHeader + f.length
		if f.length >= maxItem || (f.kind == frameWhole && (n > r.size || f.avail < n)) {
			return nil, false, r.breakQueue()
		}
		if f.kind == frameWhole {
			item := make([]byte, f.length)
			r.copyOut(f.pos+frameHeader, item)
			r.counted()
			r.freed(f.pos + n)
			return item, true, nil
		}
		item, err := r.takeStream(f.pos, f.length)
		if item != nil || err != nil {
			return item, err == nil, err
		}
		// The producer died half-way: on to the next item.
	}
}

// counted records one more item taken, and wakes producers waiting for a
// slot of a bounded queue. It goes before head moves: a consumer killed in
// between makes the queue admit one item too many rather than lose a slot
// for good.
func (r *ring) counted() {
	atomic.AddUint64(r.gotCount, 1)
	if r.maxsize != 0 {
		r.slotEv.notify()
	}
}

// freed frees the ring up to position h.
func (r *ring) freed(h uint64) {
	atomic.StoreUint64(r.head, h)
	r.spaceEv.notify()
}

// takeStream reads the item larger than the ring whose frameBegin is at
// position h, freeing the ring chunk by chunk so that the producer can
// carry on, and returns it; or nil if it ends in a frameAbort. streamReader
// names this process meanwhile, so that a death half-way is noticed
// (endDeadRead).
func (r *ring) takeStream(h, length uint64) ([]byte, error) {
	atomic.StoreUint64(r.readBegin, h+1)
	atomic.StoreUint32(r.streamReader, selfPID)
	pos := h + frameHeader
	r.freed(pos)
	item := make([]byte, 0, min(length, maxPrealloc))
	for uint64(len(item)) < length {
		if err := r.waitChunk(pos); err != nil {
			return nil, err
		}
		kind, n := r.frameAt(pos)
		avail := atomic.LoadUint64(r.tail) - pos
		switch {
		case kind == frameAbort:
			r.abandoned()
			atomic.StoreUint32(r.streamReader, 0)
			r.freed(pos + frameHeader)
			return nil, nil
		case kind != frameChunk || n > length-uint64(len(item)) || avail < frameHeader+n:
			return nil, r.breakQueue()
		}
		old := len(item)
		item = item[:old+int(n)]
		r.copyOut(pos+frameHeader, item[old:])
		pos += frameHeader + n
		if uint64(len(item)) < length {
			r.freed(pos)
		}
	}
	r.counted()
	atomic.StoreUint32(r.streamReader, 0)
	r.freed(pos)
	return item, nil
}

// maxPrealloc bounds what takeStream allocates before the bytes arrive, so
// that a corrupt length cannot exhaust memory up front.
const maxPrealloc = 64 << 20

// waitChunk waits until a frame is published at position pos, checking now
// and then that the producer of the item being streamed is alive: if it
// died, this consumer ends its stream (endDeadStream) and reads the abort.
func (r *ring) waitChunk(pos uint64) error {
	more := func() bool { return r.broken() || atomic.LoadUint64(r.tail) != pos }
	for c := probeTurn(); !r.dataEv.wait(more, &c); c = probeTurn() {
		if ok, _ := r.putLock.Acquire(true, time.Nanosecond); ok {
			_, err := r.endDeadStream(false)
			r.putLock.Release()
			if err != nil {
				return err
			}
		}
	}
	return r.err()
}

// abandoned counts the item a dead producer never finished as taken, so
// that it no longer holds a slot of a bounded queue nor counts in qsize,
// and as done for a JoinableQueue, whose join would otherwise wait for it
// for ever.
func (r *ring) abandoned() {
	r.counted()
	if r.kind == KindJoinableQueue {
		r.taskDone()
	}
}

// isEmpty reports whether no item is published (CPython's Queue.empty: items
// still buffered in producers do not count).
func (r *ring) isEmpty() bool { return !r.hasData() }
