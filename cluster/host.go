package cluster

// The worker command's side: a host serving every pool on the server.

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mpstar/mpstar/internal/builtins"
	"github.com/mpstar/mpstar/internal/builtins/modules"
	"github.com/mpstar/mpstar/internal/builtins/mppool"
	"github.com/mpstar/mpstar/internal/wire"
	"github.com/mpstar/mpstar/mpcore/pool"
	"github.com/mpstar/mpstar/mpcore/sandbox"
)

// HostOptions configure a worker host.
type HostOptions struct {
	Options
	// Slots is how many tasks the host runs at once, per pool: the number
	// of local worker processes each pool gets.
	Slots int
	// Prefetch is how many tasks per worker process the host holds at
	// once (default 1: it asks only for tasks it can start now). More
	// hides the round trip to the server between small tasks, and a dead
	// host strands that many more until their AckWait passes.
	Prefetch int
	// Host names the host in WorkerLostError messages ("" = the host
	// name and the process id).
	Host string
	// Stdout and Stderr receive the workers' output and the host's log
	// (nil: the process's own).
	Stdout, Stderr io.Writer
	// Trust, if set, is a public nkey: the host serves only pools whose
	// code is signed with its seed (sign.go).
	Trust string
	// Executable is the program local workers run ("" = this one).
	Executable string
}

// workerHost serves pools: it runs the tasks of every pool announced on the
// server through a local engine per pool.
type workerHost struct {
	o    HostOptions
	c    *Conn
	code codeCache

	mu    sync.Mutex
	pools map[string]*hostPool
}

// Serve runs a worker host until ctx ends; the pools it serves then stop
// and their running tasks go back to the stream for other hosts.
func Serve(ctx context.Context, o HostOptions) error {
	if o.Slots < 1 {
		o.Slots = pool.DefaultProcesses()
	}
	if o.Prefetch < 1 {
		o.Prefetch = 1
	}
	if o.Host == "" {
		name, _ := os.Hostname()
		o.Host = fmt.Sprintf("%s:%d", name, os.Getpid())
	}
	if o.Stdout == nil {
		o.Stdout = os.Stdout
	}
	if o.Stderr == nil {
		o.Stderr = os.Stderr
	}
	if o.Name == "" {
		o.Name = "mpstar worker " + o.Host
	}
	c, err := Dial(o.Options)
	if err != nil {
		return err
	}
	defer c.Close()
	h := &workerHost{o: o, c: c, pools: map[string]*hostPool{}}
	defer h.stopAll()
	c.NC.SetReconnectHandler(func(*nats.Conn) {
		for _, hp := range h.snapshot() {
			hp.reclaim()
		}
	})
	rctx, cancel := context.WithTimeout(ctx, requestTimeout)
	kv, err := poolsKV(rctx, c.JS)
	cancel()
	if err != nil {
		return fmt.Errorf("cannot watch for pools at %s: %w", o.URL, err)
	}
	w, err := kv.WatchAll(ctx)
	if err != nil {
		return err
	}
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-w.Updates():
			if !ok {
				return errors.New("the server stopped the watch for pools")
			}
			if e == nil {
				continue // the pools that existed are all reported
			}
			if e.Operation() == jetstream.KeyValuePut {
				h.start(ctx, e.Key(), e.Value())
			} else {
				h.stop(e.Key())
			}
		}
	}
}

func (h *workerHost) logf(format string, args ...any) {
	fmt.Fprintf(h.o.Stderr, "mpstar worker %s: "+format+"\n", append([]any{h.o.Host}, args...)...)
}

// snapshot returns the pools being served.
func (h *workerHost) snapshot() []*hostPool {
	h.mu.Lock()
	defer h.mu.Unlock()
	pools := make([]*hostPool, 0, len(h.pools))
	for _, hp := range h.pools {
		pools = append(pools, hp)
	}
	return pools
}

