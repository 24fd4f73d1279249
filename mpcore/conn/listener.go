package conn

// Listener and Dial, socket connections with optional authkey handshake.
// Mirrors Listener, Client, SocketListener and SocketClient in CPython's
// Lib/multiprocessing/connection.py.

import (
	"encoding/binary"
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mpstar/mpstar/mpcore/stop"
)

// Listener is a bound, listening socket that accepts Conns.
//
// Accept may be called from several goroutines; Close may be called from
// any goroutine and interrupts Accepts in progress. Set the exported fields
// before the first Accept.
type Listener struct {
	// HandshakeTimeout bounds each accepted connection's authkey handshake
	// (DefaultHandshakeTimeout if zero).
	HandshakeTimeout time.Duration
	// MaxFrame is the frame limit of accepted Conns (DefaultMaxFrame if zero).
	MaxFrame int
	// MaxPending bounds the connections accepted but not yet returned by
	// Accept: those still in their handshake, and those authenticated
	// and waiting for an Accept (DefaultMaxPending if zero). Connections
	// beyond it wait in the kernel's backlog until a place frees. Only a
	// Listener with an authkey has any: handshakes run concurrently, so a
	// peer that stays silent holds a place for HandshakeTimeout but delays
	// no one else while places are left.
	MaxPending int
	// Poll puts accepted Conns in poll mode (see Conn.SetPollable) before
	// their handshake, so that neither a handshake nor an idle connection
	// holds an OS thread: what a server with many clients wants.
	Poll bool
	// OwnerOnly makes an AF_UNIX Listener accept only processes of its
	// own user (and root): the peer's credentials (SO_PEERCRED) are
	// checked before a byte is exchanged, and anyone else's connection is
	// closed at once. An abstract name has no file whose permissions could
	// keep other users out, so this is what does.
	OwnerOnly bool

	fd      int // listening socket, non-blocking
	wakeFd  int // eventfd written by Close to interrupt Accept's poll
	address Address
	authkey []byte
	unlink  string // socket file to remove on Close, if any

	mu        sync.Mutex
	closed    bool
	last      Address
	accepting sync.WaitGroup // Accepts inside the poll/accept loop

	// With an authkey, one goroutine accepts and starts a handshake per
	// connection; Accept takes the results from queue.
	startAccepting sync.Once
	queue          *acceptQueue
	done           chan struct{}      // closed by Close
	pending        chan struct{}      // a token per connection not yet returned
	handshaking    map[*Conn]struct{} // in their handshake; guarded by mu
}

// accepted is a connection whose handshake has ended, or why accepting
// failed.
type accepted struct {
	c     *Conn
	addr  Address
	err   error
	ended time.Time // when the handshake ended
}

// DefaultMaxPending is the default of Listener.MaxPending.
const DefaultMaxPending = 256

// NewListener binds a socket to address and listens with the given backlog.
// A zero Address picks ArbitraryAddress(AFUnix); port 0 picks a free port.
// A Listener on an address ArbitraryAddress picked is OwnerOnly. As in CPython, an existing file at an AF_UNIX path is an error
// (EADDRINUSE), and the file is removed again by Close. A non-nil authkey
// (even empty) makes Accept authenticate every connection.
func NewListener(address Address, backlog int, authkey []byte) (*Listener, error) {
	if address == (Address{}) {
		a, err := ArbitraryAddress(AFUnix)
		if err != nil {
			return nil, err
		}
		address = a
	}
	fd, err := listen(address, backlog)
	if err != nil {
		return nil, err
	}
	l := &Listener{fd: fd, wakeFd: -1, address: address, authkey: authkey,
		queue: newAcceptQueue(), done: make(chan struct{}), handshaking: map[*Conn]struct{}{},
		OwnerOnly: address.isArbitrary()}
	if address.Family == AFInet {
		sa, err := unix.Getsockname(fd)
		if err != nil {
			unix.Close(fd)
			return nil, os.NewSyscallError("getsockname", err)
		}
		l.address = addressOf(sa)
	} else if !address.IsAbstract() {
		l.unlink = address.Path
	}
	l.wakeFd, err = unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		l.closeFds()
		return nil, os.NewSyscallError("eventfd", err)
	}
	return l, nil
}

