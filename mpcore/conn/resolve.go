package conn

// Host name resolution for AF_INET addresses, without package net: importing
// net links the cgo resolver and with it libc, and a dynamically linked binary
// spends about a millisecond more starting every child process. Resolution is
// rare (once per Listener or Client), so a small stub resolver is enough: the
// hosts file, then DNS over UDP (and TCP for a truncated reply) to the
// servers in resolv.conf, as the pure-Go resolver of package net does by
// default. Messages are built and parsed by golang.org/x/net/dns/dnsmessage,
// which does not import net.
//
// Its limits, beyond those of AF_INET itself (IPv4 only: a name with only
// IPv6 addresses fails saying so):
//   - resolv.conf's nameserver, search, domain and the options ndots,
//     timeout and attempts are honoured; rotate, edns0, single-request and
//     the rest are ignored, as are nsswitch.conf and mDNS;
//   - no EDNS0: a reply longer than 512 bytes comes truncated over UDP and
//     is asked again over TCP;
//   - no cache: every Listener or Client that names a host asks again.

import (
	"bufio"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/dns/dnsmessage"
	"golang.org/x/sys/unix"

	"github.com/mpstar/mpstar/mpcore/stop"
)

// resolver finds the addresses of a host name. Its fields name the files it
// reads, so tests can point it elsewhere.
type resolver struct {
	hostsPath, confPath string
	port                int           // of the DNS servers
	timeout             time.Duration // per DNS query, unless resolv.conf says
}

// systemResolver reads the system's files; its timeout is glibc's default.
var systemResolver = resolver{hostsPath: "/etc/hosts", confPath: "/etc/resolv.conf", port: 53, timeout: 5 * time.Second}

// errNoHost is what a name that resolves to nothing fails with; the text is
// CPython's socket.gaierror message for EAI_NONAME.
var errNoHost = errors.New("[Errno -2] Name or service not known")

// maxUDPReply is the largest DNS reply over UDP without EDNS0 (RFC 1035).
const maxUDPReply = 512

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

// lookup returns the first IPv4 address of name. A name that has only
// IPv6 addresses fails saying so: AF_INET sockets cannot reach them.
func (r resolver) lookup(name string) ([4]byte, error) {
	addrs, err := r.lookupAll(name)
	if err != nil {
		return [4]byte{}, err
	}
	for _, a := range addrs {
		if a.Is4() {
			return a.As4(), nil
		}
	}
	return [4]byte{}, fmt.Errorf("%s has only IPv6 addresses (%s), and an AF_INET address needs IPv4", name, joinAddrs(addrs))
}

// lookupAll returns the addresses of name, IPv4 and IPv6, from the hosts
// file, else from DNS (A and AAAA records).
func (r resolver) lookupAll(name string) ([]netip.Addr, error) {
	if addrs := r.fromHosts(name); len(addrs) > 0 {
		return addrs, nil
	}
	if strings.EqualFold(strings.TrimSuffix(name, "."), "localhost") {
		// RFC 6761, even without a hosts entry.
		return []netip.Addr{netip.AddrFrom4([4]byte{127, 0, 0, 1}), netip.IPv6Loopback()}, nil
	}
	conf := r.readConf()
	for _, fqdn := range conf.candidates(name) {
		addrs, err := r.queryAll(conf, fqdn)
		if err == nil {
			return addrs, nil
		}
		if err != errNoHost {
			return nil, fmt.Errorf("resolving %s: %w", name, err)
		}
	}
	return nil, fmt.Errorf("%s: %w", name, errNoHost)
}

// fromHosts looks name up in the hosts file (names are case-insensitive).
func (r resolver) fromHosts(name string) []netip.Addr {
	f, err := os.Open(r.hostsPath)
	if err != nil {
		return nil
	}
	defer f.Close()
	name = strings.TrimSuffix(name, ".")
	var addrs []netip.Addr
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		ip, err := netip.ParseAddr(fields[0])
		if err != nil {
			continue
		}
		for _, h := range fields[1:] {
			if strings.EqualFold(strings.TrimSuffix(h, "."), name) {
				addrs = append(addrs, ip.Unmap())
				break
			}
		}
	}
	return addrs
}

// resolvConf is what resolution needs from resolv.conf.
type resolvConf struct {
	servers  []netip.Addr
	search   []string
	ndots    int
	timeout  time.Duration // per query to one server
	attempts int           // rounds over all the servers
}

// readConf parses the resolver configuration; without one, it asks a server
// on the local host, as libc does.
func (r resolver) readConf() resolvConf {
	conf := resolvConf{ndots: 1, timeout: r.timeout, attempts: 2}
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
			conf.options(fields[1:])
		}
	}
	if len(conf.servers) == 0 {
		conf.servers = []netip.Addr{netip.AddrFrom4([4]byte{127, 0, 0, 1})}
	}
	return conf
}

