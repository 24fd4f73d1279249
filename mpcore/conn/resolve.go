package conn

// Host name resolution for AF_INET addresses, without package net: importing
// net links the cgo resolver and with it libc, and a dynamically linked binary
// spends about a millisecond more starting every child process. Resolution is
// rare (once per Listener or Client), so a small stub resolver is enough: the
// hosts file, then DNS A queries over UDP to the servers in resolv.conf, as
// the pure-Go resolver of package net does by default.

import (
	"bufio"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// resolver finds the IPv4 address of a host name. Its fields name the files
// it reads, so tests can point it elsewhere.
type resolver struct {
	hostsPath, confPath string
	port                int           // of the DNS servers
	timeout             time.Duration // per DNS query
}

// systemResolver reads the system's files.
var systemResolver = resolver{hostsPath: "/etc/hosts", confPath: "/etc/resolv.conf", port: 53, timeout: 3 * time.Second}

// errNoHost is what a name that resolves to nothing fails with; the text is
// CPython's socket.gaierror message for EAI_NONAME.
var errNoHost = errors.New("[Errno -2] Name or service not known")

// resolveIPv4 returns the IPv4 address of host ("" is any address).
func resolveIPv4(host string) ([4]byte, error) {
	if host == "" {
		return [4]byte{}, nil
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if ip = ip.Unmap(); !ip.Is4() {
			return [4]byte{}, fmt.Errorf("%s is not an IPv4 address", host)
		}
		return ip.As4(), nil
	}
	return systemResolver.lookup(host)
}

// lookup resolves name through the hosts file, then DNS.
func (r resolver) lookup(name string) ([4]byte, error) {
	if ip, ok := r.fromHosts(name); ok {
		return ip, nil
	}
	if strings.EqualFold(strings.TrimSuffix(name, "."), "localhost") {
		return [4]byte{127, 0, 0, 1}, nil // RFC 6761, even without a hosts entry
	}
	conf := r.readConf()
	for _, fqdn := range conf.candidates(name) {
		ip, err := r.query(conf.servers, fqdn)
		if err == nil {
			return ip, nil
		}
		if err != errNoHost {
			return [4]byte{}, fmt.Errorf("resolving %s: %w", name, err)
		}
	}
	return [4]byte{}, fmt.Errorf("%s: %w", name, errNoHost)
}

// fromHosts looks name up in the hosts file (names are case-insensitive).
func (r resolver) fromHosts(name string) ([4]byte, bool) {
	f, err := os.Open(r.hostsPath)
	if err != nil {
		return [4]byte{}, false
	}
	defer f.Close()
	name = strings.TrimSuffix(name, ".")
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		ip, err := netip.ParseAddr(fields[0])
		if err != nil || !ip.Unmap().Is4() {
			continue
		}
		for _, h := range fields[1:] {
			if strings.EqualFold(strings.TrimSuffix(h, "."), name) {
				return ip.Unmap().As4(), true
			}
		}
	}
	return [4]byte{}, false
}

// resolvConf is what resolution needs from resolv.conf.
type resolvConf struct {
	servers []netip.Addr
	search  []string
	ndots   int
}

// readConf parses the resolver configuration; without one, it asks a server
// on the local host, as libc does.
func (r resolver) readConf() resolvConf {
	conf := resolvConf{ndots: 1}
	data, _ := os.ReadFile(r.confPath)
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		switch fields[0] {
		case "nameserver":
			if ip, err := netip.ParseAddr(fields[1]); err == nil {
				conf.servers = append(conf.servers, ip.Unmap())
			}
		case "search", "domain":
			conf.search = fields[1:]
		case "options":
			for _, opt := range fields[1:] {
				if v, ok := strings.CutPrefix(opt, "ndots:"); ok {
					conf.ndots, _ = strconv.Atoi(v)
				}
			}
		}
	}
	if len(conf.servers) == 0 {
		conf.servers = []netip.Addr{netip.AddrFrom4([4]byte{127, 0, 0, 1})}
	}
	return conf
}

// candidates lists the fully qualified names to try for name, in resolv.conf
// order: the bare name first when it has at least ndots dots.
func (c resolvConf) candidates(name string) []string {
	if strings.HasSuffix(name, ".") {
		return []string{name}
	}
	var out []string
	for _, domain := range c.search {
		out = append(out, name+"."+strings.TrimSuffix(domain, ".")+".")
	}
	if strings.Count(name, ".") >= c.ndots {
		return append([]string{name + "."}, out...)
	}
	return append(out, name+".")
}

