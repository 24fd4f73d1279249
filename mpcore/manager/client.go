package manager

// The client side (CPython: managers.py dispatch, BaseProxy's per-thread
// connections, and the Finalize that decrefs a dropped proxy).

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/mpstar/mpstar/mpcore/conn"
)

// Client is this process's way to one manager server: a pool of
// authenticated connections, used one request at a time each, and the
// releases of dropped proxies waiting to ride on the next request.
//
// All connections of a Client share one holder id (sent in OpHello), so
// the references it holds stay valid whichever connection a call takes,
// and go when the process's last connection closes: a client process that
// dies, even by SIGKILL, leaks nothing on the server.
//
// The pool hands out the most recently used connection first, so a
// process that makes one call at a time always uses the same connection,
// and the server sees the same session for it (an RLock's owner is the
// session, as it is the connection's thread in CPython).
//
// Its methods are safe for concurrent use.
type Client struct {
	addr       conn.Address
	authkey    []byte
	holder     uint64
	maxMessage int // MaxMessage; tests lower it

	mu       sync.Mutex
	idle     []*clientConn
	releases []uint64
}

// clientConn is a pooled connection and its request buffer.
type clientConn struct {
	c   *conn.Conn
	buf []byte
}

// NewClient returns a client of the server at addr; it connects on its
// first call. authkey nil means no authentication.
func NewClient(addr conn.Address, authkey []byte) *Client {
	var b [8]byte
	rand.Read(b[:])
	return &Client{addr: addr, authkey: authkey, holder: binary.LittleEndian.Uint64(b[:]) | 1, maxMessage: MaxMessage}
}

var clients = struct {
	sync.Mutex
	m map[string]*Client
}{m: map[string]*Client{}}

// ClientFor returns this process's shared client of the server at addr
// with authkey, making it on first use.
func ClientFor(addr conn.Address, authkey []byte) *Client {
	key := addr.String() + "\x00" + string(authkey)
	clients.Lock()
	defer clients.Unlock()
	c := clients.m[key]
	if c == nil {
		c = NewClient(addr, authkey)
		clients.m[key] = c
	}
	return c
}

// Address returns the server's address.
func (cl *Client) Address() conn.Address { return cl.addr }

// Call sends one request and waits for its reply. A KindFailure reply is
// returned as a *FailureError; transport failures (the server has gone,
// a wrong authkey) as errors that wrap mpcore/conn's. A request longer
// than MaxMessage is not sent: it fails with a *MessageTooLargeError and
// leaves the connection as it was.
func (cl *Client) Call(op Op, id uint64, name string, args []byte) (Kind, []byte, error) {
	cc, releases, err := cl.get()
	if err != nil {
		return 0, nil, err
	}
	if size := RequestSize(releases, id, name, args); size > cl.maxMessage {
		cl.mu.Lock()
		cl.releases = append(releases, cl.releases...)
		cl.mu.Unlock()
		cl.put(cc)
		return 0, nil, &MessageTooLargeError{What: "request", Size: size, Max: cl.maxMessage}
	}
	cc.buf = AppendRequest(cc.buf[:0], op, releases, id, name, args)
	err = cc.c.SendBytes(cc.buf)
	var reply []byte
	if err == nil {
		reply, err = cc.c.RecvBytes(-1)
	}
	if err != nil {
		cc.c.Close()
		return 0, nil, fmt.Errorf("manager at %s: %w", cl.addr, err)
	}
	cl.put(cc)
	k, payload, err := ParseReply(reply)
	if err == nil && k == KindFailure {
		err = &FailureError{string(payload)}
	}
	return k, payload, err
}

// Incref adds a reference to referent id, held by this client.
func (cl *Client) Incref(id uint64) error {
	_, _, err := cl.Call(OpIncref, id, "", nil)
	return err
}

// Release drops a reference to referent id. It only queues the id: the
// next request of any goroutine carries it, so releasing costs no round
// trip and may be called from any goroutine (a Go cleanup, say).
func (cl *Client) Release(id uint64) {
	cl.mu.Lock()
	cl.releases = append(cl.releases, id)
	cl.mu.Unlock()
}

// Flush sends the queued releases now, if there are any.
func (cl *Client) Flush() error {
	cl.mu.Lock()
	n := len(cl.releases)
	cl.mu.Unlock()
	if n == 0 {
		return nil
	}
	_, _, err := cl.Call(OpDecref, 0, "", nil)
	return err
}

// Shutdown asks the server to stop, then closes the pooled connections.
func (cl *Client) Shutdown() error {
	_, _, err := cl.Call(OpShutdown, 0, "", nil)
	cl.Close()
	return err
}

// Close closes the pooled connections and forgets the queued releases
// (closing the connections released them on the server). A later call
// connects anew.
func (cl *Client) Close() {
	cl.mu.Lock()
	idle := cl.idle
	cl.idle, cl.releases = nil, nil
	cl.mu.Unlock()
	for _, cc := range idle {
		cc.c.Close()
	}
}

// takeReleasesLocked returns the queued releases and clears the queue.
func (cl *Client) takeReleasesLocked() []uint64 {
	r := cl.releases
	cl.releases = nil
	return r
}

// get takes the most recently used idle connection, or dials a new one,
// and the queued releases for the request it will carry: one critical
// section per call when a connection is idle.
func (cl *Client) get() (*clientConn, []uint64, error) {
	cl.mu.Lock()
	if n := len(cl.idle); n > 0 {
		cc := cl.idle[n-1]
		cl.idle = cl.idle[:n-1]
		releases := cl.takeReleasesLocked()
		cl.mu.Unlock()
		return cc, releases, nil
	}
	cl.mu.Unlock()
	cc, err := cl.dial()
	if err != nil {
		return nil, nil, err
	}
	cl.mu.Lock()
	releases := cl.takeReleasesLocked()
	cl.mu.Unlock()
	return cc, releases, nil
}

// dial connects to the server and says hello, moving to pipes when the
// server is local.
func (cl *Client) dial() (*clientConn, error) {
	c, err := (&conn.Dialer{AuthKey: cl.authkey, MaxFrame: cl.maxMessage}).Dial(cl.addr)
	if err != nil {
		return nil, fmt.Errorf("manager at %s: %w", cl.addr, err)
	}
	local := cl.addr.Family == conn.AFUnix
	name := ""
	if local {
		name = helloPipes
	}
	cc := &clientConn{c: c, buf: make([]byte, 0, 256)}
	if err := c.SendBytes(AppendRequest(cc.buf, OpHello, nil, cl.holder, name, nil)); err != nil {
		c.Close()
		return nil, fmt.Errorf("manager at %s: %w", cl.addr, err)
	}
	if local {
		if cc.c, err = acceptPipes(c); err != nil {
			return nil, fmt.Errorf("manager at %s: %w", cl.addr, err)
		}
		cc.c.SetMaxFrame(cl.maxMessage)
	}
	return cc, nil
}

// put returns a connection to the pool.
func (cl *Client) put(cc *clientConn) {
	if cap(cc.buf) > maxKeptBuffer {
		cc.buf = make([]byte, 0, 256)
	}
	cl.mu.Lock()
	cl.idle = append(cl.idle, cc)
	cl.mu.Unlock()
}