// listen returns a non-blocking socket bound to address and listening.
func listen(address Address, backlog int) (int, error) {
	domain, err := address.domain()
	if err != nil {
		return -1, err
	}
	sa, err := address.sockaddr()
	if err != nil {
		return -1, err
	}
	fd, err := unix.Socket(domain, unix.SOCK_STREAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	// CPython sets SO_REUSEADDR on POSIX so a restarted server can rebind.
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		unix.Close(fd)
		return -1, os.NewSyscallError("setsockopt", err)
	}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return -1, &os.PathError{Op: "bind", Path: address.String(), Err: err}
	}
	if err := unix.Listen(fd, backlog); err != nil {
		unix.Close(fd)
		return -1, os.NewSyscallError("listen", err)
	}
	return fd, nil
}

// Address returns the bound address; for AF_INET the real port.
func (l *Listener) Address() Address { return l.address }

// LastAccepted returns the peer address of the last accepted connection
// (an AF_UNIX client's is usually unnamed: Path ""), or the zero Address.
func (l *Listener) LastAccepted() Address {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.last
}

// Accept waits for a connection and returns it. With an authkey it first
// delivers a challenge and then answers the client's, as CPython's
// Listener.accept; a failed handshake closes the connection and returns the
// error (an *AuthenticationError for a wrong key). Handshakes run
// concurrently, in the background (see MaxPending); Accept returns
// connections in the order they arrived all the same, except that one
// still in its handshake holds back later ones for turnGrace at most.
// After Close it returns ErrListenerClosed.
func (l *Listener) Accept() (*Conn, error) {
	if l.authkey == nil {
		fd, addr, err := l.acceptFd()
		if err != nil {
			return nil, err
		}
		c, err := l.newConn(fd)
		if err == nil {
			l.setLast(addr)
		}
		return c, err
	}
	l.startAccepting.Do(func() {
		l.pending = make(chan struct{}, orDefault(l.MaxPending, DefaultMaxPending))
		go l.acceptLoop()
	})
	for {
		r, ok, changed, wait := l.queue.take(time.Now())
		if ok {
			<-l.pending
			if r.err == nil {
				l.setLast(r.addr)
			}
			return r.c, r.err
		}
		// changed is closed by the next result or by Close.
		if _, err := stop.Wait(changed, wait); err != nil {
			return nil, err
		}
		select {
		case <-l.done:
			return nil, ErrListenerClosed
		default:
		}
	}
}

func (l *Listener) setLast(a Address) {
	l.mu.Lock()
	l.last = a
	l.mu.Unlock()
}

