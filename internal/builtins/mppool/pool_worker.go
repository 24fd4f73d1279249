package mppool

// The worker side of multiprocessing.Pool (CPython: pool.py's worker()
// and mapstar/starmapstar): the _worker builtin a pool's processes run,
// and the task and reply messages it shares with the parent.
//
// A task message, after the engine's header (mpcore/pool), is one kind
// byte and codec payloads, each a part as AppendEncoded makes it:
//
//	'a' apply     func, args tuple, kwargs dict      -> one value
//	'm' map       func, tuple of items               -> tuple of results
//	's' starmap   func, tuple of argument sequences  -> tuple of results
//	'r' range     func, (start, step, count)         -> tuple of results
//
// 'r' is map over a slice of a range: the worker makes the items itself,
// so map(f, range(n)) sends no items at all. A reply is one status byte,
// 'v' and the value or 'e' and the error value; a chunk fails as a whole
// at its first failing item, as CPython's mapstar does. A map chunk's
// results come as lists (msgpack arrays), every partItems of them in a
// part of the reply ahead of the rest, which the parent decodes straight
// into the result list.

import (
	"encoding/binary"
	"fmt"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins"
	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/value"
	"github.com/mpstar/mpstar/mpcore/pool"
)

// Task kinds and reply statuses.
const (
	taskApply   byte = 'a'
	taskMap     byte = 'm'
	taskStarmap byte = 's'
	taskRange   byte = 'r'
	replyValue  byte = 'v'
	replyError  byte = 'e'
)

// Worker is the target of every pool process; it crosses to the child by
// its predeclared name, multiprocessing.pool._worker.
var Worker = starlark.NewBuiltin("multiprocessing.pool._worker", poolWorkerMain)

// ShareKinds are the decoders of this package's Shareable values, by kind
// (modules.ShareKinds merges them into a run's table): a pool's setup,
// which reaches each worker as its first argument.
var ShareKinds = map[string]builtins.ShareDecoder{"pool_setup": decodePoolSetup}

// decodeParts decodes the n parts of a task (AppendEncoded's payloads).
func decodeParts(data []byte, n int, dc *builtins.DecodeContext) ([]starlark.Value, error) {
	raw, err := builtins.SplitParts(data)
	if err != nil || len(raw) != n {
		return nil, fmt.Errorf("malformed pool task")
	}
	parts := make([]starlark.Value, n)
	for i, p := range raw {
		if parts[i], err = builtins.Decode(p, dc); err != nil {
			return nil, err
		}
	}
	return parts, nil
}

// poolSetup carries what every worker of a pool needs (initializer,
// initargs, maxtasksperchild), encoded once when the pool is made: workers
// started later, from the pool's goroutines, then never touch the
// script's values. It holds duplicates of the descriptors the encoding
// refers to (a Lock in initargs), so they stay valid for the pool's life.
type poolSetup struct {
	value.Object
	payload []byte
	fds     []int // in the encoding's descriptor order
}

var _ builtins.Shareable = (*poolSetup)(nil)

// Type implements starlark.Value.
func (s *poolSetup) Type() string { return "multiprocessing.pool._setup" }

// String implements starlark.Value.
func (s *poolSetup) String() string { return "<multiprocessing.pool._setup>" }

// Hash implements starlark.Value.
func (s *poolSetup) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable: %s", s.Type()) }

// ShareKind implements Shareable.
func (s *poolSetup) ShareKind() string { return "pool_setup" }

// Share carries the payload and its descriptors, remapped to the indices
// they get in the message being encoded.
func (s *poolSetup) Share(sc *builtins.ShareContext) ([]byte, error) {
	if len(s.fds) > 0 && (sc == nil || sc.FDs == nil) {
		return nil, exceptions.RuntimeError.New("a pool's initargs can only reach its workers when they start")
	}
	out := binary.AppendUvarint(nil, uint64(len(s.fds)))
	for _, fd := range s.fds {
		out = binary.AppendUvarint(out, uint64(sc.FDs.Add(fd)))
	}
	return append(out, s.payload...), nil
}

