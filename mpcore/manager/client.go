package manager

// The client side (CPython: managers.py dispatch, BaseProxy's per-thread
// connections, and the Finalize that decrefs a dropped proxy).

import (
	"fmt"
	"sync"

	"github.com/mpstar/mpstar/mpcore/conn"
	"github.com/mpstar/mpstar/mpcore/stop"
)

// Client is this process's way to one manager server: a pool of
// authenticated connections, used one request at a time each, and the
// releases of dropped proxies waiting to ride on the next request.
//
// The server counts references per connection: a reference belongs to the
// connection whose request took it, and only that connection can give it
// back, so a client can never release what another holds. The client
// therefore remembers which connection holds each reference, and queues a
// release on that connection. A client process that dies, even by
// SIGKILL, leaks nothing: its connections close.
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
	maxMessage int // MaxMessage; tests lower it

	mu    sync.Mutex
	idle  []*clientConn
	conns map[*clientConn]struct{} // every open connection, idle or in use
}

// clientConn is a pooled connection, its request buffer, and the
// references it holds; refs and releases are guarded by Client.mu.
type clientConn struct {
	c        *conn.Conn
	buf      []byte
	refs     map[uint64]int // references held, by referent id
	releases []uint64       // references dropped, to send on the next request
}

// NewClient returns a client of the server at addr; it connects on its
// first call. authkey nil means no authentication.
func NewClient(addr conn.Address, authkey []byte) *Client {
	return &Client{addr: addr, authkey: authkey, maxMessage: MaxMessage, conns: map[*clientConn]struct{}{}}
}

// Address returns the server's address.
func (cl *Client) Address() conn.Address { return cl.addr }

// Call sends one request and waits for its reply. A KindFailure reply is
// returned as a *FailureError; transport failures (the server has gone,
// a wrong authkey) as errors that wrap mpcore/conn's. A request longer
// than MaxMessage is not sent: it fails with a *MessageTooLargeError and
// leaves the connection as it was.
func (cl *Client) Call(op Op, id uint64, name string, args []byte) (Kind, []byte, error) {
	cc, err := cl.get()
	if err != nil {
		return 0, nil, err
	}
	return cl.roundTrip(cc, op, id, name, args)
}

// roundTrip sends a request on cc, which the caller took from the pool,
// with the releases queued on it, and puts cc back once the reply has
// come.
func (cl *Client) roundTrip(cc *clientConn, op Op, id uint64, name string, args []byte) (Kind, []byte, error) {
	cl.mu.Lock()
	releases := cc.releases
	cc.releases = nil
	cl.mu.Unlock()
	if size := RequestSize(releases, id, name, args); size > cl.maxMessage {
		cl.mu.Lock()
		cc.releases = append(releases, cc.releases...)
		cl.mu.Unlock()
		cl.put(cc)
		return 0, nil, &MessageTooLargeError{What: "request", Size: size, Max: cl.maxMessage}
	}
	cc.buf = AppendRequest(cc.buf[:0], op, releases, id, name, args)
	err := cc.c.SendBytes(cc.buf)
	var reply []byte
	if err == nil {
		reply, err = cc.c.RecvBytes(-1)
		if err != nil && stop.Stopped() != nil {
			// The caller's script was stopped (Ctrl-C at the prompt) while
			// the server works on the request. Closing the connection would
			// make the server release the references it carries, so the
			// reply is read off in the background instead, and the
			// connection serves again once it has come.
			go cl.settle(cc, op, id)
			return 0, nil, fmt.Errorf("manager at %s: %w", cl.addr, err)
		}
	}
	if err != nil {
		cl.drop(cc)
		return 0, nil, fmt.Errorf("manager at %s: %w", cl.addr, err)
	}
	return cl.accept(cc, op, id, reply)
}

// settle waits for the reply to a request whose caller stopped waiting,
// and puts cc back in the pool.
func (cl *Client) settle(cc *clientConn, op Op, id uint64) {
	reply, err := cc.c.RecvBytes(-1)
	if err != nil {
		cl.drop(cc)
		return
	}
	cl.accept(cc, op, id, reply)
}