// newConn makes the Conn of an accepted socket.
func (l *Listener) newConn(fd int) (*Conn, error) {
	c := newConn(fd, true, true, orDefault(l.MaxFrame, DefaultMaxFrame))
	if l.address.Family == AFInet {
		if err := setNoDelay(fd); err != nil {
			c.Close()
			return nil, err
		}
	}
	if l.Poll {
		if err := c.SetPollable(); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

// acceptLoop accepts connections until Close, each once it has a place in
// pending, and authenticates each (see authenticateInline). While pending
// is full, connections wait in the kernel's backlog, as they would for a
// listener that is slow to accept: a burst of clients is served late, not
// turned away.
func (l *Listener) acceptLoop() {
	for {
		select {
		case l.pending <- struct{}{}:
		case <-l.done:
			return
		}
		fd, addr, err := l.acceptFd()
		if err == ErrListenerClosed {
			<-l.pending
			return
		}
		if err != nil { // for an Accept to report, in turn
			l.queue.put(l.queue.number(), accepted{err: err})
			continue
		}
		c, err := l.newConn(fd)
		if err != nil {
			l.queue.put(l.queue.number(), accepted{err: err})
			continue
		}
		if l.track(c) && !l.authenticateInline(c, addr) {
			return // another goroutine accepts now
		}
	}
}

// handOffAfter is how long a handshake runs on the accepting goroutine
// before another goroutine takes over accepting. Starting every handshake
// on a goroutine of its own woke a thread for it while the client waited,
// on a small machine taking the CPU the client needed: a connect took
// twice as long. A handshake that has not ended after handOffAfter (a
// silent peer) holds up the next connection no longer.
const handOffAfter = time.Millisecond

// authenticateInline runs the handshake of c on the calling goroutine,
// having another goroutine go on accepting if it takes longer than
// handOffAfter; it reports whether the caller is still the one to accept.
func (l *Listener) authenticateInline(c *Conn, addr Address) (accepting bool) {
	n := l.queue.number()
	var handedOff atomic.Bool
	t := time.AfterFunc(handOffAfter, func() {
		if handedOff.CompareAndSwap(false, true) {
			l.acceptLoop()
		}
	})
	l.authenticate(c, addr, n)
	return t.Stop() || handedOff.CompareAndSwap(false, true)
}

// track records a connection in its handshake, so that Close can cut
// the handshake short; it fails (and closes c) once the Listener is closed.
func (l *Listener) track(c *Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		c.Close()
		<-l.pending
		return false
	}
	l.handshaking[c] = struct{}{}
	return true
}

// authenticate runs the handshake of c, the connection numbered n, and
// queues the result for Accept.
func (l *Listener) authenticate(c *Conn, addr Address, n uint64) {
	err := handshake(c, l.authkey, orDefault(l.HandshakeTimeout, DefaultHandshakeTimeout), deliverChallenge, answerChallenge)
	// Untracked before it is closed: Close shuts down tracked descriptors,
	// and a closed one's number may be reused at once.
	l.mu.Lock()
	delete(l.handshaking, c)
	l.mu.Unlock()
	if err != nil {
		c.Close()
		c = nil
	}
	l.queue.put(n, accepted{c: c, addr: addr, err: err})
}

// acceptFd waits until a client connects or Close is called, and returns
// the connected (blocking) socket and its peer's address. With
// OwnerOnly, other users' connections are closed without a word and
// waiting goes on.
func (l *Listener) acceptFd() (int, Address, error) {
	for {
		fd, addr, err := l.acceptAnyFd()
		if err != nil || !l.OwnerOnly || ownPeer(fd) {
			return fd, addr, err
		}
		unix.Close(fd)
	}
}

// ownPeer reports whether the process at the other end of the Unix socket
// fd runs as this process's user, or as root.
func ownPeer(fd int) bool {
	cred, err := unix.GetsockoptUcred(fd, unix.SOL_SOCKET, unix.SO_PEERCRED)
	return err == nil && (cred.Uid == uint32(os.Geteuid()) || cred.Uid == 0)
}

// acceptAnyFd waits until a client connects or Close is called, and
// returns the connected (blocking) socket and its peer's address.
func (l *Listener) acceptAnyFd() (int, Address, error) {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return -1, Address{}, ErrListenerClosed
	}
	l.accepting.Add(1)
	l.mu.Unlock()
	defer l.accepting.Done()
	for {
		pfds := [2]unix.PollFd{{Fd: int32(l.fd), Events: unix.POLLIN}, {Fd: int32(l.wakeFd), Events: unix.POLLIN}}
		if _, err := stop.Poll(pfds[:], -1); err != nil {
			return -1, Address{}, err
		}
		if pfds[1].Revents != 0 {
			return -1, Address{}, ErrListenerClosed
		}
		// The accepted socket is blocking: accept4 does not pass on the
		// listener's O_NONBLOCK.
		fd, sa, err := unix.Accept4(l.fd, unix.SOCK_CLOEXEC)
		switch err {
		case nil:
			return fd, addressOf(sa), nil
		case unix.EAGAIN, unix.EINTR, unix.ECONNABORTED:
			// Another Accept took the client, or it left already.
		default:
			return -1, Address{}, os.NewSyscallError("accept", err)
		}
	}
}

