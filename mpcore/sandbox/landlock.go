package sandbox

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
	"unsafe" // the Landlock system calls take pointers to their attribute structs

	"golang.org/x/sys/unix"
)

// Landlock ABI versions that brought the features used here.
const (
	abiRefer    = 2 // LANDLOCK_ACCESS_FS_REFER
	abiTruncate = 3 // LANDLOCK_ACCESS_FS_TRUNCATE
	abiNet      = 4 // TCP bind and connect rules
	abiIoctlDev = 5 // LANDLOCK_ACCESS_FS_IOCTL_DEV
	abiScope    = 6 // abstract Unix socket and signal scoping
)

// ruleNetPort is LANDLOCK_RULE_NET_PORT, which x/sys does not define.
const ruleNetPort = 2

// rulesetAttr is struct landlock_ruleset_attr as of ABI 6; older kernels
// are given a prefix of it (see rulesetAttrSize).
type rulesetAttr struct {
	handledFS  uint64
	handledNet uint64
	scoped     uint64
}

// netPortAttr is struct landlock_net_port_attr.
type netPortAttr struct {
	allowed uint64
	port    uint64
}

// fileRights are the rights that apply to a file (the others only to
// directories); the kernel refuses a file rule that names any other.
const fileRights = unix.LANDLOCK_ACCESS_FS_EXECUTE | unix.LANDLOCK_ACCESS_FS_WRITE_FILE |
	unix.LANDLOCK_ACCESS_FS_READ_FILE | unix.LANDLOCK_ACCESS_FS_TRUNCATE |
	unix.LANDLOCK_ACCESS_FS_IOCTL_DEV

const (
	readRights = unix.LANDLOCK_ACCESS_FS_READ_FILE | unix.LANDLOCK_ACCESS_FS_READ_DIR
	execRights = readRights | unix.LANDLOCK_ACCESS_FS_EXECUTE
)

// ErrThreads is returned by Restrict in a binary that links cgo, where Go
// cannot change every thread at once; RestrictExec works there.
var ErrThreads = errors.New("sandbox: cannot restrict every thread of a binary that links cgo")

// ABI returns the Landlock ABI version of the running kernel: 0 when
// Landlock is missing or disabled.
func ABI() int {
	v, _, errno := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, 0, 0, unix.LANDLOCK_CREATE_RULESET_VERSION)
	if errno != 0 {
		return 0
	}
	return int(v)
}

// Policy is what a confined process may do. The zero Policy restricts
// nothing. Paths that do not exist are skipped: a grant can only name what
// is there when the process is confined.
type Policy struct {
	// FS limits the filesystem to the paths below; any other path can't be
	// read, listed, written, created, removed or executed.
	FS bool
	// Read lists files, and directories with everything beneath them,
	// that may be read.
	Read []string
	// Write lists files and directories that may be read, written,
	// created in, truncated and removed.
	Write []string
	// Exec lists programs, or directories of programs, that may be read
	// and executed.
	Exec []string

	// Net limits TCP to the ports below (Landlock matches ports, not
	// hosts: a host is checked by the embedding layer).
	Net          bool
	ConnectPorts []uint16
	BindPorts    []uint16

	// Scope keeps the process from connecting to abstract Unix sockets
	// and from signalling processes outside its domain (its own children,
	// which inherit the domain, stay reachable).
	Scope bool
}

// Layers says which kernel layers confine a process under a Policy.
type Layers struct {
	ABI              int  // the kernel's Landlock ABI, 0 if none
	FS, Net, Scoping bool // which of the Policy's restrictions the kernel enforces
}

// String describes the layers for `mpstar -version` and warnings.
func (l Layers) String() string {
	if l.ABI == 0 {
		return "Landlock unavailable: in-process checks only"
	}
	var on []string
	for _, f := range []struct {
		ok   bool
		name string
	}{{l.FS, "filesystem"}, {l.Net, "TCP ports"}, {l.Scoping, "socket and signal scoping"}} {
		if f.ok {
			on = append(on, f.name)
		}
	}
	if len(on) == 0 {
		return fmt.Sprintf("Landlock ABI %d: nothing to enforce", l.ABI)
	}
	return fmt.Sprintf("Landlock ABI %d: %s", l.ABI, strings.Join(on, ", "))
}

