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
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mpstar/mpstar/builtins"
	"github.com/mpstar/mpstar/mpcore/pool"
)

// HostOptions configure a worker host.
type HostOptions struct {
	Options
	// Slots is how many tasks the host runs at once, per pool: the number
	// of local worker processes each pool gets.
	Slots int
	// Host names the host in WorkerLostError messages ("" = the host
	// name and the process id).
	Host string
	// Stdout and Stderr receive the workers' output and the host's log
	// (nil: the process's own).
	Stdout, Stderr io.Writer
	// Executable is the program local workers run ("" = this one).
	Executable string
}

// Host serves pools: it runs the tasks of every pool announced on the
// server through a local engine per pool.
type Host struct {
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
	h := &Host{o: o, c: c, pools: map[string]*hostPool{}}
	defer h.stopAll()
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
	go h.keepAlive(ctx)
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

func (h *Host) logf(format string, args ...any) {
	fmt.Fprintf(h.o.Stderr, "mpstar worker %s: "+format+"\n", append([]any{h.o.Host}, args...)...)
}

// keepAlive sends in-progress acks for every running task each
// heartbeat, so the server redelivers a task only when its host stopped.
func (h *Host) keepAlive(ctx context.Context) {
	t := time.NewTicker(heartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		h.mu.Lock()
		pools := make([]*hostPool, 0, len(h.pools))
		for _, hp := range h.pools {
			pools = append(pools, hp)
		}
		h.mu.Unlock()
		for _, hp := range pools {
			hp.keepAlive()
		}
	}
}

// start begins serving a pool.
func (h *Host) start(ctx context.Context, id string, value []byte) {
	var rec poolRecord
	if err := json.Unmarshal(value, &rec); err != nil {
		h.logf("pool %s: bad record: %v", id, err)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.pools[id] != nil {
		return
	}
	hp := &hostPool{h: h, id: id, rec: rec, slots: make(chan struct{}, h.o.Slots),
		quit: make(chan struct{}), beat: make(chan struct{}, 1), running: map[jetstream.Msg]struct{}{}}
	h.pools[id] = hp
	go hp.serve(ctx)
}

// stop stops serving a pool.
func (h *Host) stop(id string) {
	h.mu.Lock()
	hp := h.pools[id]
	delete(h.pools, id)
	h.mu.Unlock()
	if hp != nil {
		hp.stop()
	}
}

func (h *Host) stopAll() {
	h.mu.Lock()
	ids := make([]string, 0, len(h.pools))
	for id := range h.pools {
		ids = append(ids, id)
	}
	h.mu.Unlock()
	for _, id := range ids {
		h.stop(id)
	}
}

// hostPool is one pool as a host serves it.
type hostPool struct {
	h     *Host
	id    string
	rec   poolRecord
	slots chan struct{} // a token per idle slot
	quit  chan struct{}
	beat  chan struct{} // the parent's heartbeat arrived

	mu      sync.Mutex
	quitted bool
	eng     *pool.Pool
	rt      *builtins.Runtime
	running map[jetstream.Msg]struct{}
}

// serve runs the pool's tasks until it stops.
func (hp *hostPool) serve(ctx context.Context) {
	rctx, cancel := context.WithTimeout(ctx, requestTimeout)
	code, err := hp.h.code.load(rctx, hp.h.c.JS, hp.rec.Code)
	var cons jetstream.Consumer
	if err == nil {
		cons, err = hp.h.c.JS.Consumer(rctx, streamName(hp.id), consumer)
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
	hp.h.logf("serving pool %s of %s with %d workers", hp.id, hp.rec.ParentHost, cap(hp.slots))
	go hp.watchParent()
	hp.fetch(cons)
}

// startEngine starts the local workers, in a runtime of the pool's
// script whose children receive every file and compiled program from
// memory. It reports false if the pool stopped meanwhile.
func (hp *hostPool) startEngine(code builtins.Code) bool {
	rt := builtins.NewRuntime(builtins.Config{Stdout: hp.h.o.Stdout, Stderr: hp.h.o.Stderr, Executable: hp.h.o.Executable,
		Filename: code.Filename, Source: code.Source, Argv: code.Argv})
	for path, src := range code.Files {
		rt.SetChildExtra(builtins.FileExtraPrefix+path, src)
	}
	for key, prog := range code.Programs {
		rt.SetChildExtra(key, prog)
	}
	eng, err := pool.New(pool.Config{Processes: cap(hp.slots), MaxTasksPerChild: hp.rec.MaxTasks,
		Start: func() (*pool.Worker, error) { return builtins.StartPoolWorker(rt, hp.rec.Setup) }})
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

// fetch asks the server for as many tasks as there are idle slots, and
// hands each to the local engine, until the pool stops.
func (hp *hostPool) fetch(cons jetstream.Consumer) {
	for {
		select {
		case <-hp.quit:
			return
		case <-hp.slots:
		}
		n := 1
		for more := true; more && n < cap(hp.slots); {
			select {
			case <-hp.slots:
				n++
			default:
				more = false
			}
		}
		batch, err := cons.Fetch(n, jetstream.FetchMaxWait(heartbeat))
		if err != nil {
			hp.release(n)
			if hp.gone(err) {
				return
			}
			continue
		}
		// The batch fills as tasks come; meanwhile slots that free up ask
		// for more in requests of their own, so a worker that finishes
		// does not wait for the rest of the batch.
		go func() {
			got := 0
			for m := range batch.Messages() {
				got++
				hp.run(m)
			}
			hp.release(n - got)
			hp.gone(batch.Error())
		}()
	}
}

// release gives back n slots.
func (hp *hostPool) release(n int) {
	for ; n > 0; n-- {
		hp.slots <- struct{}{}
	}
}

// gone reports whether a fetch failed because the pool's stream or
// consumer is gone, and then stops serving the pool.
func (hp *hostPool) gone(err error) bool {
	if errors.Is(err, jetstream.ErrConsumerDeleted) || errors.Is(err, jetstream.ErrConsumerNotFound) || errors.Is(err, jetstream.ErrStreamNotFound) {
		hp.h.stop(hp.id)
		return true
	}
	return false
}

// run starts one task message on the local engine.
func (hp *hostPool) run(m jetstream.Msg) {
	r := reader{b: m.Data()}
	id := r.uvarint()
	md, err := m.Metadata()
	if r.err != nil || err != nil {
		m.Term()
		hp.release(1)
		return
	}
	deliveries := int(md.NumDelivered)
	last := deliveries > hp.rec.Retries
	if last {
		// Name the host of a last delivery, so a loss the host cannot
		// report (its own) still says where the task was.
		hp.notify(appendNoticeHeader(nil, noticeStarted, id, m.Reply(), hp.h.o.Host))
	}
	hp.mu.Lock()
	hp.running[m] = struct{}{}
	eng := hp.eng
	hp.mu.Unlock()
	var parts [][]byte
	t := &pool.Task{
		Message: r.b,
		Part:    func(p []byte) { parts = append(parts, append([]byte(nil), p...)) },
		Done: func(reply []byte, err error) {
			hp.done(m, id, deliveries, last, parts, reply, err)
		},
	}
	if err := eng.Submit(t); err != nil {
		t.Done(nil, err)
	}
}

// done reports a task's outcome to the parent and frees its slot.
func (hp *hostPool) done(m jetstream.Msg, id uint64, deliveries int, last bool, parts [][]byte, reply []byte, err error) {
	hp.mu.Lock()
	delete(hp.running, m)
	hp.mu.Unlock()
	hp.release(1)
	host := hp.h.o.Host
	var lost *pool.WorkerLostError
	var initErr *pool.InitError
	switch {
	case err == nil:
		msg := binary.AppendUvarint(appendNoticeHeader(nil, noticeResult, id, m.Reply(), host), uint64(len(parts)))
		for _, p := range parts {
			msg = appendString(msg, string(p))
		}
		hp.notify(append(msg, reply...))
	case errors.As(err, &lost):
		if last {
			m.Term()
		} else {
			m.Nak()
		}
		how := fmt.Sprintf("worker %s (pid %d) exited with %s", lost.Worker, lost.Pid, pool.DescribeExit(lost.ExitCode))
		msg := binary.AppendUvarint(appendNoticeHeader(nil, noticeLost, id, m.Reply(), host), uint64(deliveries))
		hp.notify(append(msg, how...))
	case errors.Is(err, pool.ErrTerminated) || errors.Is(err, pool.ErrNotRunning):
		m.Nak() // this host stops serving the pool: another one runs it
	case errors.As(err, &initErr):
		m.Term()
		hp.notify(append(binary.AppendUvarint(appendNoticeHeader(nil, noticeFailed, id, m.Reply(), host), 1), initErr.Payload...))
	default:
		m.Term()
		hp.notify(append(binary.AppendUvarint(appendNoticeHeader(nil, noticeFailed, id, m.Reply(), host), 0), err.Error()...))
	}
}

func (hp *hostPool) notify(msg []byte) {
	hp.h.c.NC.Publish(noticeSubject(hp.id), msg)
}

// keepAlive sends an in-progress ack for each running task.
func (hp *hostPool) keepAlive() {
	hp.mu.Lock()
	msgs := make([]jetstream.Msg, 0, len(hp.running))
	for m := range hp.running {
		msgs = append(msgs, m)
	}
	hp.mu.Unlock()
	for _, m := range msgs {
		m.InProgress()
	}
}

// watchParent stops the pool, and removes it from the server, once its
// parent has been silent for parentTimeout: it was killed, or cut off.
func (hp *hostPool) watchParent() {
	t := time.NewTimer(parentTimeout)
	defer t.Stop()
	for {
		select {
		case <-hp.quit:
			return
		case <-hp.beat:
			t.Reset(parentTimeout)
		case <-t.C:
			hp.h.stop(hp.id)
			ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
			hp.h.c.JS.DeleteStream(ctx, streamName(hp.id))
			if kv, err := poolsKV(ctx, hp.h.c.JS); err == nil {
				kv.Delete(ctx, hp.id)
			}
			cancel()
			hp.h.logf("pool %s: no heartbeat from its parent on %s for %v: stopped its workers and removed it", hp.id, hp.rec.ParentHost, parentTimeout)
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
