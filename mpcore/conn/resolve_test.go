package conn

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
	"golang.org/x/sys/unix"
)

func TestResolveIPv4Literals(t *testing.T) {
	for host, want := range map[string][4]byte{
		"":                 {},
		"127.0.0.1":        {127, 0, 0, 1},
		"::ffff:10.1.2.3":  {10, 1, 2, 3},
		"192.168.100.200":  {192, 168, 100, 200},
		"localhost":        {127, 0, 0, 1},
		"LOCALHOST.":       {127, 0, 0, 1},
		"0.0.0.0":          {},
		"255.255.255.255":  {255, 255, 255, 255},
		"::ffff:127.0.0.1": {127, 0, 0, 1},
	} {
		got, err := resolveIPv4(host)
		if err != nil || got != want {
			t.Errorf("resolveIPv4(%q) = %v, %v; want %v", host, got, err, want)
		}
	}
	if _, err := resolveIPv4("::1"); err == nil || !strings.Contains(err.Error(), "not an IPv4 address") {
		t.Errorf("resolveIPv4(::1) error = %v, want one saying it is not IPv4", err)
	}
}

// testResolver returns a resolver reading the given hosts and resolv.conf
// texts and asking DNS servers on port.
func testResolver(t *testing.T, hosts, conf string, port int) resolver {
	dir := t.TempDir()
	r := resolver{hostsPath: filepath.Join(dir, "hosts"), confPath: filepath.Join(dir, "resolv.conf"), port: port, timeout: 5 * time.Second}
	for path, text := range map[string]string{r.hostsPath: hosts, r.confPath: conf} {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

func TestResolverHostsFile(t *testing.T) {
	r := testResolver(t, "# comment\n10.0.0.7 alpha Alpha-Alias # trailing\n::1 beta\n10.0.0.8 beta\nbogus gamma\n", "", 0)
	for name, want := range map[string][4]byte{"alpha": {10, 0, 0, 7}, "ALPHA-alias.": {10, 0, 0, 7}, "beta": {10, 0, 0, 8}} {
		got, err := r.lookup(name)
		if err != nil || got != want {
			t.Errorf("lookup(%q) = %v, %v; want %v", name, got, err, want)
		}
	}
}

// fakeDNS answers queries on a local port, over UDP and TCP, from records
// (fully qualified name -> comma-separated IPv4 and IPv6 addresses; a value
// starting with "cname:" answers with a CNAME and then the target's
// records; one starting with "tc:" comes truncated over UDP, whole over
// TCP) and NXDOMAIN for everything else. It records the names it was
// asked, in order.
type fakeDNS struct {
	pc      net.PacketConn
	ln      net.Listener
	records map[string]string
	asked   chan string
	overTCP chan string
}

func startFakeDNS(t *testing.T, records map[string]string) *fakeDNS {
	d := &fakeDNS{records: records, asked: make(chan string, 64), overTCP: make(chan string, 64)}
	for range 20 { // a UDP port whose TCP twin is free
		pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp4", pc.LocalAddr().String())
		if err != nil {
			pc.Close()
			continue
		}
		d.pc, d.ln = pc, ln
		break
	}
	if d.pc == nil {
		t.Fatal("no port free for both UDP and TCP")
	}
	t.Cleanup(func() {
		d.pc.Close()
		d.ln.Close()
	})
	go d.serveUDP()
	go d.serveTCP()
	return d
}

func (d *fakeDNS) port() int { return d.pc.LocalAddr().(*net.UDPAddr).Port }

func (d *fakeDNS) serveUDP() {
	buf := make([]byte, 512)
	for {
		n, from, err := d.pc.ReadFrom(buf)
		if err != nil {
			return
		}
		if reply := d.answer(buf[:n], false); reply != nil {
			d.pc.WriteTo(reply, from)
		}
	}
}

func (d *fakeDNS) serveTCP() {
	for {
		c, err := d.ln.Accept()
		if err != nil {
			return
		}
		var size [2]byte
		if _, err := io.ReadFull(c, size[:]); err == nil {
			q := make([]byte, binary.BigEndian.Uint16(size[:]))
			if _, err := io.ReadFull(c, q); err == nil {
				reply := d.answer(q, true)
				c.Write(append(binary.BigEndian.AppendUint16(nil, uint16(len(reply))), reply...))
			}
		}
		c.Close()
	}
}

// answer returns the reply to the query q.
func (d *fakeDNS) answer(q []byte, tcp bool) []byte {
	var p dnsmessage.Parser
	h, err := p.Start(q)
	if err != nil {
		return nil
	}
	question, err := p.Question()
	if err != nil {
		return nil
	}
	name := question.Name.String()
	d.asked <- name
	if tcp {
		d.overTCP <- name
	}
	h.Response = true
	answer, ok := d.records[name]
	if !ok {
		h.RCode = dnsmessage.RCodeNameError
	}
	if rest, truncated := strings.CutPrefix(answer, "tc:"); truncated {
		answer = rest
		if !tcp {
			h.Truncated, answer = true, ""
		}
	}
	b := dnsmessage.NewBuilder(nil, h)
	b.StartQuestions()
	b.Question(question)
	b.StartAnswers()
	rh := dnsmessage.ResourceHeader{Name: question.Name, Class: dnsmessage.ClassINET, TTL: 60}
	if target, isCNAME := strings.CutPrefix(answer, "cname:"); isCNAME {
		b.CNAMEResource(rh, dnsmessage.CNAMEResource{CNAME: dnsmessage.MustNewName(target)})
		rh.Name, answer = dnsmessage.MustNewName(target), d.records[target]
	}
	for _, a := range strings.Split(answer, ",") {
		ip, err := netip.ParseAddr(a)
		switch {
		case err != nil:
		case ip.Is4() && question.Type == dnsmessage.TypeA:
			b.AResource(rh, dnsmessage.AResource{A: ip.As4()})
		case ip.Is6() && question.Type == dnsmessage.TypeAAAA:
			b.AAAAResource(rh, dnsmessage.AAAAResource{AAAA: ip.As16()})
		}
	}
	reply, _ := b.Finish()
	return reply
}

func TestResolverDNSSearchAndCNAME(t *testing.T) {
	d := startFakeDNS(t, map[string]string{
		"db.corp.test.":   "cname:real.corp.test.",
		"real.corp.test.": "10.9.8.7",
		"www.example.":    "10.1.1.1",
	})
	r := testResolver(t, "", "search corp.test\nnameserver 127.0.0.1\n", d.port())
	got, err := r.lookup("db")
	if err != nil || got != [4]byte{10, 9, 8, 7} {
		t.Fatalf("lookup(db) = %v, %v; want 10.9.8.7 through the search domain and the CNAME", got, err)
	}
	if first := <-d.asked; first != "db.corp.test." {
		t.Errorf("first query was %q; a name without dots tries the search domains first", first)
	}
	got, err = r.lookup("www.example")
	if err != nil || got != [4]byte{10, 1, 1, 1} {
		t.Fatalf("lookup(www.example) = %v, %v", got, err)
	}
	if _, err := r.lookup("nowhere.invalid"); err == nil || !strings.Contains(err.Error(), "Name or service not known") {
		t.Errorf("lookup(nowhere.invalid) error = %v, want CPython's gaierror text", err)
	}
}

func TestResolverDNSTimeoutSaysWhichServer(t *testing.T) {
	silent, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	r := testResolver(t, "", "nameserver 127.0.0.1\n", silent.LocalAddr().(*net.UDPAddr).Port)
	r.timeout = 50 * time.Millisecond
	_, err = r.lookup("quiet.example")
	if err == nil || !strings.Contains(err.Error(), "DNS server 127.0.0.1: no answer within") {
		t.Errorf("lookup against a silent server: error %v, want one naming the server and the timeout", err)
	}
}

func TestCandidatesOrder(t *testing.T) {
	c := resolvConf{search: []string{"a.test", "b.test."}, ndots: 1}
	for name, want := range map[string]string{
		"host":    "host.a.test. host.b.test. host.",
		"host.x":  "host.x. host.x.a.test. host.x.b.test.",
		"host.x.": "host.x.",
	} {
		if got := strings.Join(c.candidates(name), " "); got != want {
			t.Errorf("candidates(%q) = %s, want %s", name, got, want)
		}
	}
}

func TestResolverTruncatedReplyRetriesOverTCP(t *testing.T) {
	d := startFakeDNS(t, map[string]string{"big.example.": "tc:10.2.3.4"})
	r := testResolver(t, "", "nameserver 127.0.0.1\n", d.port())
	got, err := r.lookup("big.example")
	if err != nil || got != [4]byte{10, 2, 3, 4} {
		t.Fatalf("lookup(big.example) = %v, %v; want 10.2.3.4, asked again over TCP", got, err)
	}
	if name := <-d.overTCP; name != "big.example." {
		t.Errorf("asked %q over TCP", name)
	}
}

func TestResolverLooksUpAAAA(t *testing.T) {
	d := startFakeDNS(t, map[string]string{
		"both.example.": "10.0.0.1,2001:db8::1",
		"six.example.":  "2001:db8::6",
	})
	r := testResolver(t, "", "nameserver 127.0.0.1\n", d.port())
	addrs, err := r.lookupAll("both.example")
	if got := joinAddrs(addrs); err != nil || got != "10.0.0.1, 2001:db8::1" {
		t.Errorf("lookupAll(both.example) = %s, %v; want the A and the AAAA record", got, err)
	}
	_, err = r.lookup("six.example")
	if err == nil || !strings.Contains(err.Error(), "only IPv6 addresses (2001:db8::6)") {
		t.Errorf("lookup of a name with only an AAAA record: %v, want an error saying so", err)
	}
}

func TestResolverHonoursAttempts(t *testing.T) {
	silent, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	port := silent.LocalAddr().(*net.UDPAddr).Port
	for _, attempts := range []int{1, 3} {
		r := testResolver(t, "", fmt.Sprintf("nameserver 127.0.0.1\noptions timeout:1 attempts:%d\n", attempts), port)
		conf := r.readConf()
		if conf.timeout != time.Second || conf.attempts != attempts {
			t.Fatalf("options timeout:1 attempts:%d read as %v, %d", attempts, conf.timeout, conf.attempts)
		}
		if _, err := r.query(conf, "quiet.example.", dnsmessage.TypeA); err == nil {
			t.Fatal("a silent server answered")
		}
		// Every query has been sent: count those waiting in the socket.
		asked := queued(t, silent.(*net.UDPConn))
		if asked != attempts {
			t.Errorf("options attempts:%d: asked %d times", attempts, asked)
		}
	}
}

// queued takes every datagram waiting in c's socket, without waiting for
// more, and returns how many there were.
func queued(t *testing.T, c *net.UDPConn) int {
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	buf := make([]byte, 512)
	err = rc.Control(func(fd uintptr) {
		for {
			if _, _, err := unix.Recvfrom(int(fd), buf, unix.MSG_DONTWAIT); err != nil {
				return
			}
			n++
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// FuzzParseReply feeds garbage to the reply parser: it must fail cleanly.
func FuzzParseReply(f *testing.F) {
	q, id, _ := buildQuery("a.example.", dnsmessage.TypeA)
	good := (&fakeDNS{records: map[string]string{"a.example.": "1.2.3.4"}, asked: make(chan string, 1)}).answer(q, false)
	f.Add(good, id)
	f.Add(good[:20], id)
	f.Add([]byte{0, 0, 0x80, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0xc0}, uint16(0))
	f.Fuzz(func(t *testing.T, msg []byte, id uint16) {
		parseReply(msg, id)
	})
}
