package cluster

// The names on the server, and the messages between a parent and the
// worker hosts. Task and notice bodies are small binary records (uvarints
// and length-prefixed strings) rather than headers: a task's round trip is
// a few microseconds of work on each side, and headers would cost more.
// Small tasks travel many to a message (a batch) and their outcomes many
// to a notice, so the server's work per task (store, deliver, ack, route
// the result) is shared by the batch.
//
//	stream MPSTAR_POOL_<id>, subject mpstar.pool.<id>.t: one batch each
//	    uvarint batch number, uvarint earlier deliveries (those of a
//	    lone task sent straight to a host before it came to the stream),
//	    uvarint k, then k tasks:
//	    uvarint task id, uvarint time limit in nanoseconds (0: none;
//	    task_timeout or the call's timeout=), string the pool engine's
//	    task message
//	mpstar.pool.<id>.d: a lone task straight to one host, core NATS,
//	    hosts in queue group "workers"; a batch as above, its reply
//	    subject <inbox>.<batch number> for the server's "no responders"
//	mpstar.pool.<id>.n: notices, host -> parent, core NATS
//	    string host, then records, each
//	    kind byte, uvarint batch, string ack subject of the delivery,
//	    uvarint task id, string body:
//	    'r' result: uvarint n, n parts (strings), the reply
//	    'l' lost:   uvarint deliveries, how
//	    'e' failed: uvarint 0/1 (1: an InitError payload follows; 0: a
//	                message)
//	    't' ran past its time limit: uvarint limit in nanoseconds,
//	                uvarint pid of the killed worker, its name
//	    's' started the batch's last delivery (task id 0, empty body)
//	    'p' still running the direct batch (task id 0, empty body)
//	mpstar.pool.<id>.hb: the parent's heartbeat, core NATS, empty
//	KV bucket mpstar_pools, key <id>: the pool's record (poolRecord, JSON)
//	object store mpstar_code: code by SHA-256 (code.go)

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/mpstar/mpstar/internal/wire"
)

const (
	poolsBucket = "mpstar_pools"
	codeBucket  = "mpstar_code"
	consumer    = "workers"
)

// The heartbeat is a pool's clock: a task whose host dies or is cut off
// goes to another host within one heartbeat (the pool consumer's
// AckWait), and the parent sends its heartbeat that often. Hosts send
// in-progress acks three times a heartbeat for every task they hold
// (keepAliveEvery), so one late or lost keep-alive does not make a live
// host's task run twice, and give up on a pool after parentTimeout
// without a heartbeat from its parent. Queues use the default heartbeat.
const defaultHeartbeat = time.Second

// HeartbeatEnv is the environment variable that sets a pool's heartbeat,
// in seconds (default 1): shorter brings a lost host's tasks back sooner,
// for more keep-alive messages.
const HeartbeatEnv = "MPSTAR_CLUSTER_HEARTBEAT"

// heartbeatFromEnv returns the heartbeat of a new pool.
func heartbeatFromEnv() (time.Duration, error) {
	v := os.Getenv(HeartbeatEnv)
	if v == "" {
		return defaultHeartbeat, nil
	}
	s, err := strconv.ParseFloat(v, 64)
	if err != nil || s < 0.01 || s > 3600 {
		return 0, fmt.Errorf("$%s must be a number of seconds from 0.01 to 3600, not %q", HeartbeatEnv, v)
	}
	return time.Duration(s * float64(time.Second)), nil
}

func keepAliveEvery(heartbeat time.Duration) time.Duration { return heartbeat / 3 }
func parentTimeout(heartbeat time.Duration) time.Duration  { return 5 * heartbeat }

func streamName(id string) string    { return "MPSTAR_POOL_" + id }
func taskSubject(id string) string   { return "mpstar.pool." + id + ".t" }
func noticeSubject(id string) string { return "mpstar.pool." + id + ".n" }
func beatSubject(id string) string   { return "mpstar.pool." + id + ".hb" }
func directSubject(id string) string { return "mpstar.pool." + id + ".d" }

// maxDeliveriesAdvisory is where the server reports a task that reached
// MaxDeliver without an ack: its host went silent on its last delivery.
func maxDeliveriesAdvisory(id string) string {
	return "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES." + streamName(id) + "." + consumer
}

// poolRecord announces a pool to the hosts.
type poolRecord struct {
	Code       string        `json:"code"` // the manifest's hash (code.go)
	Setup      []byte        `json:"setup"`
	MaxTasks   int           `json:"max_tasks"`
	Retries    int           `json:"retries"`
	ParentHost string        `json:"parent_host"`
	Heartbeat  time.Duration `json:"heartbeat"`        // 0: the default
	Signer     string        `json:"signer,omitempty"` // public nkey (sign.go)
	Signature  []byte        `json:"signature,omitempty"`
}

// Notice kinds.
const (
	noticeResult  byte = 'r'
	noticeLost    byte = 'l'
	noticeFailed  byte = 'e'
	noticeTimeout byte = 't'
	noticeStarted byte = 's'
	noticeRunning byte = 'p'
)

// notice is one record of a host's message about its tasks.
type notice struct {
	kind  byte
	batch uint64
	ack   []byte // the ack subject of the batch's delivery
	id    uint64
	body  []byte // by kind
}

// appendNotice appends a record whose body is body, then tail (so that a
// body need not be built apart from the record).
func appendNotice(dst []byte, n notice, tail []byte) []byte {
	dst = binary.AppendUvarint(append(dst, n.kind), n.batch)
	dst = binary.AppendUvarint(wire.AppendBytes(dst, n.ack), n.id)
	dst = binary.AppendUvarint(dst, uint64(len(n.body)+len(tail)))
	return append(append(dst, n.body...), tail...)
}

var errBadMessage = errors.New("malformed cluster message")

// notice reads the next record of a host's message.
func readNotice(r *wire.Reader) notice {
	n := notice{kind: r.Byte()}
	n.batch = r.Uvarint()
	n.ack = r.Bytes()
	n.id = r.Uvarint()
	n.body = r.Bytes()
	return n
}

// batchTask is one task of a batch message.
type batchTask struct {
	id      uint64
	timeout time.Duration // pool.Task.Timeout
	msg     []byte
}

// parseBatch reads a batch message.
func parseBatch(b []byte) (batch uint64, earlier int, tasks []batchTask, err error) {
	r := wire.Reader{B: b}
	batch = r.Uvarint()
	earlier = int(r.Uvarint())
	k := r.Count() // each task takes three bytes at least
	tasks = make([]batchTask, 0, k)
	for ; k > 0 && r.Err == nil; k-- {
		t := batchTask{id: r.Uvarint()}
		t.timeout = time.Duration(r.Uvarint())
		t.msg = r.Bytes()
		tasks = append(tasks, t)
	}
	if r.End() != nil {
		return 0, 0, nil, errBadMessage
	}
	return batch, earlier, tasks, nil
}

// every calls fn each period until stop is closed: the heartbeats and
// in-progress acks that keep a pool's and a queue's messages alive.
func every(period time.Duration, stop <-chan struct{}, fn func()) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			fn()
		}
	}
}
