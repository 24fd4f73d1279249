package manager

// The wire format of manager requests and replies (PROTOCOL.md), as pure
// helpers over byte slices. CPython's managers.py sends pickled tuples
// (id, methodname, args, kwds) and (kind, result); these are the same
// messages in a compact binary form, with a version byte first.

import (
	"encoding/binary"
	"fmt"
)

// Version is the first byte of every request and reply. A peer that sees
// another version refuses the message instead of misreading it.
const Version byte = 1

// Op is what a request asks of the server.
type Op byte

// The operations. OpHello and the releases carried by every request need
// no reply; every other request gets exactly one reply frame.
const (
	// OpHello is the first frame of a Client connection, without reply
	// unless it asks for pipes (see pipes.go). Its ID field is ignored:
	// references belong to the connection that took them.
	OpHello Op = 1
	// OpCall runs method Name of referent ID with Args (CPython: a
	// request (id, methodname, args, kwds)).
	OpCall Op = 2
	// OpCreate makes a referent of typeid Name from Args and replies
	// KindProxy (CPython: Server.create).
	OpCreate Op = 3
	// OpIncref adds a reference to referent ID, held by the sender's
	// connection.
	OpIncref Op = 4
	// OpDecref releases the references listed in the request's releases
	// and replies KindReturn, so a client can flush them synchronously.
	OpDecref Op = 5
	// OpShutdown stops the server after replying (CPython: Server.shutdown).
	OpShutdown Op = 6
	// OpPing replies at once (CPython: Server.dummy).
	OpPing Op = 7
	// OpCount replies the number of live referents as a uvarint (CPython:
	// Server.number_of_objects).
	OpCount Op = 8
)

// Kind is the kind of a reply.
type Kind byte

// The reply kinds (CPython: '#RETURN', '#PROXY', '#ERROR', '#TRACEBACK').
const (
	// KindReturn: the payload is the encoded result.
	KindReturn Kind = 1
	// KindProxy: the result is a new referent; the payload is its id
	// (uvarint), typeid (uvarint length + bytes), then extra bytes for the
	// embedding layer.
	KindProxy Kind = 2
	// KindError: the method raised; the payload is the encoded exception.
	KindError Kind = 3
	// KindFailure: the server could not run the request; the payload is a
	// UTF-8 message.
	KindFailure Kind = 4
)

// MaxMessage is the largest request or reply, in bytes, a manager
// connection carries, the same limit in both directions. A client refuses
// to send a larger request (MessageTooLargeError) and a server answers a
// call whose reply would be larger with a failure, so neither touches the
// connection or what the client holds. A peer that sends a larger frame
// anyway has its connection dropped. 1 GiB leaves room for any value a
// script moves in one piece (a 100 MB string crosses); the server's
// memory budget (see Server) bounds how much of it is buffered at once.
const MaxMessage = 1 << 30

// maxReleases bounds the releases one request may carry, so a hostile
// peer cannot make the server loop long over one frame.
const maxReleases = 1 << 16

// Request is a parsed request. Name and Args alias the frame they were
// parsed from.
type Request struct {
	Op       Op
	Releases []uint64 // referent ids whose references the sender drops
	ID       uint64   // referent id (OpCall, OpIncref), else 0
	Name     []byte   // method name (OpCall) or typeid (OpCreate)
	Args     []byte   // encoded arguments, opaque to the engine
}

// AppendRequest appends the encoding of a request to dst.
func AppendRequest(dst []byte, op Op, releases []uint64, id uint64, name string, args []byte) []byte {
	dst = append(dst, Version, byte(op))
	dst = binary.AppendUvarint(dst, uint64(len(releases)))
	for _, r := range releases {
		dst = binary.AppendUvarint(dst, r)
	}
	dst = binary.AppendUvarint(dst, id)
	dst = binary.AppendUvarint(dst, uint64(len(name)))
	dst = append(dst, name...)
	return append(dst, args...)
}

