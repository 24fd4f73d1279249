package conn

// Addresses of Listeners and Clients. Mirrors address_type and
// arbitrary_address in CPython's Lib/multiprocessing/connection.py.

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/mpstar/mpstar/internal/pyquote"
)

// Family is an address family, named as in CPython.
type Family string

// The supported families.
const (
	AFInet Family = "AF_INET" // a (host, port) pair, IPv4
	AFUnix Family = "AF_UNIX" // a socket file path, or an abstract name starting with "\x00"
)

// Address is a Listener or Client address: Host and Port for AF_INET (a
// Python (host, port) tuple), Path for AF_UNIX (a Python str; a leading
// NUL byte names a socket in Linux's abstract namespace, which has no file).
// Build one with InetAddress or UnixAddress, which infer the family as
// CPython's address_type does from the Python value's type.
type Address struct {
	Family Family
	Host   string
	Port   int
	Path   string
}

// InetAddress returns the AF_INET address (host, port). Port 0 asks a
// Listener to pick a free port; host "" means all interfaces.
func InetAddress(host string, port int) Address {
	return Address{Family: AFInet, Host: host, Port: port}
}

// UnixAddress returns the AF_UNIX address of a socket file path, or of an
// abstract socket if path starts with "\x00".
func UnixAddress(path string) Address {
	return Address{Family: AFUnix, Path: path}
}

// ArbitraryAddress returns a free address of the family, as CPython's
// arbitrary_address: ("localhost", 0), or a new name in Linux's abstract
// socket namespace. CPython picks a path in a private temporary directory;
// an abstract name leaves no file behind, even when its process is killed,
// and a Listener on one accepts only processes of its own user
// (Listener.OwnerOnly), as a socket file in a private directory would.
func ArbitraryAddress(family Family) (Address, error) {
	switch family {
	case AFInet:
		return InetAddress("localhost", 0), nil
	case AFUnix:
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return Address{}, err
		}
		return UnixAddress(arbitraryPrefix + hex.EncodeToString(b[:])), nil
	}
	return Address{}, fmt.Errorf("unrecognized family %q", family)
}

// arbitraryPrefix starts the abstract names ArbitraryAddress picks.
const arbitraryPrefix = "\x00mpstar-sock-"

// isArbitrary reports whether a is an address ArbitraryAddress picked.
func (a Address) isArbitrary() bool {
	return a.Family == AFUnix && strings.HasPrefix(a.Path, arbitraryPrefix)
}

// IsAbstract reports whether a is in Linux's abstract socket namespace.
func (a Address) IsAbstract() bool {
	return a.Family == AFUnix && len(a.Path) > 0 && a.Path[0] == 0
}

// String formats a as Python shows it: ('127.0.0.1', 5000), '/tmp/sock',
// or b'\x00name' for an abstract name (CPython reports those as bytes).
func (a Address) String() string {
	switch {
	case a.Family == AFInet:
		return "(" + pyquote.Str(a.Host) + ", " + strconv.Itoa(a.Port) + ")"
	case a.IsAbstract():
		return pyquote.Bytes([]byte(a.Path))
	}
	return pyquote.Str(a.Path)
}

// domain returns the socket domain for a's family.
func (a Address) domain() (int, error) {
	switch a.Family {
	case AFInet:
		return unix.AF_INET, nil
	case AFUnix:
		return unix.AF_UNIX, nil
	}
	return 0, fmt.Errorf("address type of %v unrecognized", a)
}

// sockaddr converts a for bind(2) and connect(2), resolving a host name.
func (a Address) sockaddr() (unix.Sockaddr, error) {
	switch a.Family {
	case AFInet:
		ip, err := resolveIPv4(a.Host)
		if err != nil {
			return nil, err
		}
		return &unix.SockaddrInet4{Port: a.Port, Addr: ip}, nil
	case AFUnix:
		name := a.Path
		if len(name) > 0 && name[0] == '@' {
			// x/sys/unix reads a leading '@' as the abstract namespace;
			// in CPython it is an ordinary relative path.
			name = "./" + name
		}
		return &unix.SockaddrUnix{Name: name}, nil
	}
	return nil, fmt.Errorf("address type of %v unrecognized", a)
}

// addressOf converts a socket address from accept(2) or getsockname(2).
func addressOf(sa unix.Sockaddr) Address {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return InetAddress(netip.AddrFrom4(sa.Addr).String(), sa.Port)
	case *unix.SockaddrUnix:
		// x/sys/unix shows the abstract namespace's NUL as '@', and an
		// unnamed socket (an accepted client's, usually) as a lone "@".
		name := sa.Name
		switch {
		case name == "@":
			name = ""
		case len(name) > 0 && name[0] == '@':
			name = "\x00" + name[1:]
		}
		return UnixAddress(name)
	}
	return Address{}
}
