package shm

// Arenas: anonymous shared memory that other processes map by receiving its
// descriptor. Mirrors the Arena class of CPython's Lib/multiprocessing/heap.py,
// but uses memfd_create instead of a named file, so nothing can outlive the
// last process that holds the descriptor or the mapping.

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"weak"

	"golang.org/x/sys/unix"

	"github.com/mpstar/mpstar/mpcore/internal/fdgc"
)

// Arena is one region of shared memory: a memfd mapped MAP_SHARED. Every
// process that maps the same memfd sees the same bytes. An arena stays
// mapped until nothing in its process refers to it any more (no Block, no
// object built on one): then the garbage collector unmaps it and closes
// its descriptor, as CPython frees an Arena with its last reference. The
// kernel frees the memory when the last process holding the descriptor or
// the mapping lets go.
type Arena struct {
	// ID names the arena across processes; it is random and never 0.
	ID uint64
	// FD is the memfd. It is what a child receives (exec.Cmd.ExtraFiles or
	// SCM_RIGHTS) to map the arena; the arena owns it, and it is closed
	// when the arena is collected.
	FD int
	// Size is the length of the mapping in bytes.
	Size int

	mem []byte
}

// arenas is the process-wide registry of mapped arenas by ID, so a handle
// received twice maps its arena once. It holds them weakly: being
// registered does not keep an arena mapped.
var arenas struct {
	sync.Mutex
	byID map[uint64]weak.Pointer[Arena]
}

// NewArena creates and maps a zero-filled arena of size bytes (rounded up to
// a whole page). Out of descriptors or address space, it lets the garbage
// collector release unreachable arenas and tries again.
func NewArena(size int) (*Arena, error) {
	if size <= 0 {
		return nil, fmt.Errorf("shm: arena size must be > 0, got %d", size)
	}
	size = roundUp(size, os.Getpagesize())
	a, err := newArena(size)
	if errors.Is(err, unix.EMFILE) || errors.Is(err, unix.ENOMEM) {
		fdgc.Reclaim()
		a, err = newArena(size)
	}
	if err != nil {
		return nil, err
	}
	arenas.Lock()
	register(a)
	arenas.Unlock()
	fdgc.Mapped(size) // not under the lock, which releaseArena takes
	return a, nil
}

// newArena creates and maps an arena of size bytes, a whole number of
// pages.
func newArena(size int) (*Arena, error) {
	id := newArenaID()
	fd, err := unix.MemfdCreate(fmt.Sprintf("mpstar-%016x", id), unix.MFD_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("memfd_create", err)
	}
	if err := unix.Ftruncate(fd, int64(size)); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("shm: cannot size a %d-byte arena: %w", size, os.NewSyscallError("ftruncate", err))
	}
	a, err := mapArena(id, fd, size)
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	return a, nil
}

// AttachArena maps the arena id whose memfd another process sent as fd. The
// arena then owns fd. If this process already has arena id mapped, it
// returns that arena and closes fd (unless fd is that arena's own
// descriptor); fd may be -1 when the caller knows the arena is mapped.
func AttachArena(id uint64, fd int) (*Arena, error) {
	arenas.Lock()
	defer arenas.Unlock()
	if a := arenas.byID[id].Value(); a != nil {
		if fd >= 0 && fd != a.FD {
			unix.Close(fd)
		}
		return a, nil
	}
	if fd < 0 {
		return nil, fmt.Errorf("shm: arena %016x is not mapped in this process and no descriptor was given", id)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, fmt.Errorf("shm: cannot attach arena %016x: %w", id, os.NewSyscallError("fstat", err))
	}
	if st.Size <= 0 || st.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil, fmt.Errorf("shm: cannot attach arena %016x: descriptor %d is not a shared-memory arena", id, fd)
	}
	a, err := mapArena(id, fd, int(st.Size))
	if err != nil {
		return nil, err
	}
	register(a)
	return a, nil
}

// Block is a piece of an arena: Len bytes at offset Off. A process sends
// (Arena.ID, Arena.FD, Off, Len) to another, which calls AttachBlock.
type Block struct {
	Arena *Arena
	Off   int
	Len   int
}

// AttachBlock maps arena id (see AttachArena for how fd is owned) and
// returns the block of length bytes at offset off, after checking that it
// lies inside the arena.
func AttachBlock(id uint64, fd, off, length int) (Block, error) {
	a, err := AttachArena(id, fd)
	if err != nil {
		return Block{}, err
	}
	if off < 0 || length < 0 || off > a.Size-length {
		return Block{}, fmt.Errorf("shm: block [%d, %d+%d) lies outside arena %016x of %d bytes", off, off, length, id, a.Size)
	}
	return Block{Arena: a, Off: off, Len: length}, nil
}

// Bytes returns the block's shared memory. Writes are seen by every process
// that maps the arena; the slice's capacity ends at the block's end.
func (b Block) Bytes() []byte {
	return b.Arena.mem[b.Off : b.Off+b.Len : b.Off+b.Len]
}

// String names the block for messages: arena ID and offset.
func (b Block) String() string {
	return fmt.Sprintf("%016x+%d", b.Arena.ID, b.Off)
}

// mapArena maps size bytes of fd shared and read-write.
func mapArena(id uint64, fd, size int) (*Arena, error) {
	mem, err := unix.Mmap(fd, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("shm: cannot map a %d-byte arena: %w", size, os.NewSyscallError("mmap", err))
	}
	return &Arena{ID: id, FD: fd, Size: size, mem: mem}, nil
}

// register records a in the registry, and has the garbage collector
// release it once it is unreachable; the caller holds arenas' lock.
func register(a *Arena) {
	if arenas.byID == nil {
		arenas.byID = make(map[uint64]weak.Pointer[Arena])
	}
	arenas.byID[a.ID] = weak.Make(a)
	runtime.AddCleanup(a, releaseArena, arenaResources{id: a.ID, fd: a.FD, mem: a.mem})
}

// arenaResources is what releasing an arena frees.
type arenaResources struct {
	id  uint64
	fd  int
	mem []byte
}

// releaseArena unmaps a collected arena, closes its descriptor and drops
// it from the registry (unless the ID was mapped again since).
func releaseArena(r arenaResources) {
	unix.Munmap(r.mem)
	unix.Close(r.fd)
	arenas.Lock()
	defer arenas.Unlock()
	if arenas.byID[r.id].Value() == nil {
		delete(arenas.byID, r.id)
	}
}

// newArenaID returns a random non-zero ID. IDs only need to be unique among
// the arenas of one process tree, so a 64-bit random number suffices.
func newArenaID() uint64 {
	for {
		if id := rand.Uint64(); id != 0 {
			return id
		}
	}
}

// roundUp rounds n up to a multiple of m (a power of two).
func roundUp(n, m int) int {
	return (n + m - 1) &^ (m - 1)
}