// RequestSize returns the length of the request AppendRequest would
// encode, without encoding it.
func RequestSize(releases []uint64, id uint64, name string, args []byte) int {
	n := 2 + uvarintLen(uint64(len(releases))) + uvarintLen(id) + uvarintLen(uint64(len(name))) + len(name) + len(args)
	for _, r := range releases {
		n += uvarintLen(r)
	}
	return n
}

func uvarintLen(v uint64) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutUvarint(b[:], v)
}

// ParseRequest parses p into r, reusing r.Releases' storage.
func ParseRequest(p []byte, r *Request) error {
	if len(p) < 2 {
		return &ProtocolError{fmt.Sprintf("request of %d bytes is too short", len(p))}
	}
	if p[0] != Version {
		return &VersionError{p[0]}
	}
	r.Op = Op(p[1])
	rest := p[2:]
	n, rest, err := uvarint(rest, "release count")
	if err != nil {
		return err
	}
	if n > maxReleases {
		return &ProtocolError{fmt.Sprintf("request carries %d releases, more than %d", n, maxReleases)}
	}
	r.Releases = r.Releases[:0]
	for i := uint64(0); i < n; i++ {
		var id uint64
		if id, rest, err = uvarint(rest, "release"); err != nil {
			return err
		}
		r.Releases = append(r.Releases, id)
	}
	if r.ID, rest, err = uvarint(rest, "referent id"); err != nil {
		return err
	}
	if r.Name, rest, err = lengthPrefixed(rest, "name"); err != nil {
		return err
	}
	r.Args = rest
	return nil
}

// AppendReplyHeader appends the version and kind that start a reply; the
// payload follows.
func AppendReplyHeader(dst []byte, k Kind) []byte { return append(dst, Version, byte(k)) }

// AppendProxyReply appends a whole KindProxy reply.
func AppendProxyReply(dst []byte, id uint64, typeid string, extra []byte) []byte {
	dst = AppendReplyHeader(dst, KindProxy)
	dst = binary.AppendUvarint(dst, id)
	dst = binary.AppendUvarint(dst, uint64(len(typeid)))
	dst = append(dst, typeid...)
	return append(dst, extra...)
}

// ParseReply splits a reply into its kind and payload.
func ParseReply(p []byte) (Kind, []byte, error) {
	if len(p) < 2 {
		return 0, nil, &ProtocolError{fmt.Sprintf("reply of %d bytes is too short", len(p))}
	}
	if p[0] != Version {
		return 0, nil, &VersionError{p[0]}
	}
	k := Kind(p[1])
	if k < KindReturn || k > KindFailure {
		return 0, nil, &ProtocolError{fmt.Sprintf("unknown reply kind %d", k)}
	}
	return k, p[2:], nil
}

// ParseProxy parses the payload of a KindProxy reply.
func ParseProxy(payload []byte) (id uint64, typeid string, extra []byte, err error) {
	if id, payload, err = uvarint(payload, "proxy id"); err != nil {
		return 0, "", nil, err
	}
	name, extra, err := lengthPrefixed(payload, "typeid")
	if err != nil {
		return 0, "", nil, err
	}
	return id, string(name), extra, nil
}

func uvarint(p []byte, what string) (uint64, []byte, error) {
	v, n := binary.Uvarint(p)
	if n <= 0 {
		return 0, nil, &ProtocolError{"truncated or overlong " + what}
	}
	return v, p[n:], nil
}

func lengthPrefixed(p []byte, what string) ([]byte, []byte, error) {
	n, rest, err := uvarint(p, what+" length")
	if err != nil {
		return nil, nil, err
	}
	if n > uint64(len(rest)) {
		return nil, nil, &ProtocolError{fmt.Sprintf("%s of %d bytes runs past the end of the message", what, n)}
	}
	return rest[:n], rest[n:], nil
}
