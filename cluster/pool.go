package cluster

// The parent's engine of Pool(cluster=URL).

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mpstar/mpstar/internal/builtins"
	"github.com/mpstar/mpstar/mpcore/pool"
)

// window is how many unfinished tasks a pool keeps in its stream; the
// rest wait in the parent, encoded, until results come back. It bounds
// what a server holds for one pool and what the parent has to account
// for, while keeping enough tasks queued for every host's idle slots.
const window = 1024

// maxPullRequests is how many pull requests the pool's consumer keeps
// waiting: one per idle slot of every host (the server's default, 512,
// would refuse the slots of a few dozen big hosts).
const maxPullRequests = 1 << 14

// requestTimeout bounds each request to the server (creating streams,
// publishing code, deleting).
const requestTimeout = 10 * time.Second

type poolState int

const (
	running poolState = iota
	closed
	terminated
)

// Pool is the engine of a cluster pool; it satisfies builtins.PoolEngine.
type Pool struct {
	c       *Conn
	id      string
	kv      jetstream.KeyValue
	stream  jetstream.Stream
	retries int
	subs    []*nats.Subscription
	stop    chan struct{} // ends the heartbeat

	mu       sync.Mutex
	state    poolState
	nextID   uint64
	inflight map[uint64]*entry // in the stream, result not yet held
	waiting  []*entry          // not yet published, oldest first
	ending   bool              // cleanup started
	exited   chan struct{}     // closed once cleanup is done
}

// entry is one task of the pool.
type entry struct {
	id   uint64
	t    *pool.Task
	host string // the host running its last delivery, once known
}

// NewPool creates the pool's stream and consumer, publishes the code and
// announces the pool to the hosts.
func NewPool(o Options, spec *builtins.ClusterPoolSpec) (*Pool, error) {
	p := &Pool{retries: spec.Retries, inflight: map[uint64]*entry{}, stop: make(chan struct{}), exited: make(chan struct{})}
	c, err := Dial(o, jetstream.WithPublishAsyncErrHandler(p.publishFailed), jetstream.WithPublishAsyncMaxPending(2*window))
	if err != nil {
		return nil, err
	}
	p.c = c
	if err := p.create(spec); err != nil {
		p.cleanup()
		return nil, fmt.Errorf("cannot create the cluster pool at %s: %w", o.URL, err)
	}
	go p.beat()
	return p, nil
}

// newID returns a pool id, unique across parents and hosts.
func newID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (p *Pool) create(spec *builtins.ClusterPoolSpec) error {
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	p.id = newID()
	code, err := publishCode(ctx, p.c.JS, spec.Code)
	if err != nil {
		return fmt.Errorf("publishing the script: %w", err)
	}
	if p.stream, err = p.c.JS.CreateStream(ctx, jetstream.StreamConfig{
		Name: streamName(p.id), Subjects: []string{taskSubject(p.id)},
		Retention: jetstream.WorkQueuePolicy, Storage: jetstream.MemoryStorage,
	}); err != nil {
		return err
	}
	if _, err := p.stream.CreateConsumer(ctx, jetstream.ConsumerConfig{
		Durable: consumer, AckPolicy: jetstream.AckExplicitPolicy, AckWait: ackWait,
		MaxDeliver: spec.Retries + 1, MaxAckPending: window, MaxWaiting: maxPullRequests,
	}); err != nil {
		return err
	}
	for subj, h := range map[string]nats.MsgHandler{noticeSubject(p.id): p.onNotice, maxDeliveriesAdvisory(p.id): p.onMaxDeliveries} {
		sub, err := p.c.NC.Subscribe(subj, h)
		if err != nil {
			return err
		}
		sub.SetPendingLimits(-1, -1) // results are accounted for by the window
		p.subs = append(p.subs, sub)
	}
	if p.kv, err = poolsKV(ctx, p.c.JS); err != nil {
		return err
	}
	host, _ := os.Hostname()
	rec := poolRecord{Code: code, Setup: spec.Setup, MaxTasks: spec.MaxTasksPerChild,
		Retries: spec.Retries, ParentHost: host}
	if key := os.Getenv(EnvSigningKey); key != "" {
		if err := sign(&rec, key); err != nil {
			return err
		}
	}
	b, _ := json.Marshal(rec)
	_, err = p.kv.Put(ctx, p.id, b)
	return err
}

