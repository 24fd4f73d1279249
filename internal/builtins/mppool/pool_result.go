package mppool

// Pool's task methods and their results (CPython: pool.py apply_async,
// _map_async, imap, ApplyResult, MapResult, IMapIterator). Tasks are
// encoded on the script's thread; replies are decoded on the engine's
// goroutines and handed over through the results' channels, and callbacks
// run on the script's thread through Runtime.Defer.

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins"
	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/value"
	"github.com/mpstar/mpstar/mpcore/pool"
	"github.com/mpstar/mpstar/mpcore/stop"
)

// AsyncResult is multiprocessing.pool.ApplyResult, and MapResult for the
// map methods.
type AsyncResult struct {
	value.Object
	pool              *Pool
	class             string // "ApplyResult" or "MapResult"
	callback, errback starlark.Value
	done              chan struct{} // closed when the outcome is known

	mu       sync.Mutex
	finished bool
	value    starlark.Value // valid once done is closed
	err      error

	// MapResult only: results by item, chunks still out, items done.
	items []starlark.Value
	left  int
	count atomic.Int64
	tick  chan struct{} // a chunk arrived, for a progress bar
}

var _ starlark.HasAttrs = (*AsyncResult)(nil)

func newAsyncResult(p *Pool, class string, callback, errback starlark.Value) *AsyncResult {
	return &AsyncResult{pool: p, class: class, callback: callback, errback: errback,
		done: make(chan struct{}), tick: make(chan struct{}, 1)}
}

// complete records the outcome (the first one wins), queues the callback
// for the script's thread, then wakes waiters: a get() that returns has
// its callback queued, and runs it before returning, as in CPython.
func (r *AsyncResult) complete(v starlark.Value, err error) {
	r.mu.Lock()
	if r.finished {
		r.mu.Unlock()
		return
	}
	r.finished = true
	r.value, r.err = v, err
	r.mu.Unlock()
	switch {
	case err == nil && r.callback != starlark.None:
		cb := r.callback
		r.pool.rt.Defer(func(thread *starlark.Thread) error {
			_, err := starlark.Call(thread, cb, starlark.Tuple{v}, nil)
			return err
		})
	case err != nil && r.errback != starlark.None:
		cb := r.errback
		r.pool.rt.Defer(func(thread *starlark.Thread) error {
			_, err := starlark.Call(thread, cb, starlark.Tuple{builtins.ErrorFromGo(err)}, nil)
			return err
		})
	}
	close(r.done)
}

// slots is where chunk results for items[off:off+n] go (chunkSink);
// chunks own disjoint ranges, so their goroutines fill them unlocked.
func (r *AsyncResult) slots(off, n int) []starlark.Value { return r.items[off : off+n] }

// chunkDone files one map chunk's outcome: n more results, or the
// failure of the whole map (chunkSink).
func (r *AsyncResult) chunkDone(_ int, items []starlark.Value, err error) {
	if err != nil {
		r.complete(nil, err)
		return
	}
	r.mu.Lock()
	r.left--
	last := r.left == 0
	r.mu.Unlock()
	r.count.Add(int64(len(items)))
	select {
	case r.tick <- struct{}{}:
	default:
	}
	if last {
		r.complete(starlark.NewList(r.items), nil)
	}
}

// Type implements starlark.Value.
func (r *AsyncResult) Type() string { return "multiprocessing.pool." + r.class }

// Hash hashes by identity.
func (r *AsyncResult) Hash() (uint32, error) { return value.IdentityHash(r), nil }

// String is CPython's repr.
func (r *AsyncResult) String() string {
	return fmt.Sprintf("<multiprocessing.pool.%s object at %p>", r.class, r)
}

var asyncResultMethods = value.NewMethods(func() map[string]*starlark.Builtin {
	return map[string]*starlark.Builtin{
		"get":        starlark.NewBuiltin("get", asyncResultGet),
		"wait":       starlark.NewBuiltin("wait", asyncResultWait),
		"ready":      starlark.NewBuiltin("ready", asyncResultReady),
		"successful": starlark.NewBuiltin("successful", asyncResultSuccessful),
	}
})

