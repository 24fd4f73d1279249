package cluster

// Named cross-host queues (get_context("cluster").Queue(name=...)): each
// is a work-queue stream that every process opening the name shares. A
// JoinableQueue item is acknowledged only at task_done, so an item whose
// consumer dies first is delivered again once its AckWait passes, and
// join() still returns.

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"go.starlark.net/starlark"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mpstar/mpstar/internal/builtins"
	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/value"
)

// Queue is a named queue on the cluster.
type Queue struct {
	kind    string // "Queue", "JoinableQueue" or "SimpleQueue"
	name    string
	maxsize int
	c       *Conn
	stream  jetstream.Stream
	cons    jetstream.Consumer
	stop    chan struct{} // ends the keep-alive of held items

	mu     sync.Mutex
	held   []jetstream.Msg // JoinableQueue: gotten, task_done not yet called
	closed bool
}

var _ starlark.HasAttrs = (*Queue)(nil)

var queueName = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// pollInterval bounds how long a blocked put (on a full queue) or join
// waits before it asks the server again.
const pollInterval = 50 * time.Millisecond

// newQueue makes ctx.Queue(maxsize=0, name=...), JoinableQueue or
// SimpleQueue(name=...) of a cluster context.
func newQueue(thread *starlark.Thread, o Options, kind string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var name string
	maxsize := 0
	var err error
	if kind == "SimpleQueue" {
		err = starlark.UnpackArgs(kind, args, kwargs, "name?", &name)
	} else {
		err = starlark.UnpackArgs(kind, args, kwargs, "maxsize?", &maxsize, "name?", &name)
	}
	if err != nil {
		return nil, err
	}
	if !queueName.MatchString(name) {
		return nil, exceptions.ValueError.Errorf("a cluster %s needs name=: letters, digits, _ and -, the same in every process that opens it (got %q)", kind, name)
	}
	o.Name = "mpstar queue " + name
	c, err := Dial(o)
	if err != nil {
		return nil, exceptions.ConnectionError.Errorf("%s", err)
	}
	q := &Queue{kind: kind, name: name, maxsize: max(maxsize, 0), c: c, stop: make(chan struct{})}
	if err := q.open(); err != nil {
		c.Close()
		return nil, exceptions.ConnectionError.Errorf("cannot open cluster queue %q: %s", name, err)
	}
	if kind == "JoinableQueue" {
		go q.keepAlive()
	}
	return q, nil
}

func (q *Queue) subject() string { return "mpstar.q." + q.name }

// open creates or joins the queue's stream and consumer.
func (q *Queue) open() error {
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	maxMsgs := int64(-1)
	if q.maxsize > 0 {
		maxMsgs = int64(q.maxsize)
	}
	var err error
	if q.stream, err = q.c.JS.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: "MPSTAR_Q_" + q.name, Subjects: []string{q.subject()}, Retention: jetstream.WorkQueuePolicy,
		Storage: jetstream.MemoryStorage, MaxMsgs: maxMsgs, Discard: jetstream.DiscardNew,
	}); err != nil {
		return err
	}
	q.cons, err = q.stream.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable: "consumers", AckPolicy: jetstream.AckExplicitPolicy, AckWait: defaultHeartbeat, MaxAckPending: -1,
	})
	return err
}

// keepAlive sends in-progress acks for the items this process holds, so
// only a dead (or cut-off) consumer's items are delivered again.
func (q *Queue) keepAlive() {
	every(keepAliveEvery(defaultHeartbeat), q.stop, func() {
		q.mu.Lock()
		held := append([]jetstream.Msg(nil), q.held...)
		q.mu.Unlock()
		for _, m := range held {
			m.InProgress()
		}
	})
}

// Type implements starlark.Value.
func (q *Queue) Type() string { return "multiprocessing.queues." + q.kind }

// String implements starlark.Value.
func (q *Queue) String() string {
	return fmt.Sprintf("<multiprocessing.queues.%s name=%q on the cluster>", q.kind, q.name)
}

// Freeze implements starlark.Value.
func (q *Queue) Freeze() {}

// Truth implements starlark.Value.
func (q *Queue) Truth() starlark.Bool { return true }

// Hash hashes by identity.
func (q *Queue) Hash() (uint32, error) { return value.IdentityHash(q), nil }

type queueMethod func(q *Queue, thread *starlark.Thread, name string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error)

