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
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mpstar/mpstar/internal/builtins"
	"github.com/mpstar/mpstar/internal/wire"
	"github.com/mpstar/mpstar/mpcore/pool"
)

// window is how many unfinished tasks a pool keeps in its stream; the
// rest wait in the parent, encoded, until results come back. It bounds
// what a server holds for one pool and what the parent has to account
// for, while keeping enough tasks queued for every host's idle slots.
const window = 4096

// A batch message holds at most maxBatch tasks and, unless one task is
// bigger, maxBatchBytes of them: enough to share the server's per-message
// work among many small tasks, few enough that a dead host strands
// little.
const (
	maxBatch      = 64
	maxBatchBytes = 256 << 10
)

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

// engine is the parent's side of a cluster pool, the builtins.PoolEngine
// (and WindowedEngine) behind Pool(cluster=URL).
type engine struct {
	c       *Conn
	id      string
	kv      jetstream.KeyValue
	stream  jetstream.Stream
	retries int
	hb      time.Duration // the heartbeat
	subs    []*nats.Subscription
	stop    chan struct{} // ends the heartbeat
	inbox   string        // prefix of the direct batches' reply subjects
	silence *time.Timer   // gives the direct batch to the stream once its host is silent

	mu        sync.Mutex
	state     poolState
	nextID    uint64
	nextBatch uint64
	inflight  map[uint64]*entry // in the stream, result not yet held
	batches   map[uint64]*batch // in the stream, with unfinished tasks
	waiting   []*entry          // not yet published, oldest first
	direct    *batch            // the batch sent straight to a host, if any
	deadline  time.Time         // when direct goes to the stream without word from its host
	ending    bool              // cleanup started
	exited    chan struct{}     // closed once cleanup is done
}

// entry is one task of the pool.
type entry struct {
	id uint64
	t  *pool.Task
	b  *batch // once published
}

// batch is one message of tasks in the stream. It is acknowledged, and
// leaves the stream, once every task in it is finished.
//
// A lone task (the pool has nothing else unfinished) goes instead
// straight to one host over core NATS, in a batch of its own: the
// stream's way to a host costs several hand-offs inside the server,
// most of a round trip's time. The parent then keeps that batch as the
// server would: it goes to the stream when no host is there to take it,
// when its worker is lost, or when its host sends no word for a
// heartbeat; a host that ran it anyway has its result dropped as a
// duplicate.
type batch struct {
	id     uint64
	left   int      // its unfinished tasks
	host   string   // the host running its last delivery, once known
	direct []*entry // its tasks while it travels straight to a host
}

// newEngine creates the pool's stream and consumer, publishes the code and
// announces the pool to the hosts.
func newEngine(o Options, spec *builtins.ClusterPoolSpec) (*engine, error) {
	p := &engine{retries: spec.Retries, inflight: map[uint64]*entry{}, batches: map[uint64]*batch{}, stop: make(chan struct{}), exited: make(chan struct{}), inbox: nats.NewInbox()}
	var err error
	if p.hb, err = heartbeatFromEnv(); err != nil {
		return nil, err
	}
	c, err := Dial(o, jetstream.WithPublishAsyncErrHandler(p.publishFailed), jetstream.WithPublishAsyncMaxPending(2*window))
	if err != nil {
		return nil, err
	}
	p.c = c
	if err := p.create(spec); err != nil {
		p.cleanup()
		return nil, fmt.Errorf("cannot create the cluster pool at %s: %w", o.URL, err)
	}
	p.silence = time.AfterFunc(p.hb, p.directSilent)
	go p.beat()
	return p, nil
}

// newID returns a pool id, unique across parents and hosts.
func newID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (p *engine) create(spec *builtins.ClusterPoolSpec) error {
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
		Durable: consumer, AckPolicy: jetstream.AckExplicitPolicy, AckWait: p.hb,
		MaxDeliver: spec.Retries + 1, MaxAckPending: window, MaxWaiting: maxPullRequests,
	}); err != nil {
		return err
	}
	handlers := map[string]nats.MsgHandler{noticeSubject(p.id): p.onNotice,
		maxDeliveriesAdvisory(p.id): p.onMaxDeliveries, p.inbox + ".*": p.onNoResponders}
	for subj, h := range handlers {
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
		Retries: spec.Retries, ParentHost: host, Heartbeat: p.hb}
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
func (p *engine) beat() {
	every(p.hb, p.stop, func() { p.c.NC.Publish(beatSubject(p.id), nil) })
}