// Attr implements starlark.HasAttrs.
func (r *AsyncResult) Attr(name string) (starlark.Value, error) {
	return value.Attr(asyncResultMethods, r, name)
}

// AttrNames implements starlark.HasAttrs.
func (r *AsyncResult) AttrNames() []string { return value.AttrNames(asyncResultMethods) }

func (r *AsyncResult) isReady() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// resultCall unpacks timeout=None for get and wait, runs deferred
// callbacks and waits; ok is false at the timeout.
func resultCall(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (r *AsyncResult, ok bool, err error) {
	r = b.Receiver().(*AsyncResult)
	d, err := value.TimeoutArgs(b, args, kwargs, -1)
	if err != nil {
		return nil, false, err
	}
	rt := r.pool.rt
	if err := rt.RunDeferred(thread); err != nil {
		return nil, false, err
	}
	ok, err = stop.Wait(r.done, d)
	if err != nil {
		return nil, false, r.pool.interrupted(err)
	}
	return r, ok, rt.RunDeferred(thread)
}

// def get(timeout=None)
func asyncResultGet(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	r, ok, err := resultCall(thread, b, args, kwargs)
	switch {
	case err != nil:
		return nil, err
	case !ok:
		return nil, exceptions.TimeoutError.New("")
	case r.err != nil:
		return nil, r.err
	}
	return r.value, nil
}

// def wait(timeout=None)
func asyncResultWait(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	_, _, err := resultCall(thread, b, args, kwargs)
	return starlark.None, err
}

// def ready()
func asyncResultReady(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	r := b.Receiver().(*AsyncResult)
	return starlark.Bool(r.isReady()), r.pool.rt.RunDeferred(thread)
}

// def successful()
func asyncResultSuccessful(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	r := b.Receiver().(*AsyncResult)
	if err := r.pool.rt.RunDeferred(thread); err != nil {
		return nil, err
	}
	if !r.isReady() {
		return nil, exceptions.ValueError.Errorf("%s not ready", r.String())
	}
	return starlark.Bool(r.err == nil), nil
}

// decodeReply turns a task's outcome into its value or the error a
// script sees; task names the task for a WorkerLostError.
func (p *Pool) decodeReply(reply []byte, err error, task func() string) (starlark.Value, error) {
	if err != nil {
		var lost *pool.WorkerLostError
		if errors.As(err, &lost) {
			return nil, p.lostErr(lost, task())
		}
		var late *pool.TaskTimeoutError
		if errors.As(err, &late) {
			return nil, timeoutErr(late, task())
		}
		return nil, p.poolErr(err)
	}
	if len(reply) == 0 {
		return nil, exceptions.OSError.New("empty reply from a pool worker")
	}
	v, err := builtins.Decode(reply[1:], p.dc)
	if err != nil {
		return nil, exceptions.OSError.Errorf("bad reply from a pool worker: %v", err)
	}
	if reply[0] != replyError {
		return v, nil
	}
	ev, ok := v.(*builtins.ErrorValue)
	if !ok {
		return nil, exceptions.OSError.New("bad error reply from a pool worker")
	}
	return nil, &exceptions.Error{Type: ev.ErrType(), Msg: ev.Message(), Args: ev.ErrArgs(), Traceback: remoteTraceback(ev)}
}

// remoteTraceback shows a task's failure as CPython chains it: the
// worker's traceback as a RemoteTraceback, then the caller's.
func remoteTraceback(ev *builtins.ErrorValue) string {
	if ev.Traceback() == "" {
		return ""
	}
	return "multiprocessing.pool.RemoteTraceback: \n\"\"\"\n" + ev.Traceback() + ev.String() +
		"\n\"\"\"\n\nThe above exception was the direct cause of the following exception:\n\n"
}

// def apply(func, args=(), kwds={})
func poolApply(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var fn starlark.Value
	var fargs starlark.Value = starlark.Tuple{}
	var fkw starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "func", &fn, "args?", &fargs, "kwds?", &fkw); err != nil {
		return nil, err
	}
	p, err := poolCall(thread, b)
	if err != nil {
		return nil, err
	}
	r, err := p.applyAsync(b.Name(), fn, fargs, fkw, starlark.None, starlark.None, 0)
	if err != nil {
		return nil, err
	}
	if _, err := stop.Wait(r.done, -1); err != nil {
		return nil, p.interrupted(err)
	}
	if err := p.rt.RunDeferred(thread); err != nil {
		return nil, err
	}
	return r.value, r.err
}