func poolsKV(ctx context.Context, js jetstream.JetStream) (jetstream.KeyValue, error) {
	return js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: poolsBucket,
		Description: "mpstar pools being served", Storage: jetstream.MemoryStorage})
}

// beat tells the hosts the parent is alive until the pool ends.
func (p *Pool) beat() {
	t := time.NewTicker(heartbeat)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.c.NC.Publish(beatSubject(p.id), nil)
		}
	}
}

// Submit queues t: into the stream while the window has room, else in
// the parent until results come back.
func (p *Pool) Submit(t *pool.Task) error {
	p.mu.Lock()
	if p.state != running {
		p.mu.Unlock()
		return pool.ErrNotRunning
	}
	p.nextID++
	e := &entry{id: p.nextID, t: t}
	send := len(p.inflight) < window
	if send {
		p.inflight[e.id] = e
	} else {
		p.waiting = append(p.waiting, e)
	}
	p.mu.Unlock()
	if send {
		p.publish(e)
	}
	return nil
}

// publish puts a task into the stream.
func (p *Pool) publish(e *entry) {
	data := binary.AppendUvarint(make([]byte, 0, binary.MaxVarintLen64+len(e.t.Message)), e.id)
	data = append(data, e.t.Message...)
	if _, err := p.c.JS.PublishMsgAsync(&nats.Msg{Subject: taskSubject(p.id), Data: data}); err != nil {
		p.fail(e.id, fmt.Errorf("cannot queue the task on the cluster: %w", err))
	}
}

// publishFailed fails a task the server did not store.
func (p *Pool) publishFailed(_ jetstream.JetStream, m *nats.Msg, err error) {
	r := reader{b: m.Data}
	if id := r.uvarint(); r.err == nil {
		p.fail(id, fmt.Errorf("cannot queue the task on the cluster: %w", err))
	}
}

// fail ends task id with err, if it is still unfinished.
func (p *Pool) fail(id uint64, err error) {
	if e := p.take(id); e != nil {
		e.t.Done(nil, err)
	}
}

// take removes task id from the unfinished ones, refilling the window,
// and returns it, or nil if it is finished already (a duplicate).
func (p *Pool) take(id uint64) *entry {
	p.mu.Lock()
	e := p.inflight[id]
	if e == nil {
		p.mu.Unlock()
		return nil
	}
	delete(p.inflight, id)
	var next *entry
	if len(p.waiting) > 0 {
		next = p.waiting[0]
		p.waiting[0] = nil
		p.waiting = p.waiting[1:]
		p.inflight[next.id] = next
	}
	end := p.endingLocked()
	p.mu.Unlock()
	if next != nil {
		p.publish(next)
	}
	if end {
		go p.cleanup()
	}
	return e
}

// endingLocked reports whether the pool just ran out of work after
// Close or Terminate, marking it ending.
func (p *Pool) endingLocked() bool {
	if p.state == running || p.ending || len(p.inflight)+len(p.waiting) > 0 {
		return false
	}
	p.ending = true
	return true
}