// Submit queues t: into the stream while the window has room, else in
// the parent until results come back.
func (p *engine) Submit(t *pool.Task) error {
	p.mu.Lock()
	if p.state != running {
		p.mu.Unlock()
		return pool.ErrNotRunning
	}
	p.nextID++
	p.waiting = append(p.waiting, &entry{id: p.nextID, t: t})
	lone := len(p.inflight) == 0 && len(p.waiting) == 1
	batches := p.fillLocked()
	if lone {
		b := batches[0][0].b
		b.direct, p.direct, p.deadline = batches[0], b, time.Now().Add(p.hb)
		p.mu.Unlock()
		p.silence.Reset(p.hb)
		p.sendDirect(b.id, batches[0])
		return nil
	}
	p.mu.Unlock()
	p.publish(batches)
	return nil
}

// sendDirect sends a lone task's batch straight to one host. Its reply
// subject names the batch, for the server's "no responders" status.
func (p *engine) sendDirect(id uint64, group []*entry) {
	m := &nats.Msg{Subject: directSubject(p.id), Reply: p.inbox + "." + strconv.FormatUint(id, 10),
		Data: encodeBatch(group, 0)}
	if p.c.NC.PublishMsg(m) != nil {
		p.toStream(id, 0)
	}
}

// onNoResponders sends a direct batch that no host took to the stream.
func (p *engine) onNoResponders(m *nats.Msg) {
	id, err := strconv.ParseUint(m.Subject[len(p.inbox)+1:], 10, 64)
	if err == nil && m.Header.Get("Status") == "503" {
		p.toStream(id, 0)
	}
}

// directSilent sends the direct batch to the stream once its host has
// sent no word for a heartbeat: it, its network or its worker was lost.
func (p *engine) directSilent() {
	p.mu.Lock()
	b, wait := p.direct, time.Until(p.deadline)
	p.mu.Unlock()
	switch {
	case b == nil:
	case wait > 0:
		p.silence.Reset(wait)
	default:
		p.toStream(b.id, 1)
	}
}

// stillRunning takes a host's word that it still runs the direct batch.
func (p *engine) stillRunning(id uint64) {
	p.mu.Lock()
	if p.direct != nil && p.direct.id == id {
		p.deadline = time.Now().Add(p.hb)
	}
	p.mu.Unlock()
}

// toStream publishes direct batch id's unfinished tasks to the stream,
// delivered earlier times already, unless it went there already.
func (p *engine) toStream(id uint64, earlier int) {
	p.mu.Lock()
	b := p.batches[id]
	if b == nil || b.direct == nil {
		p.mu.Unlock()
		return
	}
	var group []*entry
	for _, e := range b.direct {
		if p.inflight[e.id] == e {
			group = append(group, e)
		}
	}
	b.direct = nil
	if p.direct == b {
		p.direct = nil
	}
	p.mu.Unlock()
	p.publishGroup(group, earlier)
}

// fillLocked moves waiting tasks into the window, in batches, and
// returns them for publish. A batch goes once the window has room for
// all of it: tasks queued behind a full window then leave many to a
// message rather than one per result that comes back, while a lone
// task leaves at once.
func (p *engine) fillLocked() [][]*entry {
	var out [][]*entry
	for len(p.waiting) > 0 {
		n, size := 1, len(p.waiting[0].t.Message)
		for ; n < len(p.waiting) && n < maxBatch; n++ {
			if size += len(p.waiting[n].t.Message); size > maxBatchBytes {
				break
			}
		}
		if window-len(p.inflight) < n {
			break
		}
		p.nextBatch++
		b := &batch{id: p.nextBatch, left: n}
		p.batches[b.id] = b
		group := append([]*entry(nil), p.waiting[:n]...)
		for _, e := range group {
			e.b = b
			p.inflight[e.id] = e
		}
		clear(p.waiting[:n])
		p.waiting = p.waiting[n:]
		out = append(out, group)
	}
	return out
}

