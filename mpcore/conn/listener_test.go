package conn

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func mustListen(t *testing.T, addr Address, authkey []byte) *Listener {
	t.Helper()
	l, err := NewListener(addr, 5, authkey)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// exchange accepts one connection on l while dialing it with d, then sends
// a message each way.
func exchange(t *testing.T, l *Listener, d *Dialer) (acceptErr, dialErr error) {
	t.Helper()
	within(t, 20*time.Second, func() {
		accepted := make(chan *Conn, 1)
		go func() {
			c, err := l.Accept()
			acceptErr = err
			accepted <- c
		}()
		client, err := d.Dial(l.Address())
		dialErr = err
		server := <-accepted
		if acceptErr != nil || dialErr != nil {
			return
		}
		defer client.Close()
		defer server.Close()
		client.SendBytes([]byte("ping"))
		if got, err := server.RecvBytes(-1); err != nil || string(got) != "ping" {
			t.Errorf("server got %q, %v", got, err)
		}
		server.SendBytes([]byte("pong"))
		if got, err := client.RecvBytes(-1); err != nil || string(got) != "pong" {
			t.Errorf("client got %q, %v", got, err)
		}
	})
	return acceptErr, dialErr
}

func TestListenerFamilies(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		addr Address
	}{
		{"inet", InetAddress("127.0.0.1", 0)},
		{"localhost", InetAddress("localhost", 0)},
		{"unix", UnixAddress(filepath.Join(dir, "sock"))},
		{"abstract", UnixAddress("\x00mpstar-test-" + filepath.Base(dir))},
	} {
		addr := tc.addr
		t.Run(tc.name, func(t *testing.T) {
			l := mustListen(t, addr, []byte("key"))
			if addr.Family == AFInet && (l.Address().Port == 0 || l.Address().Host != "127.0.0.1") {
				t.Fatalf("Address() = %v, want the real port on 127.0.0.1", l.Address())
			}
			if aErr, dErr := exchange(t, l, &Dialer{AuthKey: []byte("key")}); aErr != nil || dErr != nil {
				t.Fatalf("accept: %v, dial: %v", aErr, dErr)
			}
			last := l.LastAccepted()
			if last.Family != addr.Family || (addr.Family == AFInet && last.Host != "127.0.0.1") {
				t.Fatalf("LastAccepted() = %#v", last)
			}
		})
	}
}