// start begins serving a pool.
func (h *workerHost) start(ctx context.Context, id string, value []byte) {
	var rec poolRecord
	if err := json.Unmarshal(value, &rec); err != nil {
		h.logf("pool %s: bad record: %v", id, err)
		return
	}
	if h.o.Trust != "" {
		if err := checkSignature(&rec, h.o.Trust); err != nil {
			h.logf("pool %s of %s refused: %v", id, rec.ParentHost, err)
			return
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.pools[id] != nil {
		return
	}
	hp := &hostPool{h: h, id: id, rec: rec, slots: make(chan struct{}, h.o.Slots*h.o.Prefetch),
		quit: make(chan struct{}), beat: make(chan struct{}, 1),
		running: map[*delivery]struct{}{}}
	h.pools[id] = hp
	go hp.serve(ctx)
}

// stop stops serving a pool.
func (h *workerHost) stop(id string) {
	h.mu.Lock()
	hp := h.pools[id]
	delete(h.pools, id)
	h.mu.Unlock()
	if hp != nil {
		hp.stop()
	}
}

func (h *workerHost) stopAll() {
	for _, hp := range h.snapshot() {
		h.stop(hp.id)
	}
}

// hostPool is one pool as a host serves it.
type hostPool struct {
	h     *workerHost
	id    string
	rec   poolRecord
	slots chan struct{} // a token per idle slot
	quit  chan struct{}
	beat  chan struct{} // the parent's heartbeat arrived

	nmu     sync.Mutex
	notices [][]byte    // messages to the parent not yet sent, the last one open
	flusher *time.Timer // sends them noticeDelay after the first (nil: not made yet)
	armed   bool        // flusher is set to go

	mu      sync.Mutex
	quitted bool
	eng     *pool.Pool
	rt      *builtins.Runtime
	running map[*delivery]struct{}
	pulls   int // pull requests outstanding
	owed    int // direct batches running without a slot
}

// serve runs the pool's tasks until it stops.
func (hp *hostPool) serve(ctx context.Context) {
	rctx, cancel := context.WithTimeout(ctx, requestTimeout)
	code, err := hp.h.code.load(rctx, hp.h.c.JS, hp.rec.Code)
	if err == nil {
		_, err = hp.h.c.JS.Consumer(rctx, streamName(hp.id), consumer)
	}
	cancel()
	if err != nil {
		hp.h.logf("pool %s: cannot serve it: %v", hp.id, err)
		return
	}
	sub, err := hp.h.c.NC.Subscribe(beatSubject(hp.id), func(*nats.Msg) {
		select {
		case hp.beat <- struct{}{}:
		default:
		}
	})
	if err != nil {
		return
	}
	defer sub.Unsubscribe()
	if !hp.startEngine(code) {
		return
	}
	for i := 0; i < cap(hp.slots); i++ {
		hp.slots <- struct{}{}
	}
	hp.h.logf("serving pool %s of %s with %d workers", hp.id, hp.rec.ParentHost, hp.h.o.Slots)
	go hp.watchParent()
	go hp.keepAlive()
	hp.fetch()
}

// startEngine starts the local workers, in a runtime of the pool's
// script whose children receive every file and compiled program from
// memory. It reports false if the pool stopped meanwhile.
func (hp *hostPool) startEngine(code builtins.Code) bool {
	rt := builtins.NewRuntime(builtins.Config{Stdout: hp.h.o.Stdout, Stderr: hp.h.o.Stderr, Executable: hp.h.o.Executable,
		Builtins: modules.Predeclared, ShareKinds: modules.ShareKinds,
		Filename: code.Filename, Source: code.Source, Argv: code.Argv,
		// Tasks run with the worker host's authority: a script's
		// permission flags do not travel to other hosts (docs/permissions.md).
		Confine: builtins.Confinement{Grants: sandbox.AllowAll()}})
	for path, src := range code.Files {
		rt.SetChildExtra(builtins.FileExtraPrefix+path, src)
	}
	for key, prog := range code.Programs {
		rt.SetChildExtra(key, prog)
	}
	eng, err := pool.New(pool.Config{Processes: hp.h.o.Slots, MaxTasksPerChild: hp.rec.MaxTasks, Batch: workerBatch,
		Start: func() (*pool.Worker, error) { return mppool.StartPoolWorker(rt, hp.rec.Setup) }})
	if err != nil {
		hp.h.logf("pool %s: cannot start its workers: %v", hp.id, err)
		return false
	}
	hp.mu.Lock()
	defer hp.mu.Unlock()
	hp.eng, hp.rt = eng, rt
	if hp.quitted {
		go hp.stopEngine()
		return false
	}
	return true
}

// workerBatch is how many quick tasks a local worker process takes at
// once (pool.Config.Batch): a batch from the stream reaches the workers
// in a few messages rather than one round trip per task.
const workerBatch = 16

// fetch keeps one pull request for one task outstanding per idle slot
// (a slot is a worker process, or one of its Prefetch places),
// until the pool stops. The requests share one subscription, and each
// ends with a task or a status (expired, say), which frees its slot.
// A slot freed while a direct batch runs without one goes to it instead.
func (hp *hostPool) fetch() {
	inbox := nats.NewInbox()
	// Deliveries and direct batches come through one channel, so they
	// reach the local engine in the order they came from the server:
	// a lone task sent direct before the tasks that followed it to the
	// stream runs before them. Each pull request brings one message, and
	// direct batches come one at a time, so the channel never fills.
	msgs := make(chan *nats.Msg, cap(hp.slots)+directBacklog)
	for subj, queue := range map[string]string{inbox: "", directSubject(hp.id): consumer} {
		sub, err := hp.h.c.NC.ChanQueueSubscribe(subj, queue, msgs)
		if err != nil {
			hp.h.logf("pool %s: %v", hp.id, err)
			return
		}
		defer sub.Unsubscribe()
	}
	go hp.dispatch(msgs)
	subject := "$JS.API.CONSUMER.MSG.NEXT." + streamName(hp.id) + "." + consumer
	request := []byte(fmt.Sprintf(`{"batch":1,"expires":%d}`, pullExpiry.Nanoseconds()))
	for {
		select {
		case <-hp.quit:
			return
		case <-hp.slots:
		}
		hp.mu.Lock()
		owed := hp.owed > 0
		if owed {
			hp.owed--
		} else {
			hp.pulls++
		}
		hp.mu.Unlock()
		if !owed && hp.h.c.NC.PublishRequest(subject, inbox, request) != nil {
			hp.endPull()
		}
	}
}

// directBacklog is room for direct batches beside the pull requests'
// messages: the parent sends one only when it has no other task out.
const directBacklog = 64

// dispatch runs what the server sends the pool until it stops.
func (hp *hostPool) dispatch(msgs <-chan *nats.Msg) {
	direct := directSubject(hp.id)
	for {
		select {
		case <-hp.quit:
			return
		case m := <-msgs:
			if m.Subject == direct {
				hp.onDirect(m)
			} else {
				hp.onDelivery(m)
			}
		}
	}
}

// pullExpiry bounds how long a pull request waits for a task: an idle
// pool costs a host one status message per slot that often.
const pullExpiry = 5 * time.Second

// onDelivery handles what a pull request brought: a task, or a status
// saying the request ended without one.
func (hp *hostPool) onDelivery(m *nats.Msg) {
	if status := m.Header.Get("Status"); status != "" && len(m.Data) == 0 {
		hp.endPull()
		if status == "409" && strings.Contains(m.Header.Get("Description"), "Deleted") {
			hp.h.stop(hp.id) // the pool's consumer is gone
		}
		return
	}
	hp.mu.Lock()
	if hp.pulls > 0 { // else its request was reclaimed at a reconnect
		hp.pulls--
	}
	hp.mu.Unlock()
	md, err := m.Metadata()
	if err != nil {
		m.Term()
		hp.release(1)
		return
	}
	hp.run(m.Data, m, int(md.NumDelivered))
}

// onDirect runs a lone task the parent sent straight to this host. The
// pool has nothing else unfinished, so this host's slots for it are
// idle, but each has a pull request out that the server cannot be told
// to drop: the batch takes the next slot freed instead (hp.owed).
func (hp *hostPool) onDirect(m *nats.Msg) {
	hp.mu.Lock()
	hp.owed++
	hp.mu.Unlock()
	hp.run(m.Data, nil, 1)
}

// directDone gives back the slot of a direct batch, or the debt of one
// if no slot was freed for it while it ran.
func (hp *hostPool) directDone() {
	if !hp.takeOne(&hp.owed) {
		hp.release(1)
	}
}

// endPull frees the slot of a pull request that ended without a task.
func (hp *hostPool) endPull() {
	if hp.takeOne(&hp.pulls) {
		hp.release(1)
	}
}

// takeOne decrements the count n (a field of hp, guarded by hp.mu) if it
// is above zero, and reports whether it was.
func (hp *hostPool) takeOne(n *int) bool {
	hp.mu.Lock()
	defer hp.mu.Unlock()
	if *n == 0 {
		return false
	}
	*n--
	return true
}

// release gives back n slots. A status for a request forgotten at a
// reconnect (reclaim) may come late; it finds the slots full and frees
// nothing.
func (hp *hostPool) release(n int) {
	for ; n > 0; n-- {
		select {
		case hp.slots <- struct{}{}:
		default:
			return
		}
	}
}

// reclaim frees the slots of every outstanding pull request: after a
// reconnect the server may have dropped them without a word.
func (hp *hostPool) reclaim() {
	hp.mu.Lock()
	n := hp.pulls
	hp.pulls = 0
	hp.mu.Unlock()
	hp.release(n)
}

// delivery is one delivery of a batch message, running on the local
// engine.
type delivery struct {
	m          *nats.Msg // nil: a direct batch, which has no ack
	ack        []byte    // m's ack subject, for the notices
	batch      uint64
	deliveries int
	last       bool // no delivery comes after this one

	mu      sync.Mutex
	left    int  // tasks still running
	lost    bool // a task's worker process died
	stopped bool // the local engine stopped under a task
}

// run starts the tasks of one batch message on the local engine: data,
// from delivery m of the stream (delivered times), or sent direct (m
// nil).
func (hp *hostPool) run(data []byte, m *nats.Msg, delivered int) {
	batch, earlier, tasks, err := parseBatch(data)
	if err != nil || len(tasks) == 0 {
		if m != nil {
			m.Term()
			hp.release(1)
		} else {
			hp.directDone()
		}
		return
	}
	d := &delivery{m: m, batch: batch, deliveries: earlier + delivered, left: len(tasks)}
	if m != nil {
		d.ack = []byte(m.Reply)
	}
	if d.last = d.deliveries > hp.rec.Retries; d.last {
		// Name the host of a last delivery, so a loss the host cannot
		// report (its own) still says where the batch was.
		hp.notify(notice{kind: noticeStarted, batch: batch, ack: d.ack}, nil)
	}
	hp.mu.Lock()
	hp.running[d] = struct{}{}
	eng := hp.eng
	hp.mu.Unlock()
	for _, bt := range tasks {
		var parts [][]byte
		id := bt.id
		t := &pool.Task{
			Message: bt.msg,
			Timeout: bt.timeout,
			Part:    func(p []byte) { parts = append(parts, append([]byte(nil), p...)) },
			Done: func(reply []byte, err error) {
				hp.done(d, id, parts, reply, err)
			},
		}
		if err := eng.Submit(t); err != nil {
			t.Done(nil, err)
		}
	}
}

// done reports a task's outcome to the parent; the batch's last one
// frees its slot.
func (hp *hostPool) done(d *delivery, id uint64, parts [][]byte, reply []byte, err error) {
	n := notice{batch: d.batch, ack: d.ack, id: id}
	var lost *pool.WorkerLostError
	var late *pool.TaskTimeoutError
	var initErr *pool.InitError
	stopped := false
	switch {
	case err == nil:
		n.kind = noticeResult
		n.body = binary.AppendUvarint(nil, uint64(len(parts)))
		for _, p := range parts {
			n.body = wire.AppendBytes(n.body, p)
		}
		hp.notify(n, reply)
	case errors.As(err, &lost):
		how := fmt.Sprintf("worker %s (pid %d) exited with %s", lost.Worker, lost.Pid, pool.DescribeExit(lost.ExitCode))
		n.kind, n.body = noticeLost, binary.AppendUvarint(nil, uint64(d.deliveries))
		hp.notify(n, []byte(how))
	case errors.As(err, &late):
		// The task failed, as it would on a local pool; its worker was
		// killed for it and replaced, and the batch's other tasks go on.
		n.kind = noticeTimeout
		n.body = binary.AppendUvarint(binary.AppendUvarint(nil, uint64(late.Timeout)), uint64(late.Pid))
		hp.notify(n, []byte(late.Worker))
	case errors.Is(err, pool.ErrTerminated) || errors.Is(err, pool.ErrNotRunning):
		stopped = true // this host stops serving the pool: another one runs it
	case errors.As(err, &initErr):
		n.kind, n.body = noticeFailed, []byte{1}
		hp.notify(n, initErr.Payload)
	default:
		n.kind, n.body = noticeFailed, []byte{0}
		hp.notify(n, []byte(err.Error()))
	}
	d.mu.Lock()
	d.left--
	d.lost = d.lost || lost != nil
	d.stopped = d.stopped || stopped
	end := d.left == 0
	d.mu.Unlock()
	if end {
		hp.finish(d)
	}
}

// finish ends a delivery whose tasks are all done. The parent
// acknowledges it once it holds every outcome; a batch that lost a task
// goes back at once (unless this was its last delivery, where the parent
// fails the lost task), as does one the local engine stopped under. A
// direct batch the parent gives back itself.
func (hp *hostPool) finish(d *delivery) {
	hp.mu.Lock()
	delete(hp.running, d)
	hp.mu.Unlock()
	hp.flushNotices()
	if d.m == nil {
		hp.directDone()
		return
	}
	switch {
	case d.stopped || (d.lost && !d.last):
		d.m.Nak()
	case d.lost:
		d.m.Term()
	}
	hp.release(1)
}

// maxNotice bounds a message of notices: the server's smallest default
// payload limit is 1 MiB.
const maxNotice = 512 << 10

// noticeDelay is how long a task's outcome may wait for others to share
// its message to the parent. A batch's last outcome goes at once.
const noticeDelay = time.Millisecond

// notify queues a record for the parent, with tail appended to its body.
// Records go many to a message: the first one queued is sent within
// noticeDelay, with those that came meanwhile.
func (hp *hostPool) notify(n notice, tail []byte) {
	hp.nmu.Lock()
	defer hp.nmu.Unlock()
	last := len(hp.notices) - 1
	if last < 0 || len(hp.notices[last])+len(n.body)+len(tail) > maxNotice {
		hp.notices = append(hp.notices, wire.AppendBytes(nil, hp.h.o.Host))
		last++
	}
	hp.notices[last] = appendNotice(hp.notices[last], n, tail)
	if hp.armed {
		return
	}
	hp.armed = true
	if hp.flusher == nil {
		hp.flusher = time.AfterFunc(noticeDelay, hp.flushNotices)
	} else {
		hp.flusher.Reset(noticeDelay)
	}
}

// flushNotices sends the queued notices now. It publishes them itself,
// on the goroutine that finished a batch (or the timer's), rather than
// waking another goroutine to: that hop would be on the way of every
// result to the parent. The lock keeps the messages in order.
func (hp *hostPool) flushNotices() {
	hp.nmu.Lock()
	defer hp.nmu.Unlock()
	if hp.armed {
		hp.armed = false
		hp.flusher.Stop()
	}
	subject := noticeSubject(hp.id)
	for _, msg := range hp.notices {
		if err := hp.h.c.NC.Publish(subject, msg); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
			hp.h.logf("pool %s: cannot send results to the parent: %v", hp.id, err)
		}
	}
	clear(hp.notices)
	hp.notices = hp.notices[:0]
}

// heartbeat returns the pool's heartbeat.
func (hp *hostPool) heartbeat() time.Duration {
	if hp.rec.Heartbeat > 0 {
		return hp.rec.Heartbeat
	}
	return defaultHeartbeat
}

// keepAlive sends in-progress acks for every batch the host holds
// (to the parent for a direct one), keepAliveEvery, until the pool
// stops, so a batch goes to another host only when its host stopped.
func (hp *hostPool) keepAlive() {
	every(keepAliveEvery(hp.heartbeat()), hp.quit, func() {
		hp.mu.Lock()
		running := make([]*delivery, 0, len(hp.running))
		for d := range hp.running {
			running = append(running, d)
		}
		hp.mu.Unlock()
		for _, d := range running {
			if d.m != nil {
				d.m.InProgress()
			} else {
				hp.notify(notice{kind: noticeRunning, batch: d.batch}, nil)
			}
		}
	})
}

// watchParent stops the pool, and removes it from the server, once its
// parent has been silent for parentTimeout: it was killed, or cut off.
func (hp *hostPool) watchParent() {
	timeout := parentTimeout(hp.heartbeat())
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		select {
		case <-hp.quit:
			return
		case <-hp.beat:
			t.Reset(timeout)
		case <-t.C:
			hp.h.stop(hp.id)
			ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
			hp.h.c.JS.DeleteStream(ctx, streamName(hp.id))
			if kv, err := poolsKV(ctx, hp.h.c.JS); err == nil {
				kv.Delete(ctx, hp.id)
			}
			cancel()
			hp.h.logf("pool %s: no heartbeat from its parent on %s for %v: stopped its workers and removed it", hp.id, hp.rec.ParentHost, timeout)
			return
		}
	}
}

// stop ends the pool's service: the fetch loop ends and the local
// workers are terminated, their running tasks given back.
func (hp *hostPool) stop() {
	hp.mu.Lock()
	if hp.quitted {
		hp.mu.Unlock()
		return
	}
	hp.quitted = true
	close(hp.quit)
	hp.mu.Unlock()
	hp.stopEngine()
}

func (hp *hostPool) stopEngine() {
	hp.mu.Lock()
	eng, rt := hp.eng, hp.rt
	hp.mu.Unlock()
	if eng != nil {
		eng.Terminate()
		rt.Finish()
	}
}