// publish puts batches of tasks into the stream.
func (p *engine) publish(batches [][]*entry) {
	for _, group := range batches {
		p.publishGroup(group, 0)
	}
}

// publishGroup puts one batch into the stream, delivered earlier times
// already.
func (p *engine) publishGroup(group []*entry, earlier int) {
	if len(group) == 0 {
		return
	}
	data := encodeBatch(group, earlier)
	if _, err := p.c.JS.PublishMsgAsync(&nats.Msg{Subject: taskSubject(p.id), Data: data}); err != nil {
		p.failBatch(data, fmt.Errorf("cannot queue the task on the cluster: %w", err))
	}
}

// encodeBatch returns the batch message of a group of tasks, delivered
// earlier times already (the format is in names.go, beside parseBatch).
func encodeBatch(group []*entry, earlier int) []byte {
	size := 3 * binary.MaxVarintLen64
	for _, e := range group {
		size += 3*binary.MaxVarintLen64 + len(e.t.Message)
	}
	data := binary.AppendUvarint(make([]byte, 0, size), group[0].b.id)
	data = binary.AppendUvarint(binary.AppendUvarint(data, uint64(earlier)), uint64(len(group)))
	for _, e := range group {
		data = binary.AppendUvarint(binary.AppendUvarint(data, e.id), uint64(max(e.t.Timeout, 0)))
		data = wire.AppendBytes(data, e.t.Message)
	}
	return data
}

// publishFailed fails the tasks of a batch the server did not store.
func (p *engine) publishFailed(_ jetstream.JetStream, m *nats.Msg, err error) {
	p.failBatch(m.Data, fmt.Errorf("cannot queue the task on the cluster: %w", err))
}

// failBatch ends the unfinished tasks of a batch message with err.
func (p *engine) failBatch(data []byte, err error) {
	_, _, tasks, perr := parseBatch(data)
	if perr != nil {
		return
	}
	for _, t := range tasks {
		p.fail(t.id, err)
	}
}

// fail ends task id with err, if it is still unfinished.
func (p *engine) fail(id uint64, err error) {
	if e, _ := p.finish(id); e != nil {
		e.t.Done(nil, err)
	}
}

// finish removes task id from the unfinished ones, refilling the window,
// and returns it, or nil if it is finished already (a duplicate); last
// says its batch has no unfinished task left.
func (p *engine) finish(id uint64) (e *entry, last bool) {
	p.mu.Lock()
	e = p.inflight[id]
	if e != nil {
		delete(p.inflight, id)
		e.b.left--
		if last = e.b.left == 0; last {
			delete(p.batches, e.b.id)
			if p.direct == e.b {
				p.direct = nil
			}
		}
	}
	batches := p.fillLocked()
	end := p.endingLocked()
	p.mu.Unlock()
	p.publish(batches)
	if end {
		go p.cleanup()
	}
	return e, last
}

// endingLocked reports whether the pool just ran out of work after
// Close or Terminate, marking it ending.
func (p *engine) endingLocked() bool {
	if p.state == running || p.ending || len(p.inflight)+len(p.waiting) > 0 {
		return false
	}
	p.ending = true
	return true
}

// onNotice handles a host's message about its tasks.
func (p *engine) onNotice(m *nats.Msg) {
	r := wire.Reader{B: m.Data}
	host := r.Text()
	for r.Err == nil && len(r.B) > 0 {
		if n := readNotice(&r); r.Err == nil {
			p.handle(host, n)
		}
	}
}