func TestNoDelayOnTCP(t *testing.T) {
	l := mustListen(t, InetAddress("127.0.0.1", 0), nil)
	c, err := Dial(l.Address(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, conn := range []*Conn{c, s} {
		v, err := syscall.GetsockoptInt(conn.fd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY)
		if err != nil || v == 0 {
			t.Fatalf("TCP_NODELAY = %d, %v", v, err)
		}
	}
	if c.MaxFrame() != DefaultMaxFrame || s.MaxFrame() != DefaultMaxFrame {
		t.Fatalf("socket frame limits %d, %d", c.MaxFrame(), s.MaxFrame())
	}
}

func TestUnixSocketFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sock")
	l, err := NewListener(UnixAddress(path), 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("no socket file: %v", err)
	}
	if l.Address().String() != "'"+path+"'" {
		t.Fatalf("String() = %s", l.Address())
	}
	// As in CPython, a second Listener on an existing path fails.
	if _, err := NewListener(UnixAddress(path), 1, nil); !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("second listener on %s: %v, want EADDRINUSE", path, err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("socket file left after Close: %v", err)
	}
	if _, err := Dial(UnixAddress(path), nil); !errors.Is(err, syscall.ENOENT) {
		t.Fatalf("dial after Close: %v, want ENOENT", err)
	}
}

func TestArbitraryAddress(t *testing.T) {
	// An abstract name: no socket file to leave behind, even on SIGKILL.
	l := mustListen(t, Address{}, nil)
	if !l.Address().IsAbstract() || !l.OwnerOnly {
		t.Fatalf("zero Address listens on %v (OwnerOnly %v), want an abstract name for the owner only", l.Address(), l.OwnerOnly)
	}
	l.Close()
}

func TestAbstractAddressString(t *testing.T) {
	if s := UnixAddress("\x00name").String(); s != `b'\x00name'` {
		t.Fatalf("got %s", s)
	}
	if s := InetAddress("127.0.0.1", 80).String(); s != "('127.0.0.1', 80)" {
		t.Fatalf("got %s", s)
	}
}

func TestAcceptInterruptedByClose(t *testing.T) {
	l := mustListen(t, InetAddress("127.0.0.1", 0), nil)
	errc := make(chan error, 2)
	for range 2 {
		go func() {
			_, err := l.Accept()
			errc <- err
		}()
	}
	within(t, 10*time.Second, func() {
		if err := l.Close(); err != nil {
			t.Error(err)
		}
		for range 2 {
			if err := <-errc; err != ErrListenerClosed {
				t.Errorf("Accept after Close: %v", err)
			}
		}
	})
	if _, err := l.Accept(); err != ErrListenerClosed {
		t.Fatalf("Accept on a closed Listener: %v", err)
	}
}

func TestWrongKey(t *testing.T) {
	l := mustListen(t, InetAddress("127.0.0.1", 0), []byte("right"))
	aErr, dErr := exchange(t, l, &Dialer{AuthKey: []byte("wrong")})
	if e := errorAs[*AuthenticationError](t, aErr); e.Msg != "digest received was wrong" {
		t.Fatalf("listener side: %v", e)
	}
	if e := errorAs[*AuthenticationError](t, dErr); e.Msg != "digest sent was rejected" {
		t.Fatalf("client side: %v", e)
	}
}

func TestHandshakeDeadlineWithSilentPeers(t *testing.T) {
	// A client that connects and says nothing.
	l := mustListen(t, InetAddress("127.0.0.1", 0), []byte("key"))
	l.HandshakeTimeout = 100 * time.Millisecond
	silent, err := Dial(l.Address(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	within(t, 10*time.Second, func() {
		_, err := l.Accept()
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("Accept with a silent client: %v", err)
		}
	})
	// A listener that never accepts: the kernel completes the connection
	// from the backlog, then nobody speaks.
	mute := mustListen(t, InetAddress("127.0.0.1", 0), nil)
	within(t, 10*time.Second, func() {
		d := &Dialer{AuthKey: []byte("key"), HandshakeTimeout: 100 * time.Millisecond}
		if _, err := d.Dial(mute.Address()); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("Dial to a silent listener: %v", err)
		}
	})
}

func TestDialRefused(t *testing.T) {
	l := mustListen(t, InetAddress("127.0.0.1", 0), nil)
	addr := l.Address()
	l.Close()
	if _, err := Dial(addr, nil); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("got %v, want ECONNREFUSED", err)
	}
	if _, err := Dial(Address{}, nil); err == nil {
		t.Fatal("Dial of the zero Address succeeded")
	}
}

func TestSilentPeersDelayNoOne(t *testing.T) {
	l, err := NewListener(InetAddress("127.0.0.1", 0), 128, []byte("key"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	// Silent peers would each hold a serial handshake for an hour.
	l.HandshakeTimeout = time.Hour
	accepted := make(chan *Conn, 1)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	for range 100 {
		silent, err := Dial(l.Address(), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer silent.Close()
	}
	start := time.Now()
	// The good client must be through its handshake within its own
	// deadline, far less than one silent peer's hour.
	d := &Dialer{AuthKey: []byte("key"), HandshakeTimeout: 10 * time.Second}
	good, err := d.Dial(l.Address())
	if err != nil {
		t.Fatalf("a good client behind 100 silent ones: %v", err)
	}
	defer good.Close()
	servesNext(t, accepted, good, "a good client behind 100 silent ones")
	t.Logf("good client served %v after 100 silent connections", time.Since(start))
}

func TestPendingBound(t *testing.T) {
	l := mustListen(t, InetAddress("127.0.0.1", 0), []byte("key"))
	l.HandshakeTimeout = time.Hour
	l.MaxPending = 2
	go l.Accept()
	var silent []*Conn
	for range 2 {
		c, err := Dial(l.Address(), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		silent = append(silent, c)
	}
	for _, c := range silent { // both are in their handshake: challenged
		if _, err := c.RecvBytes(-1); err != nil {
			t.Fatal(err)
		}
	}
	// A connection past the bound waits, unchallenged, in the backlog
	// until a place frees; it is not turned away.
	extra, err := Dial(l.Address(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	if ready, err := extra.Poll(200 * time.Millisecond); ready || err != nil {
		t.Fatalf("a connection past MaxPending: readable %v, %v while both places were held; want it waiting", ready, err)
	}
	silent[0].Close()
	within(t, 10*time.Second, func() {
		if _, err := extra.RecvBytes(-1); err != nil {
			t.Errorf("once a place freed, the waiting connection got %v; want its challenge", err)
		}
	})
}