func decodePoolSetup(uc *builtins.UnshareContext, p []byte) (starlark.Value, error) {
	n, k := binary.Uvarint(p)
	if k <= 0 || n > uint64(len(p)) {
		return nil, exceptions.OSError.New("bad pool setup handle")
	}
	p = p[k:]
	s := &poolSetup{fds: make([]int, n)}
	for i := range s.fds {
		idx, k := binary.Uvarint(p)
		if k <= 0 || idx >= uint64(len(uc.FDs)) {
			return nil, exceptions.OSError.Errorf("bad pool setup handle: descriptor %d of %d", idx, len(uc.FDs))
		}
		s.fds[i], p = uc.FDs[idx], p[k:]
	}
	s.payload = p
	return s, nil
}

// def _worker(setup, conn): a pool process's target. It runs the
// initializer, then serves tasks until the pool stops it.
func poolWorkerMain(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var setup *poolSetup
	var c *builtins.Connection
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 2, &setup, &c); err != nil {
		return nil, err
	}
	rt := builtins.RuntimeOf(thread)
	v, err := builtins.Decode(setup.payload, rt.DecodeContext(thread, setup.fds))
	if err != nil {
		return nil, err
	}
	parts, ok := v.(starlark.Tuple)
	if !ok || len(parts) != 3 {
		return nil, fmt.Errorf("%s: bad pool setup", b.Name())
	}
	initializer, initargs, maxArg := parts[0], parts[1].(starlark.Tuple), parts[2]
	if initializer != starlark.None {
		if _, err := starlark.Call(thread, initializer, initargs, nil); err != nil {
			// The traceback goes out before the pool hears of the failure
			// (and stops the other workers), as CPython's worker prints it.
			rt.WriteStderr(fmt.Sprintf("Process %s:\n%s", rt.Self().Name(), builtins.FormatUncaught(err)))
			pool.ReportInitFailure(c.Conn(), builtins.AppendErrorValue(rt.Encoder(nil), nil, builtins.ErrorFromGo(err)))
			return nil, &exceptions.ExitError{Code: 1}
		}
	}
	maxTasks, _ := starlark.AsInt32(maxArg)
	w := &taskRunner{thread: thread, dc: rt.DecodeContext(thread, nil), enc: rt.Encoder(nil)}
	return starlark.None, pool.Serve(c.Conn(), maxTasks, w.run)
}

// partItems is how many results of a map chunk go in one part of its
// reply: the parent decodes each part while the worker computes the next.
// A part of small results (about 9 bytes each) stays under the connection's
// bulk threshold, so it travels on the pipe, whose 1 MiB buffer lets the
// worker run tens of parts ahead of a parent that is busy decoding; a part
// larger than a socket buffer would stop the worker at every part until the
// parent read it.
const partItems = 4096

// taskRunner runs a worker's tasks on its thread.
type taskRunner struct {
	thread *starlark.Thread
	dc     *builtins.DecodeContext
	enc    *builtins.Encoder
	parts  *pool.PartSender // of the task in hand
	block  []starlark.Value // results not yet sent, reused across tasks
}

// run runs one task and appends its reply. Only sys.exit ends the worker
// (as SystemExit does in CPython's worker); the pool reports the task lost.
func (w *taskRunner) run(dst, task []byte, parts *pool.PartSender) ([]byte, error) {
	w.parts = parts
	v, err := w.runTask(task)
	if err != nil {
		if !builtins.IsCatchable(err) {
			return nil, err
		}
		return builtins.AppendErrorValue(w.enc, append(dst, replyError), builtins.ErrorFromGo(err)), nil
	}
	mark := len(dst)
	out, err := w.enc.Append(append(dst, replyValue), "result", v)
	if err != nil {
		return builtins.AppendErrorValue(w.enc, append(dst[:mark], replyError), builtins.ErrorFromGo(encodingErr(v, err))), nil
	}
	return out, nil
}

// encodingErr is CPython's MaybeEncodingError for a result that cannot
// be sent.
func encodingErr(v starlark.Value, err error) error {
	return exceptions.MaybeEncodingError.Errorf("Error sending result: '%s'. Reason: '%v'", shortRepr(v), err)
}

