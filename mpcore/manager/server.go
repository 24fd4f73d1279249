package manager

// The server (CPython: managers.py Server): an authenticated listener, an
// accept loop, and one goroutine per connection that reads a request,
// runs it and writes the reply, as CPython runs one thread per connection.

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"os"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/mpstar/mpstar/mpcore/conn"
)

// Backlog is the listen backlog of a manager server (CPython's 16).
const Backlog = 16

// blockingPipes bounds the local clients' pipes served in blocking mode
// at once. A server goroutine asleep in read(2) is woken by the kernel
// directly; one parked on Go's poller costs hand-offs between threads on
// every wake-up, which ran a request-reply loop at two thirds of the rate
// (manager_dict_ops on one CPU). Blocking mode holds a thread for each
// connection, though, so pipes past this many are put in poll mode: a
// server with thousands of idle clients still runs on a few threads.
const blockingPipes = 64

// maxInterned bounds the method names a connection caches, so a client
// that sends ever new names cannot grow the cache without limit.
const maxInterned = 256

// Handler runs the calls a Server receives; the embedding layer provides it.
type Handler interface {
	// NewSession returns the session that serves the connection of peer.
	NewSession(peer *Peer) Session
}

// Session serves the requests of one connection, one at a time, on that
// connection's goroutine. Its methods append a whole reply (made with
// AppendReplyHeader or AppendProxyReply) to dst and return it.
type Session interface {
	// Call runs method of the referent obj with the encoded args.
	Call(obj *Object, method string, args, dst []byte) []byte
	// Create makes a referent of typeid from the encoded args, registers
	// it with Peer.Register and replies KindProxy.
	Create(typeid string, args, dst []byte) []byte
	// Close is called when the connection has ended.
	Close()
}

// Peer is the client side of one connection, as its Session sees it.
type Peer struct {
	srv *Server
	h   *holder
	pid int
}

// PID returns the client's process id when it runs on this machine (an
// AF_UNIX connection), else 0.
func (p *Peer) PID() int { return p.pid }

// Server returns the server the peer is connected to.
func (p *Peer) Server() *Server { return p.srv }

// Register adds v as a referent of typeid with one reference, held by the
// peer's connection, and returns its id. Sessions call it for the results
// they return as proxies.
func (p *Peer) Register(v any, typeid string) uint64 { return p.srv.t.register(p.h, v, typeid) }

// Server is a manager server. Serve runs it; Close (or an OpShutdown
// request) stops it. Its methods are safe for concurrent use.
type Server struct {
	l       *conn.Listener
	handler Handler
	t       *table

	maxMessage  int     // MaxMessage; tests lower it
	maxBlocking int32   // blockingPipes; tests lower it
	mem         *budget // memory for large requests being received and run

	mu         sync.Mutex
	closed     bool
	conns      map[*conn.Conn]int // open connections and their descriptors
	blocking   atomic.Int32       // pipes served in blocking mode now (see blockingPipes)
	done       chan struct{}
	address    conn.Address
	unregister func() // drops the server from its Registry; nil outside one
}

// NewServer listens on address with authkey (nil: no authentication). A
// zero address picks a fresh name in Linux's abstract AF_UNIX namespace,
// which leaves no socket file behind, and that server accepts only
// processes of its own user (conn.Listener's OwnerOnly): other local users
// can neither connect nor hold up a handshake. The server accepts
// connections once Serve is called.
func NewServer(address conn.Address, authkey []byte, h Handler) (*Server, error) {
	private := address == (conn.Address{})
	if private {
		var b [8]byte
		rand.Read(b[:])
		address = conn.UnixAddress("\x00mpstar-manager-" + hex.EncodeToString(b[:]))
	}
	l, err := conn.NewListener(address, Backlog, authkey)
	if err != nil {
		return nil, err
	}
	l.OwnerOnly = private
	l.Poll = true // an idle connection holds no OS thread
	s := &Server{l: l, handler: h, t: newTable(), maxMessage: MaxMessage, maxBlocking: blockingPipes, mem: newBudget(memoryBudget), conns: map[*conn.Conn]int{}, done: make(chan struct{}), address: l.Address()}
	return s, nil
}

// Address returns the address the server listens on.
func (s *Server) Address() conn.Address { return s.address }