// query asks each server in turn for fqdn's A record; errNoHost means a
// server answered that there is none.
func (r resolver) query(servers []netip.Addr, fqdn string) ([4]byte, error) {
	msg, id, err := buildQuery(fqdn)
	if err != nil {
		return [4]byte{}, err
	}
	var lastErr error
	for _, server := range servers {
		reply, err := r.exchange(server, msg)
		if err == nil {
			var ip [4]byte
			if ip, err = parseReply(reply, id); err == nil || err == errNoHost {
				return ip, err
			}
		}
		lastErr = fmt.Errorf("DNS server %s: %w", server, err)
	}
	return [4]byte{}, lastErr
}

// exchange sends msg to server over UDP and returns the reply.
func (r resolver) exchange(server netip.Addr, msg []byte) ([]byte, error) {
	domain, sa := unix.AF_INET, unix.Sockaddr(&unix.SockaddrInet4{Port: r.port, Addr: server.As4()})
	if server.Is6() {
		domain, sa = unix.AF_INET6, &unix.SockaddrInet6{Port: r.port, Addr: server.As16()}
	}
	fd, err := unix.Socket(domain, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	defer unix.Close(fd)
	tv := unix.NsecToTimeval(r.timeout.Nanoseconds())
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return nil, os.NewSyscallError("setsockopt", err)
	}
	// A connected UDP socket only receives from the server it asked.
	if err := unix.Connect(fd, sa); err != nil {
		return nil, os.NewSyscallError("connect", err)
	}
	if _, err := unix.Write(fd, msg); err != nil {
		return nil, os.NewSyscallError("send", err)
	}
	buf := make([]byte, 1232)
	for {
		n, err := unix.Read(fd, buf)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return nil, fmt.Errorf("no answer within %v", r.timeout)
		case err != nil:
			return nil, os.NewSyscallError("recv", err)
		}
		return buf[:n], nil
	}
}

// buildQuery returns a recursive DNS query for fqdn's A record and its id.
func buildQuery(fqdn string) ([]byte, uint16, error) {
	var idb [2]byte
	if _, err := rand.Read(idb[:]); err != nil {
		return nil, 0, err
	}
	id := binary.BigEndian.Uint16(idb[:])
	// header: id, flags (RD), QDCOUNT 1, no other records
	msg := binary.BigEndian.AppendUint16(nil, id)
	msg = append(msg, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0)
	for _, label := range strings.Split(strings.TrimSuffix(fqdn, "."), ".") {
		if len(label) == 0 || len(label) > 63 {
			return nil, 0, fmt.Errorf("%q is not a valid host name", fqdn)
		}
		msg = append(msg, byte(len(label)))
		msg = append(msg, label...)
	}
	msg = append(msg, 0, 0, 1, 0, 1) // root label, QTYPE A, QCLASS IN
	return msg, id, nil
}

// parseReply returns the first A record of a reply to query id.
func parseReply(msg []byte, id uint16) ([4]byte, error) {
	var ip [4]byte
	if len(msg) < 12 || binary.BigEndian.Uint16(msg) != id || msg[2]&0x80 == 0 {
		return ip, errors.New("malformed reply")
	}
	switch rcode := msg[3] & 0x0f; rcode {
	case 0:
	case 3:
		return ip, errNoHost
	default:
		return ip, fmt.Errorf("server failure (rcode %d)", rcode)
	}
	qd, an := binary.BigEndian.Uint16(msg[4:]), binary.BigEndian.Uint16(msg[6:])
	off := 12
	for range qd {
		if off = skipName(msg, off); off < 0 {
			return ip, errors.New("malformed reply")
		}
		off += 4 // QTYPE, QCLASS
	}
	for range an {
		off = skipName(msg, off)
		if off < 0 || off+10 > len(msg) {
			return ip, errors.New("malformed reply")
		}
		typ, class := binary.BigEndian.Uint16(msg[off:]), binary.BigEndian.Uint16(msg[off+2:])
		size := int(binary.BigEndian.Uint16(msg[off+8:]))
		off += 10
		if off+size > len(msg) {
			return ip, errors.New("malformed reply")
		}
		if typ == 1 && class == 1 && size == 4 {
			copy(ip[:], msg[off:])
			return ip, nil
		}
		off += size // a CNAME; its target's A record follows
	}
	return ip, errNoHost
}

// skipName returns the offset just past the (possibly compressed) name at
// off, or -1 if the name runs off the message.
func skipName(msg []byte, off int) int {
	for off >= 0 && off < len(msg) {
		switch n := int(msg[off]); {
		case n == 0:
			return off + 1
		case n&0xc0 == 0xc0:
			return off + 2 // a pointer ends the name
		default:
			off += 1 + n
		}
	}
	return -1
}
