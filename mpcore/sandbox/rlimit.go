package sandbox

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Limits are per-process resource limits. A zero field leaves that limit
// as it was. Children, and every program they execute, inherit them.
type Limits struct {
	// Memory caps the address space in bytes (RLIMIT_AS), which the
	// embedding layer watches so that a script nearing it fails with
	// MemoryError instead of Go's allocator dying.
	Memory uint64
	// CPU caps the CPU time in seconds (RLIMIT_CPU); past it the kernel
	// sends SIGXCPU, then SIGKILL.
	CPU uint64
	// Files caps the number of open descriptors (RLIMIT_NOFILE).
	Files uint64
}

// Apply sets l on the calling process. A limit can be lowered, never
// raised above the current hard limit, so a child cannot widen what its
// parent set.
func (l Limits) Apply() error {
	for _, r := range []struct {
		resource int
		value    uint64
		name     string
	}{
		{unix.RLIMIT_AS, l.Memory, "memory"},
		{unix.RLIMIT_CPU, l.CPU, "CPU time"},
		{unix.RLIMIT_NOFILE, l.Files, "open files"},
	} {
		if r.value == 0 {
			continue
		}
		if err := lower(r.resource, r.value); err != nil {
			return fmt.Errorf("sandbox: setting the %s limit to %d: %w", r.name, r.value, err)
		}
	}
	return nil
}

// lower sets both the soft and the hard limit of resource to value, or
// keeps the current hard limit when that is lower already.
func lower(resource int, value uint64) error {
	var cur unix.Rlimit
	if err := unix.Getrlimit(resource, &cur); err != nil {
		return err
	}
	if value > cur.Max {
		value = cur.Max
	}
	return unix.Setrlimit(resource, &unix.Rlimit{Cur: value, Max: value})
}