// onNotice handles a host's message about a task.
func (p *Pool) onNotice(m *nats.Msg) {
	n, err := parseNotice(m.Data)
	if err != nil {
		return
	}
	r := reader{b: n.rest}
	switch n.kind {
	case noticeResult:
		// The result is held: the task may leave the stream. A
		// duplicate's delivery is acknowledged too, so it is not retried.
		p.c.NC.Publish(n.ack, []byte("+ACK"))
		e := p.take(n.id)
		if e == nil {
			return
		}
		for k := r.uvarint(); k > 0 && r.err == nil; k-- {
			if part := r.bytes(); r.err == nil && e.t.Part != nil {
				e.t.Part(part)
			}
		}
		if r.err != nil {
			e.t.Done(nil, fmt.Errorf("malformed result from host %s", n.host))
			return
		}
		e.t.Done(r.b, nil)
	case noticeStarted:
		p.mu.Lock()
		if e := p.inflight[n.id]; e != nil {
			e.host = n.host
		}
		p.mu.Unlock()
	case noticeLost:
		if deliveries := int(r.uvarint()); r.err == nil && deliveries > p.retries {
			p.fail(n.id, &pool.WorkerLostError{Host: n.host, How: string(r.b), Deliveries: deliveries})
		}
	case noticeFailed:
		var err error
		if r.uvarint() == 1 {
			err = &pool.InitError{Worker: "on host " + n.host, Payload: r.b}
		} else {
			err = &pool.StartError{Err: fmt.Errorf("on host %s: %s", n.host, r.b)}
		}
		p.fail(n.id, err)
	}
}

// onMaxDeliveries fails a task whose last delivery was lost without a
// word from its host: the host or its network went away.
func (p *Pool) onMaxDeliveries(m *nats.Msg) {
	var adv struct {
		StreamSeq  uint64 `json:"stream_seq"`
		Deliveries int    `json:"deliveries"`
	}
	if json.Unmarshal(m.Data, &adv) != nil {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
		defer cancel()
		raw, err := p.stream.GetMsg(ctx, adv.StreamSeq)
		if err != nil {
			return // acknowledged meanwhile: its result arrived
		}
		p.stream.DeleteMsg(ctx, adv.StreamSeq)
		r := reader{b: raw.Data}
		id := r.uvarint()
		p.mu.Lock()
		host := "(unknown: it never reported)"
		if e := p.inflight[id]; e != nil && e.host != "" {
			host = e.host
		}
		p.mu.Unlock()
		p.fail(id, &pool.WorkerLostError{Host: host, Deliveries: adv.Deliveries,
			How: fmt.Sprintf("no heartbeat for %v: the host, its network or its worker process was lost", ackWait)})
	}()
}

// Close stops the pool taking tasks; it ends once the tasks already
// submitted are done.
func (p *Pool) Close() {
	p.mu.Lock()
	if p.state == running {
		p.state = closed
	}
	end := p.endingLocked()
	p.mu.Unlock()
	if end {
		go p.cleanup()
	}
}

// Terminate fails every unfinished task with ErrTerminated, removes the
// pool's stream (the hosts then stop its workers) and returns when that
// is done.
func (p *Pool) Terminate() {
	p.mu.Lock()
	p.state = terminated
	var failed []*entry
	for _, e := range p.inflight {
		failed = append(failed, e)
	}
	failed = append(failed, p.waiting...)
	p.inflight, p.waiting = map[uint64]*entry{}, nil
	end := p.endingLocked()
	p.mu.Unlock()
	for _, e := range failed {
		e.t.Done(nil, pool.ErrTerminated)
	}
	if end {
		p.cleanup()
	}
	<-p.exited
}

// cleanup removes the pool from the server and closes the connection.
func (p *Pool) cleanup() {
	close(p.stop)
	for _, s := range p.subs {
		s.Unsubscribe()
	}
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	if p.kv != nil {
		p.kv.Delete(ctx, p.id)
	}
	if p.stream != nil {
		p.c.JS.DeleteStream(ctx, streamName(p.id))
	}
	if p.c != nil {
		p.c.Close()
	}
	close(p.exited)
}

// Join waits for the pool to end after Close or Terminate, for at most
// timeout (timeout < 0: no limit).
func (p *Pool) Join(timeout time.Duration) error {
	p.mu.Lock()
	st := p.state
	p.mu.Unlock()
	if st == running {
		return pool.ErrStillRunning
	}
	if timeout < 0 {
		<-p.exited
		return nil
	}
	select {
	case <-p.exited:
		return nil
	case <-time.After(timeout):
		return errors.New("cluster pool still running")
	}
}
