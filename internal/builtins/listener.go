package builtins

// multiprocessing.connection.Listener, Client, deliver_challenge and
// answer_challenge (CPython: connection.py Listener, Client, address_type,
// SocketListener, SocketClient). The sockets, the framing and the authkey
// handshake are mpcore/conn's; this file converts addresses between Python's
// shapes and conn.Address, and picks CPython's defaults.
//
//	def Listener(address=None, family=None, backlog=1, authkey=None, *,
//	             max_frame=None, handshake_timeout=None):
//	    # .accept(), .close(), .address, .last_accepted; a context manager
//	def Client(address, family=None, authkey=None, *,
//	           max_frame=None, handshake_timeout=None):  # a Connection
//	def deliver_challenge(connection, authkey):
//	def answer_challenge(connection, authkey):
//
// As in CPython 3, authkey=None means no authentication (a Listener also
// skips it for an empty key). max_frame (bytes, default 64 MiB) and
// handshake_timeout (seconds, default 20) go beyond CPython: a peer that
// announces a longer frame, or does not finish the handshake in time, is
// refused with OSError or AuthenticationError instead of holding the
// process.

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
	"time"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/perm"
	"github.com/mpstar/mpstar/internal/builtins/pytypes"
	"github.com/mpstar/mpstar/internal/builtins/value"
	"github.com/mpstar/mpstar/mpcore/conn"
)

// listenerExitPriority closes listeners before children are joined at
// exit (priority 0), as CPython's SocketListener finalizer runs first; it
// removes the socket file a script forgot to close.
const listenerExitPriority = -1

// Listener is multiprocessing.connection.Listener.
type Listener struct {
	value.Object
	l *conn.Listener
}

var (
	_ starlark.HasAttrs = (*Listener)(nil)
	_ ContextManager    = (*Listener)(nil)
)

// connOptions are the keyword-only options of Listener and Client beyond
// CPython's parameters.
type connOptions struct {
	maxFrame  int
	handshake time.Duration
}

// unpack reads max_frame and handshake_timeout (None = the engine's
// defaults) for the builtin fn.
func (o *connOptions) unpack(fn string, maxFrame starlark.Value, handshake value.Timeout) error {
	if maxFrame != starlark.None {
		n, err := starlark.AsInt32(maxFrame)
		if err != nil || n <= 0 {
			return exceptions.ValueError.Errorf("%s: max_frame must be a positive int (bytes), not %s", fn, maxFrame)
		}
		o.maxFrame = n
	}
	var err error
	o.handshake, err = handshake.Limit(fn, "handshake_timeout")
	return err
}

// NewListener implements Listener(address=None, family=None, backlog=1, authkey=None, *, max_frame=None, handshake_timeout=None)
func NewListener(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var address, family, authkey, maxFrame starlark.Value = starlark.None, starlark.None, starlark.None, starlark.None
	var handshake value.Timeout
	backlog := 1
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "address?", &address, "family?", &family,
		"backlog?", &backlog, "authkey?", &authkey, "max_frame?", &maxFrame, "handshake_timeout?", &handshake); err != nil {
		return nil, err
	}
	var opts connOptions
	if err := opts.unpack(b.Name(), maxFrame, handshake); err != nil {
		return nil, err
	}
	addr, err := listenAddress(address, family)
	if err != nil {
		return nil, err
	}
	// A Unix socket the runtime names is its own; a TCP port is the
	// network's whoever picks it.
	if address != starlark.None || addr.Family == conn.AFInet {
		if err := CheckAddress(thread, addr); err != nil {
			return nil, err
		}
	}
	key, err := AuthkeyArg(authkey)
	if err != nil {
		return nil, err
	}
	if len(key) == 0 {
		key = nil // CPython's accept authenticates only "if self._authkey"
	}
	l, err := conn.NewListener(addr, backlog, key)
	if err != nil {
		return nil, SocketErr(err)
	}
	l.MaxFrame, l.HandshakeTimeout = opts.maxFrame, opts.handshake
	RuntimeOf(thread).AtExit(listenerExitPriority, func() { l.Close() })
	return &Listener{l: l}, nil
}

