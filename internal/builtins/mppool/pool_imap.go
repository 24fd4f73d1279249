package mppool

// Pool.imap and imap_unordered (CPython: pool.py IMapIterator and
// IMapUnorderedIterator).
//
// Starlark iterators cannot fail, so a for loop over the iterator yields a
// failed task's error as an error value in place of its items, while
// it.next(timeout) raises it, as Python's next() does. Either way the
// iteration then goes on with the next task. The error value's task
// attribute is the index, in the iterable, of the failed task's first item
// (its only one with the default chunksize of 1), and a progress bar notes
// the failure above itself.
//
// A pool whose engine keeps a window of unfinished tasks (a cluster pool)
// is fed from the iterable as results are taken: at most a window of
// chunks is submitted and not yet yielded, so imap over a huge range or
// an endless iterable neither reads it all nor piles up its results.
// Other pools take every chunk at once, as CPython's do.

import (
	"fmt"
	"sync"
	"time"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins"
	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/value"
	"github.com/mpstar/mpstar/mpcore/pool"
	"github.com/mpstar/mpstar/mpcore/stop"
)

// IMapIterator is what imap and imap_unordered return.
type IMapIterator struct {
	value.Object
	pool      *Pool
	ordered   bool
	nchunks   int // -1 until the iterable is read to its end
	chunksize int
	total     int
	notify    chan struct{} // a chunk arrived

	mu      sync.Mutex // guards arrived and queue
	arrived map[int]imapChunk
	queue   []imapChunk

	// Read and written on the script's thread only.
	job      *mapJob // the chunks not yet submitted, or nil
	fed      int     // chunks submitted
	window   int     // chunks submitted and not yet yielded, at most (0: no limit)
	cur      *imapChunk
	pos      int
	next     int // the chunk an ordered iterator yields next
	consumed int // chunks fully yielded
	yielded  int
	bar      *pool.Progress
}

// imapChunk is one chunk's outcome.
type imapChunk struct {
	index int // of the chunk
	items starlark.Tuple
	err   error
}

var (
	_ starlark.Iterable = (*IMapIterator)(nil)
	_ starlark.HasAttrs = (*IMapIterator)(nil)
)

// poolIMapMethod makes imap and imap_unordered.
func poolIMapMethod(ordered bool) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var fn, iterable starlark.Value
		var chunksize starlark.Value = starlark.MakeInt(1)
		progress := false
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, "func", &fn, "iterable", &iterable,
			"chunksize?", &chunksize, "progress?", &progress); err != nil {
			return nil, err
		}
		p, err := poolCall(thread, b)
		if err != nil {
			return nil, err
		}
		if err := p.checkRunning(); err != nil {
			return nil, err
		}
		j, err := newLazyJob(b.Name(), fn, iterable)
		if err != nil {
			return nil, err
		}
		if chunksize == starlark.None {
			chunksize = starlark.MakeInt(1)
		}
		if err := j.setChunksize(chunksize, p.size); err != nil {
			return nil, err
		}
		if progress {
			j.readAll() // the bar needs the total
		}
		it := &IMapIterator{pool: p, ordered: ordered, nchunks: -1, chunksize: j.chunksize, total: j.n,
			notify: make(chan struct{}, 1), arrived: map[int]imapChunk{}, job: j}
		if w, ok := p.eng.(builtins.WindowedEngine); ok {
			it.window = w.Window()
		}
		if progress && j.n > 0 {
			it.bar = pool.NewProgress(p.rt.Stderr(), j.n, stderrTerminal(p.rt), b.Name())
		}
		if err := it.feed(); err != nil {
			return nil, err
		}
		return it, nil
	}
}

// feed submits chunks while the window has room. It returns the error
// of a chunk that could not be sent; that ends the feeding.
func (it *IMapIterator) feed() error {
	for it.job != nil && (it.window == 0 || it.fed-it.consumed < it.window) {
		sent, err := it.pool.submitChunk(it.job, it, it.fed)
		if err != nil {
			it.job = nil
			return err
		}
		if !sent {
			it.nchunks, it.job = it.fed, nil
			return nil
		}
		it.fed++
	}
	return nil
}

// feedMore feeds the pool as results are taken; a chunk that cannot be
// sent fails in place, as the last one.
func (it *IMapIterator) feedMore() {
	if err := it.feed(); err != nil {
		it.fed++
		it.nchunks = it.fed
		it.chunkDone(it.fed-1, nil, err)
	}
}

// slots gives each chunk its own results (chunkSink).
func (it *IMapIterator) slots(_, n int) []starlark.Value { return make([]starlark.Value, n) }

// chunkDone files chunk i's outcome (chunkSink).
func (it *IMapIterator) chunkDone(i int, items []starlark.Value, err error) {
	c := imapChunk{index: i, items: items, err: err}
	it.mu.Lock()
	if it.ordered {
		it.arrived[i] = c
	} else {
		it.queue = append(it.queue, c)
	}
	it.mu.Unlock()
	select {
	case it.notify <- struct{}{}:
	default:
	}
}

