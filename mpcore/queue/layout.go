package queue

// The shared-memory layout of a queue, and how a process creates or maps
// one. CPython's Queue is a pipe plus three SemLocks (queues.py); ours is one
// arena holding a header and a byte ring.

import (
	"fmt"
	"os"
	"sync/atomic"

	"github.com/mpstar/mpstar/mpcore/shm"
)

// Kind says which of the three queue types an arena holds, so a handle
// cannot be attached as the wrong one.
type Kind uint32

// The queue kinds.
const (
	KindQueue         Kind = 1
	KindJoinableQueue Kind = 2
	KindSimpleQueue   Kind = 3
)

// String returns CPython's class name for the kind.
func (k Kind) String() string {
	switch k {
	case KindQueue:
		return "Queue"
	case KindJoinableQueue:
		return "JoinableQueue"
	case KindSimpleQueue:
		return "SimpleQueue"
	}
	return fmt.Sprintf("Kind(%d)", uint32(k))
}

// DefaultCapacity is the ring size a queue gets when none is asked for.
const DefaultCapacity = 1 << 20

// minCapacity keeps frame headers and ordinary items far from the ring size.
const minCapacity = 4096

// The header: one arena page at the start of the arena, the ring after it.
// Fields written by producers, by consumers and by waiters each get their
// own 64-byte cache line, so one side's writes do not evict the other's.
const (
	magicWord     = 0x7571706d // "mpqu"
	layoutVersion = 2

	// line 0: fixed at creation, plus the broken status (set once).
	offMagic    = 0  // uint32
	offVersion  = 4  // uint32
	offKind     = 8  // uint32 Kind
	offStatus   = 12 // uint32 status: why the queue is broken, 0 if it is not
	offCapacity = 16 // uint64 ring bytes, a power of two
	offMaxSize  = 24 // uint64 maxsize, 0 for unbounded

	offPutLock = 64 // shm.Mutex serialising producers

	// line 2: written by producers.
	offTail         = 128 // uint64 ring position after the last published byte
	offPutCount     = 136 // uint64 items ever put (counted when Put is called)
	offStreamWriter = 144 // uint32 pid of the producer streaming an oversized item, else 0

	offGetLock = 192 // shm.Mutex serialising consumers

	// line 4: written by consumers.
	offHead         = 256 // uint64 ring position of the next unread byte
	offGotCount     = 264 // uint64 items ever taken
	offStreamReader = 272 // uint32 pid of the consumer streaming an oversized item, else 0
	offReadBegin    = 280 // uint64 1 + ring position of the frameBegin that consumer is reading
	offLostStream   = 288 // uint64 1 + ring position of the frameBegin of the last stream whose consumer died

	offDataEvent  = 320 // event: the ring has new bytes (consumers wait)
	offSpaceEvent = 384 // event: the ring has freed bytes (the producer holding the put lock waits)
	offSlotEvent  = 448 // event: an item was taken (producers of a bounded queue wait)
	offJoinEvent  = 512 // event: unfinished tasks reached zero (JoinableQueue.Join waits)

	offUnfinished = 576 // uint32 JoinableQueue's unfinished tasks

	lineSize   = 64
	headerSize = 4096
)

// ring is one process's view of a queue's shared memory. Its pointers
// address the arena; headSeen is private to the process and touched only by
// the holder of the put lock.
type ring struct {
	arena   *shm.Arena
	data    []byte // the ring bytes
	size    uint64 // len(data), a power of two
	mask    uint64 // size-1
	maxsize uint64 // 0: unbounded
	kind    Kind

	status *uint32

	tail, putCount *uint64
	streamWriter   *uint32

	head, gotCount        *uint64
	streamReader          *uint32
	readBegin, lostStream *uint64

	unfinished *uint32

	putLock, getLock                *shm.Mutex
	dataEv, spaceEv, slotEv, joinEv event

	// headSeen is the head position the put-lock holder last read: free
	// space is computed from it, and head is re-read only when it seems
	// too small, so producers rarely touch the consumers' cache line. It
	// is atomic only because the race detector cannot see that the put lock
	// in shared memory orders its users.
	headSeen atomic.Uint64
}