// Done is closed when the server has been closed.
func (s *Server) Done() <-chan struct{} { return s.done }

// NumObjects returns the number of live referents.
func (s *Server) NumObjects() int { return s.t.count() }

// Lookup returns the referent with the given id.
func (s *Server) Lookup(id uint64) (*Object, bool) { return s.t.get(id) }

// LocalIncref adds a reference to referent id held by the server's own
// process: a proxy to it was decoded here.
func (s *Server) LocalIncref(id uint64) error { return s.t.incref(s.t.local, id) }

// LocalDecref drops a reference LocalIncref added.
func (s *Server) LocalDecref(id uint64) { s.t.decref(s.t.local, id) }

// Serve accepts connections until the server is closed, then returns nil.
// A client that fails the authkey handshake is turned away without
// stopping the server.
func (s *Server) Serve() error {
	for {
		c, err := s.l.Accept()
		if err == nil {
			go s.serveConn(c)
			continue
		}
		if errors.Is(err, conn.ErrListenerClosed) {
			return nil
		}
		var se *os.SyscallError
		if errors.As(err, &se) && se.Syscall == "accept" {
			s.Close()
			return err
		}
		// A failed handshake concerns that client only.
	}
}

// Close stops accepting, ends every socket connection (a goroutine
// blocked in a call finishes it first) and removes the socket file.
// Connections that moved to pipes end when their client goes, or with the
// process: a server is closed when its process is about to exit. Closing
// twice does nothing.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	for _, fd := range s.conns {
		unix.Shutdown(fd, unix.SHUT_RDWR) // wakes the connection's reader
	}
	s.mu.Unlock()
	if s.unregister != nil {
		s.unregister()
	}
	err := s.l.Close()
	close(s.done)
	return err
}

// track records an open connection; it fails once the server is closed.
func (s *Server) track(c *conn.Conn) bool {
	fd, err := c.Fileno()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || err != nil {
		return false
	}
	s.conns[c] = fd
	return true
}