// take returns the next result, waiting at most d (d < 0: no limit), or
// the error of a failed task and the index of its first item (-1 for an
// error of the wait itself). done is true at the end; timedOut when d
// passed first.
func (it *IMapIterator) take(d time.Duration) (v starlark.Value, err error, task int, done, timedOut bool) {
	var deadline time.Time
	if d >= 0 {
		deadline = time.Now().Add(d)
	}
	for {
		it.feedMore()
		if c := it.cur; c != nil {
			switch {
			case c.err != nil:
				it.finishChunk()
				task = c.index * it.chunksize
				if it.bar != nil {
					it.bar.Note(fmt.Sprintf("task %d failed: %s", task, builtins.ErrorFromGo(c.err)), it.yielded)
				}
				return nil, c.err, task, false, false
			case it.pos < len(c.items):
				v = c.items[it.pos]
				it.pos++
				it.yielded++
				if it.bar != nil {
					it.bar.Update(it.yielded)
				}
				return v, nil, 0, false, false
			}
			it.finishChunk()
			continue
		}
		if it.consumed == it.nchunks {
			if it.bar != nil {
				it.bar.Finish(it.yielded)
				it.bar = nil
			}
			return nil, nil, 0, true, false
		}
		if it.pop() {
			continue
		}
		ok, err := it.await(deadline, d >= 0)
		if err != nil {
			return nil, it.pool.interrupted(err), -1, false, false
		}
		if !ok {
			return nil, nil, -1, false, true
		}
	}
}

func (it *IMapIterator) finishChunk() {
	it.cur, it.pos = nil, 0
	it.consumed++
}

// pop makes the next arrived chunk current, if there is one.
func (it *IMapIterator) pop() bool {
	it.mu.Lock()
	defer it.mu.Unlock()
	if it.ordered {
		c, ok := it.arrived[it.next]
		if !ok {
			return false
		}
		delete(it.arrived, it.next)
		it.next++
		it.cur = &c
		return true
	}
	if len(it.queue) == 0 {
		return false
	}
	c := it.queue[0]
	it.queue = it.queue[1:]
	it.cur = &c
	return true
}

// await waits for another chunk until deadline (if bounded); err is the
// stop that ended the wait (see block.go).
func (it *IMapIterator) await(deadline time.Time, bounded bool) (bool, error) {
	if !bounded {
		return stop.Wait(it.notify, -1)
	}
	return stop.Wait(it.notify, max(time.Until(deadline), 0))
}

// Type implements starlark.Value.
func (it *IMapIterator) Type() string {
	if it.ordered {
		return "multiprocessing.pool.IMapIterator"
	}
	return "multiprocessing.pool.IMapUnorderedIterator"
}

// Hash hashes by identity.
func (it *IMapIterator) Hash() (uint32, error) { return value.IdentityHash(it), nil }

// String is CPython's repr.
func (it *IMapIterator) String() string { return "<" + it.Type() + " object>" }

var imapMethods = value.NewMethods(func() map[string]*starlark.Builtin {
	return map[string]*starlark.Builtin{
		"next": starlark.NewBuiltin("next", imapNext),
	}
})

// Attr implements starlark.HasAttrs.
func (it *IMapIterator) Attr(name string) (starlark.Value, error) {
	return value.Attr(imapMethods, it, name)
}

// AttrNames implements starlark.HasAttrs.
func (it *IMapIterator) AttrNames() []string { return value.AttrNames(imapMethods) }

// def next(timeout=None): the next result; StopIteration at the end,
// TimeoutError when none comes in time, a task's error for a failed one.
func imapNext(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	d, err := value.TimeoutArgs(b, args, kwargs, -1)
	if err != nil {
		return nil, err
	}
	it := b.Receiver().(*IMapIterator)
	if err := it.pool.rt.RunDeferred(thread); err != nil {
		return nil, err
	}
	v, err, _, done, timedOut := it.take(d)
	switch {
	case timedOut:
		return nil, exceptions.TimeoutError.New("")
	case done:
		return nil, exceptions.StopIteration.New("")
	}
	return v, err
}

// Iterate implements starlark.Iterable: for loops wait for each result.
func (it *IMapIterator) Iterate() starlark.Iterator { return imapIter{it} }

type imapIter struct{ it *IMapIterator }

// Next yields the next result, or a failed task's error value, which
// says which task it was.
func (i imapIter) Next(p *starlark.Value) bool {
	v, err, task, done, _ := i.it.take(-1)
	if done {
		return false
	}
	if err != nil {
		ev := builtins.ErrorFromGo(err)
		if task >= 0 {
			ev.SetTask(task)
		}
		v = ev
	}
	*p = v
	return true
}

// Done implements starlark.Iterator.
func (i imapIter) Done() {}