// Layers reports what the running kernel enforces of p.
func (p *Policy) Layers() Layers {
	abi := ABI()
	return Layers{
		ABI:     abi,
		FS:      p.FS && abi >= 1,
		Net:     p.Net && abi >= abiNet,
		Scoping: p.Scope && abi >= abiScope,
	}
}

// Restrict confines every thread of the calling process to p, as far as
// the kernel supports (Layers says how far). It sets no_new_privs, which
// Landlock requires of an unprivileged process and which keeps set-uid
// programs from escaping. In a binary that links cgo it returns
// ErrThreads and changes nothing.
func Restrict(p *Policy) (Layers, error) {
	l := p.Layers()
	fd, err := p.ruleset(l)
	if err != nil || fd < 0 {
		return l, err
	}
	defer unix.Close(fd)
	if err := allThreads(unix.SYS_PRCTL, unix.PR_SET_NO_NEW_PRIVS, 1); err != nil {
		return l, err
	}
	return l, allThreads(unix.SYS_LANDLOCK_RESTRICT_SELF, uintptr(fd), 0)
}

// RestrictExec confines the calling thread to p and executes argv[0] with
// argv and env from it, so the new program starts inside the domain with
// every thread it will ever have. It returns only on failure. It works in
// any binary, cgo or not.
func RestrictExec(p *Policy, argv, env []string) error {
	l := p.Layers()
	fd, err := p.ruleset(l)
	if err != nil {
		return err
	}
	runtime.LockOSThread() // the thread that is confined must be the one that execs
	if fd >= 0 {
		err = restrictThread(fd)
		unix.Close(fd)
		if err != nil {
			runtime.UnlockOSThread()
			return err
		}
	}
	err = syscall.Exec(argv[0], argv, env)
	// The thread is confined for good: let it die with its goroutine.
	return os.NewSyscallError("execve "+argv[0], err)
}

// restrictThread confines the calling (locked) thread to the ruleset fd.
func restrictThread(fd int) error {
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return os.NewSyscallError("prctl(PR_SET_NO_NEW_PRIVS)", err)
	}
	if _, _, errno := unix.Syscall(unix.SYS_LANDLOCK_RESTRICT_SELF, uintptr(fd), 0, 0); errno != 0 {
		return os.NewSyscallError("landlock_restrict_self", errno)
	}
	return nil
}

// allThreads runs a system call on every thread of the process.
func allThreads(trap, a1, a2 uintptr) error {
	_, _, errno := syscall.AllThreadsSyscall(trap, a1, a2, 0)
	switch errno {
	case 0:
		return nil
	case syscall.ENOTSUP:
		return ErrThreads
	}
	return os.NewSyscallError(syscallName(trap), errno)
}

func syscallName(trap uintptr) string {
	if trap == unix.SYS_PRCTL {
		return "prctl(PR_SET_NO_NEW_PRIVS)"
	}
	return "landlock_restrict_self"
}

// ruleset builds the kernel ruleset for p under layers l and returns its
// descriptor, or -1 when the kernel enforces nothing of p.
func (p *Policy) ruleset(l Layers) (int, error) {
	if !l.FS && !l.Net && !l.Scoping {
		return -1, nil
	}
	attr := rulesetAttr{}
	if l.FS {
		attr.handledFS = handledFS(l.ABI)
	}
	if l.Net {
		attr.handledNet = unix.LANDLOCK_ACCESS_NET_BIND_TCP | unix.LANDLOCK_ACCESS_NET_CONNECT_TCP
	}
	if l.Scoping {
		attr.scoped = unix.LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | unix.LANDLOCK_SCOPE_SIGNAL
	}
	r, _, errno := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET,
		uintptr(unsafe.Pointer(&attr)), rulesetAttrSize(l.ABI), 0)
	if errno != 0 {
		return -1, os.NewSyscallError("landlock_create_ruleset", errno)
	}
	fd := int(r)
	if err := p.addRules(fd, l, attr.handledFS); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// handledFS is every filesystem right the kernel's ABI knows: a right that