// options applies resolv.conf's options, within glibc's bounds.
func (c *resolvConf) options(opts []string) {
	for _, opt := range opts {
		name, v, _ := strings.Cut(opt, ":")
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			continue
		}
		switch name {
		case "ndots":
			c.ndots = min(n, 15)
		case "timeout":
			c.timeout = time.Duration(min(max(n, 1), 30)) * time.Second
		case "attempts":
			c.attempts = min(max(n, 1), 5)
		}
	}
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

// queryAll asks for fqdn's A records, then its AAAA records, and returns
// the addresses found, IPv4 first. errNoHost means the name does not
// exist or has neither.
func (r resolver) queryAll(conf resolvConf, fqdn string) ([]netip.Addr, error) {
	var addrs []netip.Addr
	for _, qtype := range []dnsmessage.Type{dnsmessage.TypeA, dnsmessage.TypeAAAA} {
		found, err := r.query(conf, fqdn, qtype)
		if err != nil && err != errNoHost {
			return nil, err
		}
		if err == errNoHost && qtype == dnsmessage.TypeA {
			return nil, errNoHost // NXDOMAIN: no name, so no AAAA either
		}
		addrs = append(addrs, found...)
	}
	if len(addrs) == 0 {
		return nil, errNoHost
	}
	return addrs, nil
}

// query asks the servers for fqdn's records of qtype, attempts rounds of
// each server in turn, and returns the addresses of the first answer.
// errNoHost means a server answered that the name does not exist; an
// answer without such records gives no addresses and no error.
func (r resolver) query(conf resolvConf, fqdn string, qtype dnsmessage.Type) ([]netip.Addr, error) {
	msg, id, err := buildQuery(fqdn, qtype)
	if err != nil {
		return nil, err
	}
	var lastErr error
	for range conf.attempts {
		for _, server := range conf.servers {
			addrs, err := r.ask(server, conf.timeout, msg, id)
			if err == nil || err == errNoHost {
				return addrs, err
			}
			lastErr = fmt.Errorf("DNS server %s: %w", server, err)
		}
	}
	return nil, lastErr
}

// ask sends the query msg to server over UDP, and again over TCP if the
// reply was truncated, and parses the reply.
func (r resolver) ask(server netip.Addr, timeout time.Duration, msg []byte, id uint16) ([]netip.Addr, error) {
	reply, err := r.exchangeUDP(server, timeout, msg)
	if err != nil {
		return nil, err
	}
	addrs, err := parseReply(reply, id)
	if err == errTruncated {
		if reply, err = r.exchangeTCP(server, timeout, msg); err != nil {
			return nil, err
		}
		addrs, err = parseReply(reply, id)
	}
	return addrs, err
}

// dnsSocket returns a socket of type typ (SOCK_DGRAM or SOCK_STREAM)
// connected to port r.port of server within timeout.
func (r resolver) dnsSocket(server netip.Addr, typ int, timeout time.Duration) (int, error) {
	domain, sa := unix.AF_INET, unix.Sockaddr(&unix.SockaddrInet4{Port: r.port, Addr: server.As4()})
	if server.Is6() {
		domain, sa = unix.AF_INET6, &unix.SockaddrInet6{Port: r.port, Addr: server.As16()}
	}
	fd, err := unix.Socket(domain, typ|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	// A connected UDP socket only receives from the server it asked.
	if err := unix.Connect(fd, sa); err != nil && err != unix.EINPROGRESS {
		unix.Close(fd)
		return -1, os.NewSyscallError("connect", err)
	}
	if typ == unix.SOCK_STREAM {
		if err := awaitFD(fd, unix.POLLOUT, timeout); err != nil {
			unix.Close(fd)
			return -1, err
		}
		if soErr, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR); err != nil || soErr != 0 {
			unix.Close(fd)
			return -1, os.NewSyscallError("connect", errors.Join(err, unix.Errno(soErr)))
		}
	}
	return fd, nil
}

// exchangeUDP sends msg to server over UDP and returns the reply.
func (r resolver) exchangeUDP(server netip.Addr, timeout time.Duration, msg []byte) ([]byte, error) {
	fd, err := r.dnsSocket(server, unix.SOCK_DGRAM, timeout)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	if _, err := unix.Write(fd, msg); err != nil {
		return nil, os.NewSyscallError("send", err)
	}
	buf := make([]byte, maxUDPReply)
	n, err := readWithin(fd, buf, time.Now().Add(timeout))
	return buf[:n], err
}

// exchangeTCP sends msg to server over TCP, framed by its 2-byte length,
// and returns the reply (RFC 1035 4.2.2).
func (r resolver) exchangeTCP(server netip.Addr, timeout time.Duration, msg []byte) ([]byte, error) {
	deadline := time.Now().Add(timeout)
	fd, err := r.dnsSocket(server, unix.SOCK_STREAM, timeout)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	out := append(binary.BigEndian.AppendUint16(nil, uint16(len(msg))), msg...)
	for len(out) > 0 {
		n, err := unix.Write(fd, out)
		switch {
		case err == unix.EAGAIN:
			if err := awaitFD(fd, unix.POLLOUT, time.Until(deadline)); err != nil {
				return nil, err
			}
		case err != nil && err != unix.EINTR:
			return nil, os.NewSyscallError("send", err)
		case err == nil:
			out = out[n:]
		}
	}
	var size [2]byte
	if err := readFullWithin(fd, size[:], deadline); err != nil {
		return nil, err
	}
	reply := make([]byte, binary.BigEndian.Uint16(size[:]))
	return reply, readFullWithin(fd, reply, deadline)
}