// NewClient implements Client(address, family=None, authkey=None, *, max_frame=None, handshake_timeout=None)
func NewClient(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var address starlark.Value
	var family, authkey, maxFrame starlark.Value = starlark.None, starlark.None, starlark.None
	var handshake value.Timeout
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "address", &address, "family?", &family,
		"authkey?", &authkey, "max_frame?", &maxFrame, "handshake_timeout?", &handshake); err != nil {
		return nil, err
	}
	var opts connOptions
	if err := opts.unpack(b.Name(), maxFrame, handshake); err != nil {
		return nil, err
	}
	fam, err := FamilyArg(address, family)
	if err != nil {
		return nil, err
	}
	addr, err := AddressOf(address, fam)
	if err != nil {
		return nil, err
	}
	if err := CheckAddress(thread, addr); err != nil {
		return nil, err
	}
	key, err := AuthkeyArg(authkey)
	if err != nil {
		return nil, err
	}
	d := conn.Dialer{AuthKey: key, MaxFrame: opts.maxFrame, HandshakeTimeout: opts.handshake}
	c, err := d.Dial(addr)
	if err != nil {
		return nil, SocketErr(err)
	}
	return ownedConnection(c), nil
}

// AuthkeyArg returns the key of a Listener or Client: nil for None (no
// authentication), else the bytes.
func AuthkeyArg(v starlark.Value) ([]byte, error) {
	switch k := v.(type) {
	case starlark.NoneType:
		return nil, nil
	case starlark.Bytes:
		return []byte(k), nil
	}
	return nil, exceptions.TypeError.New("authkey should be a byte string")
}

// listenAddress is CPython's Listener address choice: the family given or
// inferred from the address (AF_UNIX when neither says), and a fresh
// address of that family when none is given.
func listenAddress(address, family starlark.Value) (conn.Address, error) {
	var fam conn.Family
	var err error
	if address == starlark.None && family == starlark.None {
		fam = conn.AFUnix // CPython's default_family on Linux
	} else if fam, err = FamilyArg(address, family); err != nil {
		return conn.Address{}, err
	}
	if address == starlark.None {
		a, err := conn.ArbitraryAddress(fam)
		if err != nil {
			return conn.Address{}, SocketErr(err)
		}
		return a, nil
	}
	return AddressOf(address, fam)
}

// FamilyArg returns the family named by family, or inferred from address
// as CPython's address_type does when family is None.
func FamilyArg(address, family starlark.Value) (conn.Family, error) {
	if family == starlark.None {
		switch a := address.(type) {
		case starlark.Tuple:
			return conn.AFInet, nil
		case starlark.String:
			if strings.HasPrefix(string(a), `\\`) {
				// A Windows named pipe, which CPython refuses here.
				return "", exceptions.ValueError.New("Family AF_PIPE is not recognized.")
			}
			return conn.AFUnix, nil
		case starlark.Bytes:
			if strings.HasPrefix(string(a), "\x00") {
				return conn.AFUnix, nil
			}
		}
		return "", exceptions.TypeError.Errorf("address type of %s unrecognized", quoted(address))
	}
	s, ok := starlark.AsString(family)
	if !ok {
		return "", exceptions.TypeError.Errorf("family must be a str such as 'AF_INET', not %s", family.Type())
	}
	switch f := conn.Family(s); f {
	case conn.AFInet, conn.AFUnix:
		return f, nil
	case "AF_PIPE":
		return "", exceptions.ValueError.Errorf("Family %s is not recognized.", s)
	}
	return "", exceptions.AttributeError.Errorf("module 'socket' has no attribute '%s'", s)
}

// AddressOf converts a Python address of family fam to conn.Address: a
// (host, port) tuple for AF_INET, a path (or "\x00name", str or bytes) for
// AF_UNIX.
func AddressOf(address starlark.Value, fam conn.Family) (conn.Address, error) {
	if fam == conn.AFInet {
		t, ok := address.(starlark.Tuple)
		if !ok || len(t) != 2 {
			return conn.Address{}, exceptions.TypeError.Errorf("AF_INET address must be a (host, port) tuple, not %s", quoted(address))
		}
		host, ok := t[0].(starlark.String)
		if !ok {
			return conn.Address{}, exceptions.TypeError.Errorf("str, bytes or bytearray expected, not %s", pytypes.TypeName(t[0]))
		}
		port, err := starlark.AsInt32(t[1])
		if err != nil {
			return conn.Address{}, exceptions.TypeError.Errorf("'%s' object cannot be interpreted as an integer", pytypes.TypeName(t[1]))
		}
		if port < 0 || port > 65535 {
			return conn.Address{}, exceptions.OverflowError.New("port must be 0-65535.")
		}
		return conn.InetAddress(string(host), port), nil
	}
	switch a := address.(type) {
	case starlark.String:
		return conn.UnixAddress(string(a)), nil
	case starlark.Bytes:
		return conn.UnixAddress(string(a)), nil
	}
	return conn.Address{}, exceptions.TypeError.Errorf("a bytes-like object is required, not '%s'", pytypes.TypeName(address))
}