// accept takes the reply to a request sent on cc, records the reference
// it gave, and puts cc back in the pool.
func (cl *Client) accept(cc *clientConn, op Op, id uint64, reply []byte) (Kind, []byte, error) {
	k, payload, err := ParseReply(reply)
	if err == nil {
		cl.noteReference(cc, op, id, k, payload)
	}
	cl.put(cc)
	if err == nil && k == KindFailure {
		err = &FailureError{string(payload)}
	}
	return k, payload, err
}

// noteReference records the reference a reply gave cc: a new referent's
// (KindProxy), or the one an OpIncref added.
func (cl *Client) noteReference(cc *clientConn, op Op, id uint64, k Kind, payload []byte) {
	switch {
	case k == KindProxy:
		var err error
		if id, _, _, err = ParseProxy(payload); err != nil {
			return
		}
	case op != OpIncref || k != KindReturn:
		return
	}
	cl.mu.Lock()
	cc.refs[id]++
	cl.mu.Unlock()
}

// Incref adds a reference to referent id, held by this client.
func (cl *Client) Incref(id uint64) error {
	_, _, err := cl.Call(OpIncref, id, "", nil)
	return err
}

// Release drops a reference to referent id. It only queues the id on the
// connection that holds the reference: that connection's next request
// carries it, so releasing costs no round trip and may be called from any
// goroutine (a Go cleanup, say). A reference whose connection has closed
// was released by the server already.
func (cl *Client) Release(id uint64) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	for cc := range cl.conns {
		if n := cc.refs[id]; n > 0 {
			if n == 1 {
				delete(cc.refs, id)
			} else {
				cc.refs[id] = n - 1
			}
			cc.releases = append(cc.releases, id)
			return
		}
	}
}

// Flush sends the releases queued on idle connections now. (A connection
// in use sends its own with its next request.)
func (cl *Client) Flush() error {
	for {
		cc := cl.takeIdle(func(cc *clientConn) bool { return len(cc.releases) > 0 })
		if cc == nil {
			return nil
		}
		if _, _, err := cl.roundTrip(cc, OpDecref, 0, "", nil); err != nil {
			return err
		}
	}
}

// Shutdown asks the server to stop, then closes the pooled connections.
func (cl *Client) Shutdown() error {
	_, _, err := cl.Call(OpShutdown, 0, "", nil)
	cl.Close()
	return err
}

// Close closes the idle connections, which releases what they held on
// the server. A later call connects anew.
func (cl *Client) Close() {
	cl.mu.Lock()
	idle := cl.idle
	cl.idle = nil
	for _, cc := range idle {
		delete(cl.conns, cc)
	}
	cl.mu.Unlock()
	for _, cc := range idle {
		cc.c.Close()
	}
}

// takeIdle takes the most recently used idle connection that ok accepts
// (under cl.mu), or returns nil.
func (cl *Client) takeIdle(ok func(*clientConn) bool) *clientConn {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	for i := len(cl.idle) - 1; i >= 0; i-- {
		if cc := cl.idle[i]; ok(cc) {
			cl.idle = append(cl.idle[:i], cl.idle[i+1:]...)
			return cc
		}
	}
	return nil
}

// get takes the most recently used idle connection, or dials a new one.
func (cl *Client) get() (*clientConn, error) {
	if cc := cl.takeIdle(func(*clientConn) bool { return true }); cc != nil {
		return cc, nil
	}
	cc, err := cl.dial()
	if err != nil {
		return nil, err
	}
	cl.mu.Lock()
	cl.conns[cc] = struct{}{}
	cl.mu.Unlock()
	return cc, nil
}

// drop closes a connection that failed; the server released what it held.
func (cl *Client) drop(cc *clientConn) {
	cl.mu.Lock()
	delete(cl.conns, cc)
	cl.mu.Unlock()
	cc.c.Close()
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
	cc := &clientConn{c: c, buf: make([]byte, 0, 256), refs: map[uint64]int{}}
	if err := c.SendBytes(AppendRequest(cc.buf, OpHello, nil, 0, name, nil)); err != nil {
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