// is not handled is not restricted.
func handledFS(abi int) uint64 {
	rights := uint64(unix.LANDLOCK_ACCESS_FS_MAKE_SYM<<1 - 1) // ABI 1: execute .. make_sym
	if abi >= abiRefer {
		rights |= unix.LANDLOCK_ACCESS_FS_REFER
	}
	if abi >= abiTruncate {
		rights |= unix.LANDLOCK_ACCESS_FS_TRUNCATE
	}
	if abi >= abiIoctlDev {
		rights |= unix.LANDLOCK_ACCESS_FS_IOCTL_DEV
	}
	return rights
}

// rulesetAttrSize is the prefix of rulesetAttr the kernel's ABI knows.
func rulesetAttrSize(abi int) uintptr {
	switch {
	case abi >= abiScope:
		return unsafe.Sizeof(rulesetAttr{})
	case abi >= abiNet:
		return unsafe.Offsetof(rulesetAttr{}.scoped)
	}
	return unsafe.Offsetof(rulesetAttr{}.handledNet)
}

// addRules grants p's paths and ports in the ruleset fd.
func (p *Policy) addRules(fd int, l Layers, handled uint64) error {
	if l.FS {
		grants := []struct {
			paths  []string
			rights uint64
		}{
			{p.Read, readRights},
			{p.Exec, execRights},
			{p.Write, handled &^ unix.LANDLOCK_ACCESS_FS_EXECUTE},
		}
		for _, g := range grants {
			for _, path := range g.paths {
				if err := addPathRule(fd, path, g.rights&handled); err != nil {
					return err
				}
			}
		}
	}
	if l.Net {
		for _, port := range p.ConnectPorts {
			if err := addPortRule(fd, port, unix.LANDLOCK_ACCESS_NET_CONNECT_TCP); err != nil {
				return err
			}
		}
		for _, port := range p.BindPorts {
			if err := addPortRule(fd, port, unix.LANDLOCK_ACCESS_NET_BIND_TCP); err != nil {
				return err
			}
		}
	}
	return nil
}

// addPathRule grants rights beneath path (only a file's rights when path
// is not a directory). A path that does not exist is skipped.
func addPathRule(fd int, path string, rights uint64) error {
	dir, err := unix.Open(path, unix.O_PATH|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) {
		return nil
	}
	if err != nil {
		return &os.PathError{Op: "sandbox: open", Path: path, Err: err}
	}
	defer unix.Close(dir)
	var st unix.Stat_t
	if err := unix.Fstat(dir, &st); err != nil {
		return &os.PathError{Op: "sandbox: stat", Path: path, Err: err}
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		rights &= fileRights
	}
	attr := unix.LandlockPathBeneathAttr{Allowed_access: rights, Parent_fd: int32(dir)}
	if _, _, errno := unix.Syscall6(unix.SYS_LANDLOCK_ADD_RULE, uintptr(fd),
		unix.LANDLOCK_RULE_PATH_BENEATH, uintptr(unsafe.Pointer(&attr)), 0, 0, 0); errno != 0 {
		return &os.PathError{Op: "sandbox: landlock_add_rule", Path: path, Err: errno}
	}
	return nil
}

// addPortRule grants access to a TCP port.
func addPortRule(fd int, port uint16, access uint64) error {
	attr := netPortAttr{allowed: access, port: uint64(port)}
	if _, _, errno := unix.Syscall6(unix.SYS_LANDLOCK_ADD_RULE, uintptr(fd),
		ruleNetPort, uintptr(unsafe.Pointer(&attr)), 0, 0, 0); errno != 0 {
		return fmt.Errorf("sandbox: landlock_add_rule for TCP port %d: %w", port, errno)
	}
	return nil
}
