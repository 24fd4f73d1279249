package sandbox

import (
	"bytes"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Limits are resource limits. A zero field leaves that limit as it was.
// Children, and every program they execute, inherit the per-process ones.
type Limits struct {
	// Memory caps, in bytes, the address space a process may map beyond
	// what it has mapped when the limit is set. It is counted from there,
	// not from zero, because the Go runtime has reserved gigabytes of
	// address space by then, which it never uses: a limit below that
	// stops it at once. The embedding layer watches it (MemoryCeiling)
	// so that a script reaching it fails with MemoryError; the kernel's
	// RLIMIT_AS lies as far again above, for a script that allocates
	// faster than the watch looks, which then dies of Go's allocator
	// failing.
	Memory uint64
	// CPU caps the CPU time in seconds (RLIMIT_CPU): there the kernel
	// sends SIGXCPU, which kills the process (a Go program, which ignores
	// it, dies of it too once Apply has run), and a second later SIGKILL.
	CPU uint64
	// Files caps the number of open descriptors (RLIMIT_NOFILE).
	Files uint64
	// Processes caps the live processes of the whole run, its main
	// process included. It is no rlimit (RLIMIT_NPROC counts all of a
	// user's processes): the runtime counts the run's processes in a
	// table they share, and Apply leaves it alone.
	Processes uint64
}

// Apply sets l on the calling process. A limit can be lowered, never
// raised above the current hard limit, so a child cannot widen what its
// parent set.
func (l Limits) Apply() error {
	for _, r := range []struct {
		resource int
		value    uint64
		grace    uint64 // how far the hard limit lies above value
		name     string
	}{
		{unix.RLIMIT_AS, addressSpaceLimit(l.Memory), 0, "memory"},
		{unix.RLIMIT_CPU, l.CPU, 1, "CPU time"},
		{unix.RLIMIT_NOFILE, l.Files, 0, "open files"},
	} {
		if r.value == 0 {
			continue
		}
		if err := lower(r.resource, r.value, r.grace); err != nil {
			return fmt.Errorf("sandbox: setting the %s limit to %d: %w", r.name, r.value, err)
		}
	}
	if l.CPU > 0 {
		dieOfSIGXCPU.Do(func() { go dieOfSIGXCPUNow() })
	}
	return nil
}

// lower sets the soft limit of resource to value and the hard one grace
// above it, or keeps the current hard limit when that is lower already.
func lower(resource int, value, grace uint64) error {
	var cur unix.Rlimit
	if err := unix.Getrlimit(resource, &cur); err != nil {
		return err
	}
	hard := min(value+grace, cur.Max)
	return unix.Setrlimit(resource, &unix.Rlimit{Cur: min(value, hard), Max: hard})
}

var dieOfSIGXCPU sync.Once

// dieOfSIGXCPUNow waits for SIGXCPU, which the Go runtime ignores, and
// dies of it as a C program does, so that whoever waits for the process
// sees that the CPU limit ended it (exit status -SIGXCPU, as CPython's
// process would show) rather than a bare SIGKILL a second later.
func dieOfSIGXCPUNow() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, unix.SIGXCPU)
	<-ch
	// The default action dumps core: not this process's core.
	unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{})
	var dfl [4]uint64 // a struct sigaction of SIG_DFL, no flags, empty mask
	unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(unix.SIGXCPU), uintptr(unsafe.Pointer(&dfl)), 0, 8, 0, 0)
	unix.Kill(os.Getpid(), unix.SIGXCPU)
	select {} // the signal ends the process
}

// memoryCeiling is MemoryCeiling's value.
var memoryCeiling atomic.Uint64

// MemoryCeiling is the address space, in bytes, at which this process
// reaches its Limits.Memory, or 0 without one: what it had mapped when
// Apply set the limit, plus the limit.
func MemoryCeiling() uint64 { return memoryCeiling.Load() }

// addressSpaceLimit records the ceiling of a process that may map memory
// more bytes than it has mapped now, and returns the RLIMIT_AS that
// backs it (0: no limit).
func addressSpaceLimit(memory uint64) uint64 {
	if memory == 0 {
		return 0
	}
	ceiling := MappedBytes() + memory
	memoryCeiling.Store(ceiling)
	return ceiling + memory
}

// MappedBytes returns the bytes of address space this process has mapped
// (the first field of /proc/self/statm, in pages), or 0 if unknown.
func MappedBytes() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	field, _, _ := bytes.Cut(b, []byte(" "))
	pages, err := strconv.ParseUint(string(field), 10, 64)
	if err != nil {
		return 0
	}
	return pages * uint64(os.Getpagesize())
}