// readWithin is one read(2) of the non-blocking fd, waiting for input
// until deadline.
func readWithin(fd int, p []byte, deadline time.Time) (int, error) {
	for {
		n, err := unix.Read(fd, p)
		switch err {
		case nil:
			if n == 0 {
				return 0, io.ErrUnexpectedEOF
			}
			return n, nil
		case unix.EAGAIN:
			if err := awaitFD(fd, unix.POLLIN, time.Until(deadline)); err != nil {
				return 0, err
			}
		case unix.EINTR:
		default:
			return 0, os.NewSyscallError("recv", err)
		}
	}
}

// readFullWithin fills p from the non-blocking fd before deadline.
func readFullWithin(fd int, p []byte, deadline time.Time) error {
	for len(p) > 0 {
		n, err := readWithin(fd, p, deadline)
		if err != nil {
			return err
		}
		p = p[n:]
	}
	return nil
}

// awaitFD waits up to timeout for fd to be ready for events.
func awaitFD(fd int, events int16, timeout time.Duration) error {
	ready, err := stop.WaitFD(fd, events, max(0, timeout))
	if err == nil && !ready {
		return fmt.Errorf("no answer within %v", timeout)
	}
	return err
}

// buildQuery returns a recursive DNS query for fqdn's records of qtype and
// its id.
func buildQuery(fqdn string, qtype dnsmessage.Type) ([]byte, uint16, error) {
	var idb [2]byte
	if _, err := rand.Read(idb[:]); err != nil {
		return nil, 0, err
	}
	id := binary.BigEndian.Uint16(idb[:])
	name, err := dnsmessage.NewName(fqdn)
	if err != nil || strings.Contains(fqdn, "..") || strings.HasPrefix(fqdn, ".") {
		return nil, 0, fmt.Errorf("%q is not a valid host name", fqdn)
	}
	b := dnsmessage.NewBuilder(make([]byte, 0, 64), dnsmessage.Header{ID: id, RecursionDesired: true})
	if err := b.StartQuestions(); err != nil {
		return nil, 0, err
	}
	if err := b.Question(dnsmessage.Question{Name: name, Type: qtype, Class: dnsmessage.ClassINET}); err != nil {
		return nil, 0, fmt.Errorf("%q is not a valid host name: %w", fqdn, err)
	}
	msg, err := b.Finish()
	return msg, id, err
}

// errTruncated is a reply that did not fit a UDP datagram.
var errTruncated = errors.New("truncated reply")

var errMalformed = errors.New("malformed reply")

// parseReply returns the A and AAAA records of a reply to query id (the
// target's records, after a CNAME). errNoHost means NXDOMAIN,
// errTruncated a reply to ask again over TCP.
func parseReply(msg []byte, id uint16) ([]netip.Addr, error) {
	var p dnsmessage.Parser
	h, err := p.Start(msg)
	if err != nil || h.ID != id || !h.Response {
		return nil, errMalformed
	}
	switch {
	case h.Truncated:
		return nil, errTruncated
	case h.RCode == dnsmessage.RCodeNameError:
		return nil, errNoHost
	case h.RCode != dnsmessage.RCodeSuccess:
		return nil, fmt.Errorf("server failure (rcode %d)", h.RCode)
	}
	if err := p.SkipAllQuestions(); err != nil {
		return nil, errMalformed
	}
	var addrs []netip.Addr
	for {
		rh, err := p.AnswerHeader()
		if err == dnsmessage.ErrSectionDone {
			return addrs, nil
		}
		if err != nil {
			return nil, errMalformed
		}
		switch {
		case rh.Class != dnsmessage.ClassINET:
			err = p.SkipAnswer()
		case rh.Type == dnsmessage.TypeA:
			var a dnsmessage.AResource
			if a, err = p.AResource(); err == nil {
				addrs = append(addrs, netip.AddrFrom4(a.A))
			}
		case rh.Type == dnsmessage.TypeAAAA:
			var a dnsmessage.AAAAResource
			if a, err = p.AAAAResource(); err == nil {
				addrs = append(addrs, netip.AddrFrom16(a.AAAA))
			}
		default:
			err = p.SkipAnswer() // a CNAME; its target's records follow
		}
		if err != nil {
			return nil, errMalformed
		}
	}
}

// joinAddrs formats addresses for a message.
func joinAddrs(addrs []netip.Addr) string {
	s := make([]string, len(addrs))
	for i, a := range addrs {
		s[i] = a.String()
	}
	return strings.Join(s, ", ")
}