// CheckAddress refuses an address the run may not listen on or connect
// to: a host and port outside its net grants, or a socket file outside
// its write grants. Abstract Unix names (the run's own, owner-only
// sockets) need no grant.
func CheckAddress(thread *starlark.Thread, a conn.Address) error {
	switch {
	case a.Family == conn.AFInet:
		return perm.Net(thread, a.Host, a.Port)
	case !a.IsAbstract():
		return perm.Write(thread, a.Path)
	}
	return nil
}

// AddressValue is an address as CPython's getsockname shows it: a
// (host, port) tuple, a path str, or bytes for an abstract name.
func AddressValue(a conn.Address) starlark.Value {
	switch {
	case a.Family == conn.AFInet:
		return starlark.Tuple{starlark.String(a.Host), starlark.MakeInt(a.Port)}
	case a.IsAbstract():
		return starlark.Bytes(a.Path)
	}
	return starlark.String(a.Path)
}

// SocketErr converts an error from creating or connecting a socket into
// the Python exception, with CPython's "[Errno N] Message" text for errnos.
func SocketErr(err error) error {
	converted := ConnErr(err)
	var errno syscall.Errno
	pe, ok := converted.(*exceptions.Error)
	if !ok || !errors.As(err, &errno) {
		return converted
	}
	text := errno.Error()
	if text != "" {
		text = strings.ToUpper(text[:1]) + text[1:]
	}
	return pe.Type.Errorf("[Errno %d] %s", int(errno), text)
}

// Type implements starlark.Value.
func (l *Listener) Type() string { return "multiprocessing.connection.Listener" }

// Hash hashes by identity.
func (l *Listener) Hash() (uint32, error) { return value.IdentityHash(l), nil }

// String is a repr in CPython's shape.
func (l *Listener) String() string {
	return fmt.Sprintf("<multiprocessing.connection.Listener object at %p>", l)
}

var listenerMethods = value.NewMethods(func() map[string]*starlark.Builtin {
	return map[string]*starlark.Builtin{
		"accept": starlark.NewBuiltin("accept", Blocking(listenerAccept)),
		"close":  starlark.NewBuiltin("close", listenerClose),
	}
})

// Attr implements starlark.HasAttrs.
func (l *Listener) Attr(name string) (starlark.Value, error) {
	switch name {
	case "address":
		return AddressValue(l.l.Address()), nil
	case "last_accepted":
		a := l.l.LastAccepted()
		if a == (conn.Address{}) {
			return starlark.None, nil
		}
		return AddressValue(a), nil
	}
	return value.Attr(listenerMethods, l, name)
}

// AttrNames implements starlark.HasAttrs.
func (l *Listener) AttrNames() []string {
	return value.AttrNames(listenerMethods, "address", "last_accepted")
}

// Enter implements ContextManager.
func (l *Listener) Enter(*starlark.Thread) error { return nil }

// Exit closes the listener, as CPython's __exit__.
func (l *Listener) Exit(*starlark.Thread, bool) error { return SocketErr(l.l.Close()) }

// def accept(): the next connection, authenticated when the Listener has a key.
func listenerAccept(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	c, err := b.Receiver().(*Listener).l.Accept()
	if err != nil {
		return nil, SocketErr(err)
	}
	return ownedConnection(c), nil
}

// def close()
func listenerClose(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return starlark.None, SocketErr(b.Receiver().(*Listener).l.Close())
}

// challengeArgs unpacks (connection, authkey) for deliver_challenge and
// answer_challenge.
func challengeArgs(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (*conn.Conn, []byte, error) {
	var c *Connection
	var key starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "connection", &c, "authkey", &key); err != nil {
		return nil, nil, err
	}
	k, ok := key.(starlark.Bytes)
	if !ok {
		return nil, nil, exceptions.ValueError.Errorf("Authkey must be bytes, not <class '%s'>", pytypes.TypeName(key))
	}
	return c.c, []byte(k), nil
}

// DeliverChallenge implements deliver_challenge(connection, authkey): check that the peer knows authkey.
func DeliverChallenge(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	c, key, err := challengeArgs(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	return starlark.None, ConnErr(conn.DeliverChallenge(c, key))
}

// AnswerChallenge implements answer_challenge(connection, authkey): prove to the peer that we know authkey.
func AnswerChallenge(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	c, key, err := challengeArgs(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	return starlark.None, ConnErr(conn.AnswerChallenge(c, key))
}
