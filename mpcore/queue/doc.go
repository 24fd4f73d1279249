// Package queue is the engine of multiprocessing's Queue, JoinableQueue and
// SimpleQueue (CPython: Lib/multiprocessing/queues.py). It moves opaque byte
// items between processes; encoding values into items is the caller's job.
//
// # Shared memory
//
// A queue is one shm arena (a memfd every process maps): a 4 KiB header and
// a byte ring whose size is a power of two (DefaultCapacity, 1 MiB, unless
// Options.Capacity says otherwise). The header puts what producers write,
// what consumers write and what sleepers write on separate cache lines:
//
//	line 0  magic, layout version, kind, ring size, maxsize, broken status
//	line 1  the put lock (shm.Mutex) — producers serialise on it
//	line 2  tail (ring position after the last published byte), items put,
//	        the pid of a producer streaming an oversized item
//	line 3  the get lock (shm.Mutex) — consumers serialise on it
//	line 4  head (position of the next unread byte), items taken,
//	        the pid of a consumer streaming an oversized item, where that
//	        item begins, and where the last item whose consumer died began
//	lines 5-8  events: data, space, slot, join (a futex word and a flag each)
//	line 9  JoinableQueue's unfinished-task count
//
// Positions are 64-bit byte counts that only grow; the ring offset is the
// position modulo the ring size. An item is a frame: a little-endian
// uint64 holding the frame's kind (top two bits) and the item's length,
// then its bytes, wrapping at the ring's end.
//
// # Moving an item
//
// A producer takes the put lock, copies the frame at tail, and only then
// stores the new tail (an atomic store): consumers never see a partial
// frame. A consumer checks head != tail without any lock, takes the get
// lock, copies the frame out, and only then stores the new head. Neither
// side holds a lock while it waits for the other: a consumer sleeps without
// the get lock, a producer that must wait for room does hold the put lock
// (the other producers would wait anyway).
//
// Waiting never costs a system call when nobody sleeps. Each event has a
// sequence word and a flag; a sleeper raises the flag, re-checks its
// condition and futex-waits on the sequence; a waker that changed the
// condition checks the flag and only when it is raised clears it, bumps
// the sequence and calls FUTEX_WAKE. Before sleeping a waiter polls its
// condition briefly, then yields the CPU a few times, because the other
// process usually answers within a microsecond or two.
//
// A producer remembers the head it last read and re-reads the consumers'
// cache line only when that leaves too little room; the feeder publishes a
// whole batch of frames with one store of tail.
//
// # Items larger than the ring
//
// A frame that does not fit in the ring is streamed: the producer, holding
// the put lock, publishes a begin frame with the item's length, then chunk
// frames, each published whole, as room appears; the consumer, holding the
// get lock, copies the chunks out one by one, freeing room as it goes. Both
// record their pid in the header while they do it.
//
// # Queue, JoinableQueue, SimpleQueue
//
// Queue.Put returns at once, as CPython's does. If nothing of this
// process's is still buffered and the put lock is free and the ring has
// room, it writes the frame itself; otherwise it appends the item to the
// queue's buffer in this process and a feeder goroutine (CPython's feeder
// thread) writes the buffer out in order, in batches. The goroutine exits
// when the buffer is empty and the next Put that needs it starts another,
// so an idle queue costs nothing. Close stops this process's puts and gets;
// JoinThread waits for the buffer to be flushed (after Close, as CPython
// asserts); CancelJoinThread gives up waiting. A Run (one script run of the
// embedding layer) knows its queues whose feeder is running: Run.Flush is
// what the run calls at exit, waiting until their buffers are flushed,
// except the cancelled ones, and never for another run's queues. Like
// CPython it may wait forever if nobody reads a queue whose ring is full —
// the "joining processes that use queues" caveat.
//
// A bounded queue (maxsize > 0) counts items from the moment Put is called
// (so items buffered in a producer count, as with CPython's
// BoundedSemaphore) until Get takes them; Put waits for a slot, or returns
// ErrFull. Qsize is the same count. Empty only looks at the ring, so it is
// false as soon as a Put has written directly, and items still buffered in
// another process do not count, as in CPython.
//
// JoinableQueue.Put counts an unfinished task before it returns; TaskDone
// uncounts one (ErrTooManyTaskDone below zero) and wakes Join at zero.
//
// SimpleQueue.Put writes the frame before returning, with no buffer.
//
// # Processes that die
//
// The put and get locks are shm's robust mutexes: a lock whose holder
// process has died is taken over by the next process that waits for it.
// What a death leaves behind:
//
//   - A consumer killed while waiting for an item holds nothing; its
//     raised flag costs one spurious wake-up.
//   - A consumer killed while copying an item has not moved head: the item
//     stays for the next consumer, which recovers the get lock. Nothing is
//     lost or duplicated. Killed after moving head but before Get returned,
//     the item is gone with it (CPython loses it the same way).
//   - A producer killed while copying an item has not moved tail: the
//     partial frame is invisible and is overwritten by the next producer.
//     That item, and whatever was still in the dead process's buffer, are
//     lost, as they are in CPython.
//   - A producer killed half-way through streaming an item larger than
//     the ring leaves its pid in the header and the put lock held. The
//     next process that takes the lock over (a producer, or the consumer
//     receiving the item, which checks every 100 ms whether the producer's
//     lock can be taken) appends an abort frame; consumers discard the
//     partial item when they reach it, count it as taken (and, for a
//     JoinableQueue, as done), and go on with the next item. Every item
//     written before the death is delivered.
//   - A consumer killed half-way through receiving such an item took it
//     with it. The next process that takes the get lock over (a consumer,
//     or the producer, which checks every 100 ms while it waits for room)
//     counts the item as taken, tells the producer to stop streaming it,
//     and skips its remaining chunks. The producer's put succeeds.
//   - A queue whose memory holds an impossible frame (overwritten by
//     another program) is marked broken: every later Put and Get returns
//     ErrBroken. Items the feeder could not write then make this
//     process's next Put and JoinThread fail, not only a stderr line.
//   - Counts: the items-taken count is bumped just before head moves, so a
//     consumer killed between the two makes a bounded queue admit one item
//     too many rather than lose a slot for good. Items a dead producer had
//     counted but never wrote stay counted (CPython's semaphore leaks them
//     too).
//
// # Passing a queue to another process
//
// Handle returns the kind, the arena ID and the arena's descriptor. The
// caller serialises the first two, carries the descriptor (Handle.FDs), and
// the receiver calls AttachQueue, AttachJoinableQueue or AttachSimpleQueue
// with FD replaced by the descriptor it received.
package queue