// Close stops listening, interrupts Accepts in progress, ends the
// handshakes under way and removes the socket file of an AF_UNIX path.
// Closing twice does nothing.
func (l *Listener) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	close(l.done)
	l.queue.close()
	for c := range l.handshaking {
		unix.Shutdown(c.fd, unix.SHUT_RDWR) // ends the handshake at once
	}
	l.mu.Unlock()
	var one [8]byte
	binary.NativeEndian.PutUint64(one[:], 1)
	if _, err := unix.Write(l.wakeFd, one[:]); err != nil {
		return os.NewSyscallError("write", err)
	}
	// Close the descriptors only when no Accept can still use their numbers.
	l.accepting.Wait()
	return l.closeFds()
}

// closeFds closes the sockets and removes the socket file.
func (l *Listener) closeFds() error {
	err := unix.Close(l.fd)
	if err != nil {
		err = os.NewSyscallError("close", err)
	}
	if l.wakeFd >= 0 {
		unix.Close(l.wakeFd)
	}
	if l.unlink != "" {
		if rmErr := os.Remove(l.unlink); rmErr != nil && !errors.Is(rmErr, os.ErrNotExist) {
			err = errors.Join(err, rmErr)
		}
	}
	return err
}

// Dialer connects to Listeners, with options for the connections it makes.
// The zero Dialer connects without authentication.
type Dialer struct {
	// AuthKey, if not nil (even if empty), makes Dial authenticate.
	AuthKey []byte
	// HandshakeTimeout bounds the handshake (DefaultHandshakeTimeout if zero).
	HandshakeTimeout time.Duration
	// MaxFrame is the Conn's frame limit (DefaultMaxFrame if zero).
	MaxFrame int
}

// Dial connects to the Listener at address, as CPython's Client, with
// authkey (nil: no authentication).
func Dial(address Address, authkey []byte) (*Conn, error) {
	return (&Dialer{AuthKey: authkey}).Dial(address)
}

// Dial connects to the Listener at address. With an AuthKey it answers the
// listener's challenge and then delivers its own, as CPython's Client; a
// failed handshake closes the connection and returns the error.
func (d *Dialer) Dial(address Address) (*Conn, error) {
	fd, err := connect(address)
	if err != nil {
		return nil, err
	}
	c := newConn(fd, true, true, orDefault(d.MaxFrame, DefaultMaxFrame))
	return authenticated(c, d.AuthKey, orDefault(d.HandshakeTimeout, DefaultHandshakeTimeout), answerChallenge, deliverChallenge)
}

// authenticated returns c after the handshake steps with authkey (none
// without a key); a failed handshake closes c.
func authenticated(c *Conn, authkey []byte, timeout time.Duration, steps ...func(*Conn, []byte) error) (*Conn, error) {
	if authkey == nil {
		return c, nil
	}
	if err := handshake(c, authkey, timeout, steps...); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// connect returns a blocking socket connected to address.
func connect(address Address) (int, error) {
	domain, err := address.domain()
	if err != nil {
		return -1, err
	}
	sa, err := address.sockaddr()
	if err != nil {
		return -1, err
	}
	fd, err := unix.Socket(domain, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	if err := connectFd(fd, sa); err != nil {
		unix.Close(fd)
		return -1, &os.PathError{Op: "connect", Path: address.String(), Err: err}
	}
	if domain == unix.AF_INET {
		if err := setNoDelay(fd); err != nil {
			unix.Close(fd)
			return -1, err
		}
	}
	return fd, nil
}

// connectFd connects fd to sa. A connect interrupted by a signal goes on in
// the background; wait for it and fetch its result.
func connectFd(fd int, sa unix.Sockaddr) error {
	err := unix.Connect(fd, sa)
	if err != unix.EINTR && err != unix.EINPROGRESS {
		return err
	}
	if err := await(fd, unix.POLLOUT); err != nil {
		return err
	}
	soErr, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil {
		return err
	}
	if soErr != 0 {
		return unix.Errno(soErr)
	}
	return nil
}

// setNoDelay turns off Nagle's algorithm: messages are latency-bound.
func setNoDelay(fd int) error {
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1); err != nil {
		return os.NewSyscallError("setsockopt", err)
	}
	return nil
}

// orDefault returns v, or def if v is zero.
func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
