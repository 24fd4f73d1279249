package cluster

// The names on the server, and the messages between a parent and the
// worker hosts. Task and notice bodies are small binary records (uvarints
// and length-prefixed strings) rather than headers: a task's round trip is
// a few microseconds of work on each side, and headers would cost more.
//
//	stream MPSTAR_POOL_<id>, subject mpstar.pool.<id>.t: one task each
//	    uvarint task id, then the pool engine's task message
//	mpstar.pool.<id>.n: notices, host -> parent, core NATS
//	    'r' result: id, ack subject, host, uvarint n, n parts, the reply
//	    'l' lost:   id, ack subject, host, uvarint deliveries, how
//	    'e' failed: id, ack subject, host, uvarint 0/1 (1: an InitError
//	                 payload follows; 0: a message)
//	    's' started the last delivery: id, ack subject, host
//	mpstar.pool.<id>.hb: the parent's heartbeat, core NATS, empty
//	KV bucket mpstar_pools, key <id>: the pool's record (poolRecord, JSON)
//	object store mpstar_code: code by SHA-256 (code.go)

import (
	"encoding/binary"
	"errors"
	"time"
)

const (
	poolsBucket = "mpstar_pools"
	codeBucket  = "mpstar_code"
	consumer    = "workers"
)

// Timing. A host sends in-progress acks for its running tasks every
// heartbeat; a task whose host stops is redelivered after ackWait. A
// parent sends its heartbeat as often, and hosts give up on a pool after
// parentTimeout without one.
const (
	heartbeat     = time.Second
	ackWait       = 3 * heartbeat
	parentTimeout = 5 * heartbeat
)

func streamName(id string) string    { return "MPSTAR_POOL_" + id }
func taskSubject(id string) string   { return "mpstar.pool." + id + ".t" }
func noticeSubject(id string) string { return "mpstar.pool." + id + ".n" }
func beatSubject(id string) string   { return "mpstar.pool." + id + ".hb" }

// maxDeliveriesAdvisory is where the server reports a task that reached
// MaxDeliver without an ack: its host went silent on its last delivery.
func maxDeliveriesAdvisory(id string) string {
	return "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES." + streamName(id) + "." + consumer
}

// poolRecord announces a pool to the hosts.
type poolRecord struct {
	Code       string `json:"code"` // the manifest's hash (code.go)
	Setup      []byte `json:"setup"`
	MaxTasks   int    `json:"max_tasks"`
	Retries    int    `json:"retries"`
	ParentHost string `json:"parent_host"`
	Signer     string `json:"signer,omitempty"` // public nkey (sign.go)
	Signature  []byte `json:"signature,omitempty"`
}

// Notice kinds.
const (
	noticeResult  byte = 'r'
	noticeLost    byte = 'l'
	noticeFailed  byte = 'e'
	noticeStarted byte = 's'
)

// notice is a host's message about one task.
type notice struct {
	kind byte
	id   uint64
	ack  string // the task message's ack subject
	host string
	rest []byte // what follows, by kind
}

func appendString(dst []byte, s string) []byte {
	return append(binary.AppendUvarint(dst, uint64(len(s))), s...)
}

func appendNoticeHeader(dst []byte, kind byte, id uint64, ack, host string) []byte {
	dst = binary.AppendUvarint(append(dst, kind), id)
	return appendString(appendString(dst, ack), host)
}

var errBadMessage = errors.New("malformed cluster message")

// reader reads the fields of a message.
type reader struct {
	b   []byte
	err error
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errBadMessage
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) bytes() []byte {
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.b)) {
		r.err = errBadMessage
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func parseNotice(b []byte) (notice, error) {
	if len(b) == 0 {
		return notice{}, errBadMessage
	}
	r := reader{b: b[1:]}
	n := notice{kind: b[0], id: r.uvarint()}
	n.ack = string(r.bytes())
	n.host = string(r.bytes())
	n.rest = r.b
	return n, r.err
}
