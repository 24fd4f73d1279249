package conn

import (
	"encoding/binary"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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

// fakeDNS answers A queries on a local UDP port from records (fully
// qualified name -> address; a value starting with "cname:" answers with a
// CNAME and then the target's A record) and NXDOMAIN for everything else. It
// records the names it was asked, in order.
type fakeDNS struct {
	pc      net.PacketConn
	records map[string]string
	asked   chan string
}

func startFakeDNS(t *testing.T, records map[string]string) *fakeDNS {
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d := &fakeDNS{pc: pc, records: records, asked: make(chan string, 16)}
	t.Cleanup(func() { pc.Close() })
	go d.serve()
	return d
}

func (d *fakeDNS) port() int { return d.pc.LocalAddr().(*net.UDPAddr).Port }

func (d *fakeDNS) serve() {
	buf := make([]byte, 512)
	for {
		n, from, err := d.pc.ReadFrom(buf)
		if err != nil {
			return
		}
		q := buf[:n]
		end := skipName(q, 12)
		name := decodeName(q[12:end])
		d.asked <- name
		reply := append([]byte(nil), q[:end+4]...)
		reply[2] |= 0x80 // QR
		answer, ok := d.records[name]
		if !ok {
			reply[3] |= 3 // NXDOMAIN
			d.pc.WriteTo(reply, from)
			continue
		}
		var count uint16
		if target, isCNAME := strings.CutPrefix(answer, "cname:"); isCNAME {
			rdata := encodeName(target)
			reply = appendRR(reply, 5, rdata)
			answer = d.records[target]
			count++
		}
		reply = appendRR(reply, 1, net.ParseIP(answer).To4())
		count++
		binary.BigEndian.PutUint16(reply[6:], count)
		d.pc.WriteTo(reply, from)
	}
}

// appendRR appends a record of type typ owned by the question's name (a
// compression pointer to offset 12).
func appendRR(msg []byte, typ uint16, rdata []byte) []byte {
	msg = append(msg, 0xc0, 12)
	msg = binary.BigEndian.AppendUint16(msg, typ)
	msg = append(msg, 0, 1, 0, 0, 0, 60)
	msg = binary.BigEndian.AppendUint16(msg, uint16(len(rdata)))
	return append(msg, rdata...)
}

func encodeName(fqdn string) []byte {
	var out []byte
	for _, l := range strings.Split(strings.TrimSuffix(fqdn, "."), ".") {
		out = append(append(out, byte(len(l))), l...)
	}
	return append(out, 0)
}

func decodeName(b []byte) string {
	var labels []string
	for len(b) > 0 && b[0] != 0 {
		labels = append(labels, string(b[1:1+b[0]]))
		b = b[1+b[0]:]
	}
	return strings.Join(labels, ".") + "."
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

// FuzzParseReply feeds garbage to the reply parser: it must fail cleanly.
func FuzzParseReply(f *testing.F) {
	q, id, _ := buildQuery("a.example.")
	good := appendRR(append([]byte(nil), q...), 1, []byte{1, 2, 3, 4})
	good[2] |= 0x80
	binary.BigEndian.PutUint16(good[6:], 1)
	f.Add(good, id)
	f.Add(good[:20], id)
	f.Add([]byte{0, 0, 0x80, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0xc0}, uint16(0))
	f.Fuzz(func(t *testing.T, msg []byte, id uint16) {
		parseReply(msg, id)
	})
}