// selfPID is this process's pid, recorded in the stream fields. Go cannot
// fork, so it never changes.
var selfPID = uint32(os.Getpid())

// newRing creates a queue arena of the given kind with a ring of at least
// capacity bytes (0: DefaultCapacity) and the given maxsize (≤ 0: unbounded).
func newRing(kind Kind, maxsize, capacity int) (*ring, error) {
	if capacity <= 0 {
		capacity = DefaultCapacity
	}
	size := uint64(minCapacity)
	for size < uint64(capacity) {
		size <<= 1
	}
	a, err := shm.NewArena(headerSize + int(size))
	if err != nil {
		return nil, fmt.Errorf("cannot create a %s: %w", kind, err)
	}
	mem := arenaBytes(a)
	*shm.Word(mem, offMagic) = magicWord
	*shm.Word(mem, offVersion) = layoutVersion
	*shm.Word(mem, offKind) = uint32(kind)
	*shm.Word64(mem, offCapacity) = size
	*shm.Word64(mem, offMaxSize) = uint64(max(maxsize, 0))
	return mapRing(a)
}

// attachRing maps the queue arena a handle names and checks that it holds a
// queue of the expected kind.
func attachRing(h Handle, want Kind) (*ring, error) {
	a, err := shm.AttachArena(h.ArenaID, h.FD)
	if err != nil {
		return nil, fmt.Errorf("cannot attach %s: %w", want, err)
	}
	mem := arenaBytes(a)
	if len(mem) < headerSize || *shm.Word(mem, offMagic) != magicWord || *shm.Word(mem, offVersion) != layoutVersion {
		return nil, fmt.Errorf("cannot attach %s: arena %016x does not hold a queue of this mpstar version", want, h.ArenaID)
	}
	if got := Kind(*shm.Word(mem, offKind)); got != want {
		return nil, fmt.Errorf("cannot attach %s: arena %016x holds a %s", want, h.ArenaID, got)
	}
	size := *shm.Word64(mem, offCapacity)
	if size < minCapacity || size&(size-1) != 0 || size > uint64(len(mem)-headerSize) {
		return nil, fmt.Errorf("cannot attach %s: arena %016x has a corrupt header", want, h.ArenaID)
	}
	return mapRing(a)
}

// mapRing points a ring at the fields of a checked arena.
func mapRing(a *shm.Arena) (*ring, error) {
	mem := arenaBytes(a)
	size := *shm.Word64(mem, offCapacity)
	r := &ring{
		arena:        a,
		data:         mem[headerSize : headerSize+size : headerSize+size],
		size:         size,
		mask:         size - 1,
		maxsize:      *shm.Word64(mem, offMaxSize),
		kind:         Kind(*shm.Word(mem, offKind)),
		status:       shm.Word(mem, offStatus),
		tail:         shm.Word64(mem, offTail),
		putCount:     shm.Word64(mem, offPutCount),
		streamWriter: shm.Word(mem, offStreamWriter),
		head:         shm.Word64(mem, offHead),
		gotCount:     shm.Word64(mem, offGotCount),
		streamReader: shm.Word(mem, offStreamReader),
		readBegin:    shm.Word64(mem, offReadBegin),
		lostStream:   shm.Word64(mem, offLostStream),
		unfinished:   shm.Word(mem, offUnfinished),
		dataEv:       eventAt(mem, offDataEvent),
		spaceEv:      eventAt(mem, offSpaceEvent),
		slotEv:       eventAt(mem, offSlotEvent),
		joinEv:       eventAt(mem, offJoinEvent),
	}
	var err error
	if r.putLock, err = shm.MutexAt(shm.Block{Arena: a, Off: offPutLock, Len: lineSize}, false); err != nil {
		return nil, err
	}
	if r.getLock, err = shm.MutexAt(shm.Block{Arena: a, Off: offGetLock, Len: lineSize}, false); err != nil {
		return nil, err
	}
	return r, nil
}

// arenaBytes returns the whole of an arena's shared memory.
func arenaBytes(a *shm.Arena) []byte {
	return shm.Block{Arena: a, Len: a.Size}.Bytes()
}