var queueMethods = map[string]queueMethod{
	"put":                (*Queue).putMethod,
	"get":                (*Queue).getMethod,
	"put_nowait":         (*Queue).putNowait,
	"get_nowait":         (*Queue).getNowait,
	"qsize":              (*Queue).qsizeMethod,
	"empty":              (*Queue).emptyMethod,
	"full":               (*Queue).fullMethod,
	"close":              (*Queue).closeMethod,
	"join_thread":        noOp,
	"cancel_join_thread": noOp,
	"task_done":          (*Queue).taskDone,
	"join":               (*Queue).join,
}

// methodsOf lists a kind's methods: SimpleQueue has put, get, empty and
// close; only JoinableQueue has task_done and join.
func (q *Queue) methodsOf(name string) bool {
	switch name {
	case "task_done", "join":
		return q.kind == "JoinableQueue"
	case "put", "get", "empty", "close":
		return true
	}
	return q.kind != "SimpleQueue" && queueMethods[name] != nil
}

// Attr implements starlark.HasAttrs.
func (q *Queue) Attr(name string) (starlark.Value, error) {
	m := queueMethods[name]
	if m == nil || !q.methodsOf(name) {
		return nil, nil
	}
	return starlark.NewBuiltin(name, func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		return m(q, thread, b.Name(), args, kwargs)
	}), nil
}

// AttrNames implements starlark.HasAttrs.
func (q *Queue) AttrNames() []string {
	var names []string
	for name := range queueMethods {
		if q.methodsOf(name) {
			names = append(names, name)
		}
	}
	return names
}

func noOp(*Queue, *starlark.Thread, string, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return starlark.None, nil
}

func (q *Queue) checkOpen() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return exceptions.ValueError.Errorf("Queue %s is closed", q.name)
	}
	return nil
}

func (q *Queue) putMethod(thread *starlark.Thread, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var obj starlark.Value
	block, d, err := value.BlockArgs(fn, args, kwargs, "obj", &obj)
	if q.kind == "SimpleQueue" {
		block, d, err = true, -1, starlark.UnpackPositionalArgs(fn, args, kwargs, 1, &obj)
	}
	if err != nil {
		return nil, err
	}
	return q.put(thread, obj, block, d)
}

func (q *Queue) putNowait(thread *starlark.Thread, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var obj starlark.Value
	if err := starlark.UnpackPositionalArgs(fn, args, kwargs, 1, &obj); err != nil {
		return nil, err
	}
	return q.put(thread, obj, false, 0)
}

// put publishes obj; on a full queue it waits for room until d passes
// (d < 0: no limit), or fails at once with queue.Full if !block.
func (q *Queue) put(thread *starlark.Thread, obj starlark.Value, block bool, d time.Duration) (starlark.Value, error) {
	if err := q.checkOpen(); err != nil {
		return nil, err
	}
	data, err := builtins.RuntimeOf(thread).Encoder(nil).Append(nil, "obj", obj)
	if err != nil {
		return nil, exceptions.TypeError.Errorf("cannot put %s on cluster queue %q: %s", obj.Type(), q.name, err)
	}
	deadline := time.Now().Add(d)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
		_, err := q.c.JS.Publish(ctx, q.subject(), data)
		cancel()
		if err == nil {
			return starlark.None, nil
		}
		if !isFull(err) {
			return nil, exceptions.ConnectionError.Errorf("cluster queue %q: %s", q.name, err)
		}
		if !block || (d >= 0 && time.Now().After(deadline)) {
			return nil, exceptions.Full.New("")
		}
		time.Sleep(pollInterval)
	}
}

// isFull reports whether a publish failed because the stream is at its
// maxsize.
func isFull(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && strings.Contains(apiErr.Description, "maximum messages")
}

func (q *Queue) getMethod(thread *starlark.Thread, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	block, d, err := value.BlockArgs(fn, args, kwargs)
	if q.kind == "SimpleQueue" {
		block, d, err = true, -1, value.NoArgs(fn, args, kwargs)
	}
	if err != nil {
		return nil, err
	}
	return q.get(thread, block, d)
}

func (q *Queue) getNowait(thread *starlark.Thread, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(fn, args, kwargs); err != nil {
		return nil, err
	}
	return q.get(thread, false, 0)
}