// handle acts on one record of a host's message.
func (p *engine) handle(host string, n notice) {
	r := wire.Reader{B: n.body}
	switch n.kind {
	case noticeResult:
		e, ack := p.settle(n)
		if e != nil {
			for k := r.Count(); k > 0 && r.Err == nil; k-- {
				if part := r.Bytes(); r.Err == nil && e.t.Part != nil {
					e.t.Part(part)
				}
			}
			if r.Err != nil {
				e.t.Done(nil, fmt.Errorf("malformed result from host %s", host))
			} else {
				e.t.Done(r.B, nil)
			}
		}
		p.ack(n, ack)
	case noticeStarted:
		p.mu.Lock()
		if b := p.batches[n.batch]; b != nil {
			b.host = host
		}
		p.mu.Unlock()
	case noticeRunning:
		p.stillRunning(n.batch)
	case noticeLost:
		deliveries := int(r.Uvarint())
		switch {
		case r.Err != nil:
		case deliveries > p.retries:
			e, ack := p.settle(n)
			if e != nil {
				e.t.Done(nil, &pool.WorkerLostError{Host: host, How: string(r.B), Deliveries: deliveries})
			}
			p.ack(n, ack)
		case len(n.ack) == 0: // a direct batch: no server gives it back
			p.toStream(n.batch, deliveries)
		}
	case noticeFailed:
		var err error
		if r.Uvarint() == 1 {
			err = &pool.InitError{Worker: "on host " + host, Payload: r.B}
		} else {
			err = &pool.StartError{Err: fmt.Errorf("on host %s: %s", host, r.B)}
		}
		e, ack := p.settle(n)
		if e != nil {
			e.t.Done(nil, err)
		}
		p.ack(n, ack)
	case noticeTimeout:
		limit, pid := time.Duration(r.Uvarint()), int(r.Uvarint())
		if r.Err != nil {
			return
		}
		e, ack := p.settle(n)
		if e != nil {
			e.t.Done(nil, &pool.TaskTimeoutError{Worker: string(r.B), Pid: pid, Timeout: limit})
		}
		p.ack(n, ack)
	}
}

// settle finishes the task of an outcome the parent now holds and
// returns it (nil for a duplicate), and whether the delivery the outcome
// came from is to be acknowledged: once its whole batch is finished, so
// the batch leaves the stream. That includes a duplicate's delivery,
// which would otherwise run again.
func (p *engine) settle(n notice) (e *entry, ack bool) {
	e, ack = p.finish(n.id)
	if e == nil {
		p.mu.Lock()
		ack = p.batches[n.batch] == nil
		p.mu.Unlock()
	}
	return e, ack
}

// ack acknowledges the delivery of an outcome settle said to (a direct
// batch's has none). It comes after the task's Done: the parent holds
// the result either way, and the script need not wait for the ack to be
// written.
func (p *engine) ack(n notice, ack bool) {
	if ack && len(n.ack) > 0 {
		p.c.NC.Publish(string(n.ack), []byte("+ACK"))
	}
}

// onMaxDeliveries fails the tasks of a batch whose last delivery was
// lost without a word from its host: the host or its network went away.
func (p *engine) onMaxDeliveries(m *nats.Msg) {
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
			return // acknowledged meanwhile: its results arrived
		}
		p.stream.DeleteMsg(ctx, adv.StreamSeq)
		id, _, tasks, err := parseBatch(raw.Data)
		if err != nil {
			return
		}
		p.mu.Lock()
		host := "(unknown: it never reported)"
		if b := p.batches[id]; b != nil && b.host != "" {
			host = b.host
		}
		p.mu.Unlock()
		for _, t := range tasks {
			p.fail(t.id, &pool.WorkerLostError{Host: host, Deliveries: adv.Deliveries,
				How: fmt.Sprintf("no heartbeat for %v: the host, its network or its worker process was lost", p.hb)})
		}
	}()
}

// Window implements builtins.WindowedEngine: imap keeps no more tasks
// unfinished than the stream holds.
func (p *engine) Window() int { return window }

// Close stops the pool taking tasks; it ends once the tasks already
// submitted are done.
func (p *engine) Close() {
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
func (p *engine) Terminate() {
	p.mu.Lock()
	p.state = terminated
	var failed []*entry
	for _, e := range p.inflight {
		failed = append(failed, e)
	}
	failed = append(failed, p.waiting...)
	p.inflight, p.batches, p.waiting, p.direct = map[uint64]*entry{}, map[uint64]*batch{}, nil, nil
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
func (p *engine) cleanup() {
	close(p.stop)
	if p.silence != nil {
		p.silence.Stop()
	}
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
func (p *engine) Join(timeout time.Duration) error {
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