// def apply_async(func, args=(), kwds={}, callback=None, error_callback=None)
func poolApplyAsync(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var fn starlark.Value
	var fargs starlark.Value = starlark.Tuple{}
	var fkw, cb, ecb starlark.Value = starlark.None, starlark.None, starlark.None
	var timeout value.Timeout
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "func", &fn, "args?", &fargs, "kwds?", &fkw,
		"callback?", &cb, "error_callback?", &ecb, "timeout?", &timeout); err != nil {
		return nil, err
	}
	limit, err := timeout.Limit(b.Name(), "timeout")
	if err != nil {
		return nil, err
	}
	p, err := poolCall(thread, b)
	if err != nil {
		return nil, err
	}
	return p.applyAsync(b.Name(), fn, fargs, fkw, cb, ecb, limit)
}

// applyAsync submits one task; limit bounds its run (0: the pool's
// task_timeout).
func (p *Pool) applyAsync(name string, fn, fargs, fkw, cb, ecb starlark.Value, limit time.Duration) (*AsyncResult, error) {
	if err := p.checkRunning(); err != nil {
		return nil, err
	}
	a, err := value.AsTuple(name, "args", fargs)
	if err != nil {
		return nil, err
	}
	kw, err := value.AsDict(name, "kwds", fkw)
	if err != nil {
		return nil, err
	}
	msg := append(pool.AppendTaskHeader(make([]byte, 0, 64)), taskApply)
	for _, part := range [...]struct {
		root string
		v    starlark.Value
	}{{"func", fn}, {"args", a}, {"kwds", kw}} {
		if msg, err = builtins.AppendEncoded(msg, p.enc, part.root, part.v); err != nil {
			return nil, builtins.EncodeFailure(name, "cannot send the task: ", err)
		}
	}
	r := newAsyncResult(p, "ApplyResult", cb, ecb)
	job := p.jobs + 1
	describe := func() string { return fmt.Sprintf("task %d, %s()", job, funcName(fn)) }
	err = p.submit(&pool.Task{Message: msg, Timeout: limit, Done: func(reply []byte, err error) {
		r.complete(p.decodeReply(reply, err, describe))
	}}, describe)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// mapJob is the items of a map call, cut into chunks.
type mapJob struct {
	name      string // the method, for messages
	fn        starlark.Value
	star      bool
	items     []starlark.Value   // read already; nil for a range or a lazy job
	seq       starlark.Indexable // a lazy job's sequence, read as chunks go
	iter      starlark.Iterator  // a lazy job's other iterable, read as chunks go
	rng       struct{ start, step int }
	isRange   bool
	n         int // -1 while iter is not exhausted
	chunksize int
	timeout   time.Duration // bounds each chunk's run (0: the pool's task_timeout)
}

// startJob is where newMapJob and newLazyJob begin: a range (not for
// starmap) is a job of its own, its chunks sent as (start, step, count);
// any other iterable is returned for the caller to read.
func startJob(name string, fn, iterable starlark.Value, star bool) (*mapJob, starlark.Iterable, error) {
	j := &mapJob{name: name, fn: fn, star: star}
	if start, step, n, ok := rangeOf(iterable); ok && !star {
		j.isRange, j.rng.start, j.rng.step, j.n = true, start, step, n
		return j, nil, nil
	}
	it, ok := iterable.(starlark.Iterable)
	if !ok {
		return nil, nil, exceptions.TypeError.Errorf("'%s' object is not iterable", iterable.Type())
	}
	return j, it, nil
}

// newMapJob reads the iterable, on the script's thread. A range is not
// read: its chunks go as (start, step, count).
func newMapJob(name string, fn, iterable starlark.Value, star bool) (*mapJob, error) {
	j, it, err := startJob(name, fn, iterable, star)
	if it == nil || err != nil {
		return j, err
	}
	if seq, ok := iterable.(starlark.Sequence); ok {
		j.items = make([]starlark.Value, 0, seq.Len())
	}
	iter := it.Iterate()
	defer iter.Done()
	var v starlark.Value
	for iter.Next(&v) {
		j.items = append(j.items, v)
	}
	j.n = len(j.items)
	return j, nil
}

// newLazyJob is newMapJob for imap: a sequence is read, and any other
// iterable iterated, only as its chunks are submitted. (A sequence is
// read by index, so the script may still change it meanwhile.)
func newLazyJob(name string, fn, iterable starlark.Value) (*mapJob, error) {
	j, it, err := startJob(name, fn, iterable, false)
	if it == nil || err != nil {
		return j, err
	}
	if seq, ok := iterable.(starlark.Indexable); ok {
		j.seq, j.n = seq, seq.Len()
	} else {
		j.iter, j.n = it.Iterate(), -1
	}
	return j, nil
}

// readAll reads the rest of a lazy job's iterable, so its length is
// known.
func (j *mapJob) readAll() {
	if j.iter == nil {
		return
	}
	var v starlark.Value
	for j.iter.Next(&v) {
		j.items = append(j.items, v)
	}
	j.iter.Done()
	j.iter, j.n = nil, len(j.items)
}

// rangeOf reports the start, step and length of a range value.
func rangeOf(v starlark.Value) (start, step, n int, ok bool) {
	seq, isSeq := v.(starlark.Indexable)
	if !isSeq || v.Type() != "range" {
		return 0, 0, 0, false
	}
	n, step = seq.Len(), 1
	if n == 0 {
		return 0, 1, 0, true
	}
	if starlark.AsInt(seq.Index(0), &start) != nil {
		return 0, 0, 0, false
	}
	if n > 1 {
		var second int
		if starlark.AsInt(seq.Index(1), &second) != nil {
			return 0, 0, 0, false
		}
		step = second - start
	}
	return start, step, n, true
}

// setChunksize applies the chunksize argument, or CPython's default for
// map: ceil(n / (4 * processes)).
func (j *mapJob) setChunksize(v starlark.Value, processes int) error {
	if v == starlark.None {
		j.chunksize = max(1, (j.n+4*processes-1)/(4*processes))
		return nil
	}
	if err := starlark.AsInt(v, &j.chunksize); err != nil {
		return exceptions.TypeError.Errorf("%s: chunksize must be an int or None, not %s", j.name, v.Type())
	}
	if j.chunksize < 1 {
		return exceptions.ValueError.Errorf("Chunksize must be 1+, not %d", j.chunksize)
	}
	return nil
}

func (j *mapJob) chunks() int { return (j.n + j.chunksize - 1) / j.chunksize }

// chunk returns the offset, items (nil for a range) and item count of
// chunk i; ok is false past the last chunk. A lazy iterable's chunks
// are read in order, each once.
func (j *mapJob) chunk(i int) (off int, items starlark.Tuple, n int, ok bool) {
	off = i * j.chunksize
	if j.iter != nil {
		var v starlark.Value
		for len(items) < j.chunksize && j.iter.Next(&v) {
			items = append(items, v)
		}
		if len(items) < j.chunksize {
			j.iter.Done()
			j.iter, j.n = nil, off+len(items)
		}
		return off, items, len(items), len(items) > 0
	}
	if off >= j.n {
		return off, nil, 0, false
	}
	n = min(j.chunksize, j.n-off)
	switch {
	case j.isRange:
	case j.seq != nil:
		items = make(starlark.Tuple, n)
		for k := range items {
			items[k] = j.seq.Index(off + k)
		}
	default:
		items = j.items[off : off+n]
	}
	return off, items, n, true
}

// message encodes the chunk of n items at off.
func (j *mapJob) message(enc *builtins.Encoder, off int, items starlark.Tuple, n int) ([]byte, error) {
	kind, part := taskMap, starlark.Value(items)
	switch {
	case j.isRange:
		kind = taskRange
		part = starlark.Tuple{starlark.MakeInt(j.rng.start + off*j.rng.step), starlark.MakeInt(j.rng.step), starlark.MakeInt(n)}
	case j.star:
		kind = taskStarmap
	}
	msg := append(pool.AppendTaskHeader(make([]byte, 0, 64)), kind)
	msg, err := builtins.AppendEncoded(msg, enc, "func", j.fn)
	if err != nil {
		return nil, builtins.EncodeFailure(j.name, "cannot send the task: ", err)
	}
	if msg, err = builtins.AppendEncoded(msg, enc, "iterable", part); err != nil {
		return nil, j.itemErr(enc, off, items)
	}
	return msg, nil
}

// itemErr finds the item of a chunk that cannot be sent, to name it by
// its index in the whole iterable.
func (j *mapJob) itemErr(enc *builtins.Encoder, off int, items starlark.Tuple) error {
	for k, v := range items {
		if _, err := enc.Append(nil, fmt.Sprintf("iterable[%d]", off+k), v); err != nil {
			return builtins.EncodeFailure(j.name, "cannot send the task: ", err)
		}
	}
	return exceptions.TypeError.Errorf("%s: cannot send items %d..%d", j.name, off, off+len(items)-1)
}

// describe names the task of a chunk, job, for a WorkerLostError.
func (j *mapJob) describe(job, off, n int) string {
	if n == 1 {
		return fmt.Sprintf("task %d, %s() on item %d of %s", job, funcName(j.fn), off, j.name)
	}
	return fmt.Sprintf("task %d, %s() on items %d..%d of %s", job, funcName(j.fn), off, off+n-1, j.name)
}

// chunkSink receives the results of a map's chunks, on the engine's
// goroutines.
type chunkSink interface {
	// slots returns where the n results of the chunk at off go.
	slots(off, n int) []starlark.Value
	// chunkDone reports chunk i done: its slots are filled, or err says
	// why not.
	chunkDone(i int, items []starlark.Value, err error)
}

// submitChunks encodes and submits every chunk. Chunks are submitted as
// they are encoded, so workers start on the first while the rest are
// encoded.
func (p *Pool) submitChunks(j *mapJob, sink chunkSink) error {
	for i := 0; ; i++ {
		if sent, err := p.submitChunk(j, sink, i); !sent || err != nil {
			return err
		}
	}
}

// submitChunk encodes and submits chunk i; sent is false past the last
// chunk. The chunk's reply comes in parts, filed as they arrive.
func (p *Pool) submitChunk(j *mapJob, sink chunkSink, i int) (sent bool, err error) {
	off, items, n, ok := j.chunk(i)
	if !ok {
		return false, nil
	}
	msg, err := j.message(p.enc, off, items, n)
	if err != nil {
		return true, err
	}
	job := p.jobs + 1
	c := &chunkReply{p: p, sink: sink, i: i, dst: sink.slots(off, n), describe: func() string { return j.describe(job, off, n) }}
	return true, p.submit(&pool.Task{Message: msg, Part: c.part, Timeout: j.timeout, Done: c.done}, c.describe)
}

// chunkReply assembles one chunk's results from the parts of its reply.
type chunkReply struct {
	p        *Pool
	sink     chunkSink
	i        int
	dst      []starlark.Value
	filled   int
	err      error // a bad part, reported when the chunk is done
	describe func() string
}

// add files a batch of results, decoding them into place.
func (c *chunkReply) add(reply []byte) {
	switch {
	case len(reply) == 0:
		c.err = exceptions.OSError.New("empty reply from a pool worker")
	case reply[0] == replyError:
		_, c.err = c.p.decodeReply(reply, nil, c.describe)
	default:
		n, err := builtins.DecodeListInto(reply[1:], c.p.dc, c.dst[c.filled:])
		c.filled += n
		if err != nil {
			c.err = exceptions.OSError.Errorf("bad reply from a pool worker: %v", err)
		}
	}
}

func (c *chunkReply) part(part []byte) {
	if c.err == nil {
		c.add(part)
	}
}

func (c *chunkReply) done(reply []byte, err error) {
	if err != nil {
		_, err = c.p.decodeReply(nil, err, c.describe)
	} else if c.err == nil {
		c.add(reply)
	}
	if err == nil {
		err = c.err
	}
	if err == nil && c.filled != len(c.dst) {
		err = exceptions.OSError.Errorf("bad reply from a pool worker: %d results for %d items", c.filled, len(c.dst))
	}
	c.sink.chunkDone(c.i, c.dst, err)
}

// mapArgs are the arguments of the map methods.
type mapArgs struct {
	fn, iterable, chunksize, callback, errback starlark.Value
	progress                                   bool
	timeout                                    value.Timeout
}

// poolMapMethod makes map, map_async, starmap and starmap_async.
func poolMapMethod(star, async bool) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		a := mapArgs{chunksize: starlark.None, callback: starlark.None, errback: starlark.None}
		var err error
		if async {
			err = starlark.UnpackArgs(b.Name(), args, kwargs, "func", &a.fn, "iterable", &a.iterable, "chunksize?", &a.chunksize,
				"callback?", &a.callback, "error_callback?", &a.errback, "timeout?", &a.timeout)
		} else {
			err = starlark.UnpackArgs(b.Name(), args, kwargs, "func", &a.fn, "iterable", &a.iterable, "chunksize?", &a.chunksize,
				"progress?", &a.progress, "timeout?", &a.timeout)
		}
		if err != nil {
			return nil, err
		}
		p, err := poolCall(thread, b)
		if err != nil {
			return nil, err
		}
		r, err := p.mapAsync(b.Name(), a, star)
		if err != nil || async {
			return r, err
		}
		return p.awaitMap(thread, r, a.progress, b.Name())
	}
}