// runTask decodes and runs a task, returning its result.
func (w *taskRunner) runTask(task []byte) (starlark.Value, error) {
	if len(task) == 0 {
		return nil, fmt.Errorf("empty pool task")
	}
	kind := task[0]
	n := 2
	if kind == taskApply {
		n = 3
	}
	parts, err := decodeParts(task[1:], n, w.dc)
	if err != nil {
		return nil, err
	}
	fn := parts[0]
	switch kind {
	case taskApply:
		kw, _ := parts[2].(*starlark.Dict)
		var kwargs []starlark.Tuple
		if kw != nil {
			kwargs = kw.Items()
		}
		return starlark.Call(w.thread, fn, parts[1].(starlark.Tuple), kwargs)
	case taskMap, taskStarmap:
		items, _ := parts[1].(starlark.Tuple)
		return w.mapItems(fn, len(items), func(i int) starlark.Value { return items[i] }, kind == taskStarmap)
	case taskRange:
		r, _ := parts[1].(starlark.Tuple)
		var start, step, count int
		if len(r) != 3 || starlark.AsInt(r[0], &start) != nil || starlark.AsInt(r[1], &step) != nil || starlark.AsInt(r[2], &count) != nil {
			return nil, fmt.Errorf("bad range task")
		}
		return w.mapItems(fn, count, func(i int) starlark.Value { return starlark.MakeInt(start + i*step) }, false)
	}
	return nil, fmt.Errorf("unknown pool task kind %q", kind)
}

// mapItems calls fn on each of n items, stopping at the first failure.
// Every partItems results go to the parent as a part of the reply; the
// rest are returned, for the reply itself. It is the worker's hot loop:
// for a Starlark function, which copies its arguments, one argument tuple
// serves every call.
func (w *taskRunner) mapItems(fn starlark.Value, n int, item func(int) starlark.Value, star bool) (starlark.Value, error) {
	_, reuse := fn.(*starlark.Function)
	var one [1]starlark.Value
	block := w.block[:0]
	for i := 0; i < n; i++ {
		var args starlark.Tuple
		switch x := item(i); {
		case star:
			var err error
			if args, err = starArgs(fn, x); err != nil {
				return nil, err
			}
		case reuse:
			one[0] = x
			args = one[:]
		default:
			args = starlark.Tuple{x}
		}
		r, err := starlark.Call(w.thread, fn, args, nil)
		if err != nil {
			return nil, err
		}
		if block = append(block, r); len(block) == partItems && i+1 < n {
			if err := w.sendPart(block); err != nil {
				return nil, err
			}
			block = block[:0]
		}
	}
	w.block = block[:0]
	return starlark.NewList(block), nil
}

// sendPart sends results ahead as a part of the reply.
func (w *taskRunner) sendPart(results []starlark.Value) error {
	list := starlark.NewList(results)
	msg, err := w.enc.Append(append(w.parts.Begin(), replyValue), "result", list)
	if err != nil {
		return encodingErr(list, err)
	}
	return w.parts.Send(msg)
}

// starArgs turns one starmap item into the arguments of a call.
func starArgs(fn, x starlark.Value) (starlark.Tuple, error) {
	if t, ok := x.(starlark.Tuple); ok {
		return t, nil
	}
	it, ok := x.(starlark.Iterable)
	if !ok {
		return nil, exceptions.TypeError.Errorf("%s() argument after * must be an iterable, not %s", funcName(fn), x.Type())
	}
	var args starlark.Tuple
	iter := it.Iterate()
	defer iter.Done()
	var v starlark.Value
	for iter.Next(&v) {
		args = append(args, v)
	}
	return args, nil
}

// funcName is the name a task's function shows in messages.
func funcName(fn starlark.Value) string {
	if c, ok := fn.(starlark.Callable); ok {
		return c.Name()
	}
	return fn.Type()
}

// shortRepr is repr(v), cut to a length fit for a message.
func shortRepr(v starlark.Value) string {
	s := v.String()
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}