// forget stops tracking a connection without closing it.
func (s *Server) forget(c *conn.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// untrack forgets a connection and closes it. Close shuts descriptors
// down under s.mu, so one is never shut down after its number is reused.
func (s *Server) untrack(c *conn.Conn) {
	s.forget(c)
	c.Close()
}

// serveConn serves one connection until it ends or the server closes.
func (s *Server) serveConn(c *conn.Conn) {
	if !s.track(c) {
		c.Close()
		return
	}
	defer s.untrack(c)
	in := &inbox{c: c, buf: make([]byte, 1024), mem: s.mem}
	defer in.done()
	in.setConn(c, s.maxMessage)
	var req Request
	msg, err := in.next(&req)
	if err != nil {
		refuse(c, err)
		return
	}
	pid := peerPID(c)
	if req.Op == OpHello {
		msg = nil
		if string(req.Name) == helloPipes {
			// The connection moves to pipes, which Close cannot
			// interrupt: it ends when its client goes.
			s.forget(c)
			if c, err = offerPipes(c); err != nil {
				return
			}
			defer c.Close()
			release, err := s.choosePipesMode(c)
			defer release()
			if err != nil {
				return
			}
			in.setConn(c, s.maxMessage)
		}
	}
	h := newHolder()
	sess := s.handler.NewSession(&Peer{srv: s, h: h, pid: pid})
	defer func() {
		s.t.detach(h)
		sess.Close()
	}()
	names := map[string]string{}
	out := make([]byte, 0, 1024)
	for {
		if msg == nil {
			if msg, err = in.next(&req); err != nil {
				refuse(c, err)
				return
			}
		}
		out = s.handle(sess, h, &req, names, out[:0])
		in.done()
		if len(out) > s.maxMessage {
			out = failureReply(out[:0], &MessageTooLargeError{What: "reply", Size: len(out), Max: s.maxMessage})
		}
		msg = nil
		if err := c.SendBytes(out); err != nil {
			return
		}
		if req.Op == OpShutdown {
			s.Close()
			return
		}
		if cap(out) > 1<<20 {
			out = make([]byte, 0, 1024) // don't keep a huge reply's buffer
		}
	}
}

// choosePipesMode serves a local client's pipes in blocking mode while
// fewer than s.maxBlocking are, else in poll mode; release gives back the
// connection's place among the blocking ones when it ends.
func (s *Server) choosePipesMode(c *conn.Conn) (release func(), err error) {
	if s.blocking.Add(1) <= s.maxBlocking {
		return func() { s.blocking.Add(-1) }, nil
	}
	s.blocking.Add(-1)
	return func() {}, c.SetPollable()
}

// peerPID returns the process id of the peer of a Unix socket, or 0.
func peerPID(c *conn.Conn) int {
	fd, err := c.Fileno()
	if err != nil {
		return 0
	}
	cred, err := unix.GetsockoptUcred(fd, unix.SOL_SOCKET, unix.SO_PEERCRED)
	if err != nil {
		return 0
	}
	return int(cred.Pid)
}

// refuse answers a malformed request with a failure before the
// connection is dropped; transport errors need no answer, nor does a
// frame over the limit: its payload is still unread, so the connection
// cannot go on, and the client's own check means only a peer that
// ignores the protocol sends one.
func refuse(c *conn.Conn, err error) {
	var pe *ProtocolError
	var ve *VersionError
	if errors.As(err, &pe) || errors.As(err, &ve) {
		c.SendBytes(failureReply(nil, err))
	}
}

// handle runs one request and appends its reply to out.
func (s *Server) handle(sess Session, h *holder, req *Request, names map[string]string, out []byte) []byte {
	s.t.decref(h, req.Releases...)
	switch req.Op {
	case OpCall:
		obj, ok := s.t.get(req.ID)
		if !ok {
			return failureReply(out, &UnknownReferentError{req.ID})
		}
		return sess.Call(obj, intern(names, req.Name), req.Args, out)
	case OpCreate:
		return sess.Create(intern(names, req.Name), req.Args, out)
	case OpIncref:
		if err := s.t.incref(h, req.ID); err != nil {
			return failureReply(out, err)
		}
	case OpCount:
		return binary.AppendUvarint(AppendReplyHeader(out, KindReturn), uint64(s.t.count()))
	case OpDecref, OpPing, OpShutdown:
	case OpHello:
		return failureReply(out, &ProtocolError{"hello must be the first message of a connection"})
	default:
		return failureReply(out, &ProtocolError{"unknown operation " + strconv.Itoa(int(req.Op))})
	}
	return AppendReplyHeader(out, KindReturn)
}

// failureReply appends a KindFailure reply carrying err's message.
func failureReply(out []byte, err error) []byte {
	return append(AppendReplyHeader(out, KindFailure), err.Error()...)
}

// intern returns name as a string, without allocating for names seen
// before on the connection.
func intern(names map[string]string, name []byte) string {
	if s, ok := names[string(name)]; ok {
		return s
	}
	s := string(name)
	if len(names) < maxInterned {
		names[s] = s
	}
	return s
}

// inbox receives requests into a reusable buffer, a large one only once
// the server's memory budget has room for it.
type inbox struct {
	c    *conn.Conn
	buf  []byte
	mem  *budget
	held int // budget taken for the request being handled
}

// setConn makes the inbox receive from c.
func (in *inbox) setConn(c *conn.Conn, maxMessage int) {
	in.c = c
	c.SetMaxFrame(maxMessage)
	c.SetPayloadGate(func(size int) {
		if size >= largeMessage {
			in.held = in.mem.acquire(size)
		}
	})
}

// done is called when the request received last has been handled: its
// budget goes back, and a very large one's memory to the system (a full
// collection costs less than receiving that much).
func (in *inbox) done() {
	if in.held > 0 {
		in.mem.release(in.held)
		if in.held >= hugeMessage {
			debug.FreeOSMemory()
		}
		in.held = 0
	}
}

// maxKeptBuffer is the largest receive buffer a connection keeps between
// requests.
const maxKeptBuffer = 1 << 20

// next receives and parses one request; req aliases the buffer until the
// next call.
func (in *inbox) next(req *Request) ([]byte, error) {
	n, err := in.c.RecvBytesInto(in.buf)
	msg := in.buf[:n]
	if err != nil {
		var short *conn.BufferTooShortError
		if !errors.As(err, &short) {
			return nil, err
		}
		msg = short.Msg
		if len(msg) <= maxKeptBuffer {
			in.buf = make([]byte, len(msg))
		}
	}
	return msg, ParseRequest(msg, req)
}