func (p *Pool) mapAsync(name string, a mapArgs, star bool) (*AsyncResult, error) {
	if err := p.checkRunning(); err != nil {
		return nil, err
	}
	j, err := newMapJob(name, a.fn, a.iterable, star)
	if err != nil {
		return nil, err
	}
	if err := j.setChunksize(a.chunksize, p.size); err != nil {
		return nil, err
	}
	if j.timeout, err = a.timeout.Limit(name, "timeout"); err != nil {
		return nil, err
	}
	r := newAsyncResult(p, "MapResult", a.callback, a.errback)
	r.items = make([]starlark.Value, j.n)
	r.left = j.chunks()
	if j.n == 0 {
		r.complete(starlark.NewList(nil), nil)
		return r, nil
	}
	if err := p.submitChunks(j, r); err != nil {
		r.complete(nil, err)
		return nil, err
	}
	return r, nil
}

// awaitMap waits for a map's result, showing its progress on stderr when
// asked; method names the map in plain progress lines.
func (p *Pool) awaitMap(thread *starlark.Thread, r *AsyncResult, progress bool, method string) (starlark.Value, error) {
	if progress {
		bar := pool.NewProgress(p.rt.Stderr(), len(r.items), stderrTerminal(p.rt), method)
		stopped := stop.Done()
		for !r.isReady() {
			select {
			case <-r.done:
			case <-r.tick:
				bar.Update(int(r.count.Load()))
			case <-stop.Posted():
				stop.Serve()
			case <-stopped:
				return nil, p.interrupted(stop.Stopped())
			}
		}
		bar.Finish(int(r.count.Load()))
	}
	if _, err := stop.Wait(r.done, -1); err != nil {
		return nil, p.interrupted(err)
	}
	if err := p.rt.RunDeferred(thread); err != nil {
		return nil, err
	}
	return r.value, r.err
}