// get takes the next item, waiting for one until d passes (d < 0: no
// limit), or failing at once with queue.Empty if !block.
func (q *Queue) get(thread *starlark.Thread, block bool, d time.Duration) (starlark.Value, error) {
	if err := q.checkOpen(); err != nil {
		return nil, err
	}
	m, err := q.next(block, d)
	if err != nil {
		return nil, err
	}
	if q.kind == "JoinableQueue" {
		q.mu.Lock()
		q.held = append(q.held, m)
		q.mu.Unlock()
	} else if err := q.ack(m); err != nil {
		return nil, err
	}
	v, err := builtins.Decode(m.Data(), builtins.RuntimeOf(thread).DecodeContext(thread, nil))
	if err != nil {
		return nil, exceptions.OSError.Errorf("bad item on cluster queue %q: %s", q.name, err)
	}
	return v, nil
}

// next fetches one message.
func (q *Queue) next(block bool, d time.Duration) (jetstream.Msg, error) {
	if !block {
		d = 0
	}
	deadline := time.Now().Add(d)
	for {
		wait := 30 * time.Second
		if d >= 0 {
			wait = max(time.Until(deadline), time.Millisecond)
		}
		var batch jetstream.MessageBatch
		var err error
		if d == 0 {
			batch, err = q.cons.FetchNoWait(1)
		} else {
			batch, err = q.cons.Fetch(1, jetstream.FetchMaxWait(wait))
		}
		if err != nil {
			return nil, exceptions.ConnectionError.Errorf("cluster queue %q: %s", q.name, err)
		}
		for m := range batch.Messages() {
			return m, nil
		}
		if d >= 0 && !time.Now().Before(deadline) {
			return nil, exceptions.Empty.New("")
		}
	}
}

// ack removes an item from the queue for good.
func (q *Queue) ack(m jetstream.Msg) error {
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	if err := m.DoubleAck(ctx); err != nil {
		return exceptions.ConnectionError.Errorf("cluster queue %q: %s", q.name, err)
	}
	return nil
}

// def task_done(): the oldest item this process got is done.
func (q *Queue) taskDone(_ *starlark.Thread, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(fn, args, kwargs); err != nil {
		return nil, err
	}
	q.mu.Lock()
	if len(q.held) == 0 {
		q.mu.Unlock()
		return nil, exceptions.ValueError.New("task_done() called too many times")
	}
	m := q.held[0]
	q.held = q.held[1:]
	q.mu.Unlock()
	return starlark.None, q.ack(m)
}

// def join(): wait until every item put has been task_done'd, by any
// process.
func (q *Queue) join(_ *starlark.Thread, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(fn, args, kwargs); err != nil {
		return nil, err
	}
	for {
		n, err := q.count()
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return starlark.None, nil
		}
		time.Sleep(pollInterval)
	}
}

// count is how many items are in the stream: not yet gotten, or gotten
// and not yet acknowledged.
func (q *Queue) count() (uint64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	info, err := q.stream.Info(ctx)
	if err != nil {
		return 0, exceptions.ConnectionError.Errorf("cluster queue %q: %s", q.name, err)
	}
	return info.State.Msgs, nil
}

// def qsize(): items not yet gotten.
func (q *Queue) qsizeMethod(_ *starlark.Thread, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(fn, args, kwargs); err != nil {
		return nil, err
	}
	n, err := q.qsize()
	return starlark.MakeUint64(n), err
}

func (q *Queue) qsize() (uint64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	info, err := q.cons.Info(ctx)
	if err != nil {
		return 0, exceptions.ConnectionError.Errorf("cluster queue %q: %s", q.name, err)
	}
	return info.NumPending + uint64(info.NumRedelivered), nil
}

func (q *Queue) emptyMethod(_ *starlark.Thread, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(fn, args, kwargs); err != nil {
		return nil, err
	}
	n, err := q.qsize()
	return starlark.Bool(n == 0), err
}

func (q *Queue) fullMethod(_ *starlark.Thread, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(fn, args, kwargs); err != nil {
		return nil, err
	}
	if q.maxsize == 0 {
		return starlark.False, nil
	}
	n, err := q.count()
	return starlark.Bool(n >= uint64(q.maxsize)), err
}

// def close(): this process is done with the queue; the items stay.
func (q *Queue) closeMethod(_ *starlark.Thread, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(fn, args, kwargs); err != nil {
		return nil, err
	}
	q.mu.Lock()
	wasClosed := q.closed
	q.closed = true
	q.mu.Unlock()
	if !wasClosed {
		close(q.stop)
		q.c.Close()
	}
	return starlark.None, nil
}
