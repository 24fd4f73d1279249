package builtins

// multiprocessing.Queue, JoinableQueue and SimpleQueue (CPython:
// queues.py), over the shared-memory rings of mpcore/queue. Items are codec
// payloads, encoded at put() so later changes to the object don't leak
// into the queue.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/value"
	"github.com/mpstar/mpstar/mpcore/queue"
	"github.com/mpstar/mpstar/mpcore/stop"
)

// Queue is one of multiprocessing's three queue types; which engine field
// is set says which.
type Queue struct {
	value.Object
	kind     queue.Kind
	q        *queue.Queue // Queue, and JoinableQueue's base
	joinable *queue.JoinableQueue
	simple   *queue.SimpleQueue
	joined   atomic.Bool // the first put made q's feeder the run's (queue.Run)
}

var _ Shareable = (*Queue)(nil)

// def Queue(maxsize=0) / def JoinableQueue(maxsize=0) / def SimpleQueue()
func newQueueBuiltin(kind queue.Kind) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		maxsize := 0
		if kind == queue.KindSimpleQueue {
			if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
				return nil, err
			}
		} else if err := starlark.UnpackArgs(b.Name(), args, kwargs, "maxsize?", &maxsize); err != nil {
			return nil, err
		}
		q := &Queue{kind: kind}
		var err error
		switch kind {
		case queue.KindQueue:
			q.q, err = queue.NewQueue(queue.Options{MaxSize: maxsize})
		case queue.KindJoinableQueue:
			q.joinable, err = queue.NewJoinableQueue(queue.Options{MaxSize: maxsize})
		default:
			q.simple, err = queue.NewSimpleQueue(0)
		}
		if err != nil {
			return nil, exceptions.OSError.Errorf("cannot create a %s: %v", q.className(), err)
		}
		q.finish()
		return q, nil
	}
}

// finish sets the fields derived from the engine object and its repr.
func (q *Queue) finish() {
	if q.joinable != nil {
		q.q = q.joinable.Queue
	}
	if q.q != nil {
		q.q.SetRepr(q.String())
	}
}

func (q *Queue) className() string {
	switch q.kind {
	case queue.KindJoinableQueue:
		return "JoinableQueue"
	case queue.KindSimpleQueue:
		return "SimpleQueue"
	}
	return "Queue"
}

// Type implements starlark.Value.
func (q *Queue) Type() string { return "multiprocessing." + q.className() }

// Hash hashes by identity.
func (q *Queue) Hash() (uint32, error) { return value.IdentityHash(q), nil }

// String is CPython's repr.
func (q *Queue) String() string {
	return fmt.Sprintf("<multiprocessing.queues.%s object at %p>", q.className(), q)
}

var queueMethods = value.NewMethods(func() map[string]*starlark.Builtin {
	return map[string]*starlark.Builtin{
		"put":                starlark.NewBuiltin("put", Blocking(queuePut)),
		"get":                starlark.NewBuiltin("get", Blocking(queueGet)),
		"put_nowait":         starlark.NewBuiltin("put_nowait", queuePutNowait),
		"get_nowait":         starlark.NewBuiltin("get_nowait", queueGetNowait),
		"qsize":              starlark.NewBuiltin("qsize", queueQsize),
		"empty":              starlark.NewBuiltin("empty", queueEmpty),
		"full":               starlark.NewBuiltin("full", queueFull),
		"close":              starlark.NewBuiltin("close", queueClose),
		"join_thread":        starlark.NewBuiltin("join_thread", queueJoinThread),
		"cancel_join_thread": starlark.NewBuiltin("cancel_join_thread", queueCancelJoinThread),
		"task_done":          starlark.NewBuiltin("task_done", queueTaskDone),
		"join":               starlark.NewBuiltin("join", Blocking(queueJoin)),
	}
})

// simpleMethods are SimpleQueue's: CPython's has no more.
var simpleMethods = map[string]bool{"put": true, "get": true, "empty": true, "close": true}

// Attr implements starlark.HasAttrs.
func (q *Queue) Attr(name string) (starlark.Value, error) {
	switch {
	case q.kind == queue.KindSimpleQueue && !simpleMethods[name]:
		return nil, nil
	case q.kind == queue.KindQueue && (name == "task_done" || name == "join"):
		return nil, nil
	}
	return value.Attr(queueMethods, q, name)
}

// AttrNames implements starlark.HasAttrs.
func (q *Queue) AttrNames() []string {
	var names []string
	for _, n := range value.AttrNames(queueMethods) {
		if v, _ := q.Attr(n); v != nil {
			names = append(names, n)
		}
	}
	return names
}

// ShareKind implements Shareable.
func (q *Queue) ShareKind() string { return "queue" }

func (q *Queue) handle() queue.Handle {
	if q.simple != nil {
		return q.simple.Handle()
	}
	return q.q.Handle()
}

// Share carries the queue's arena to a child (kind, arena id, descriptor).
func (q *Queue) Share(sc *ShareContext) ([]byte, error) {
	if sc == nil || sc.FDs == nil {
		return nil, exceptions.RuntimeError.New("Queue objects should only be shared between processes through inheritance")
	}
	h := q.handle()
	p := []byte{byte(q.kind)}
	p = binary.BigEndian.AppendUint64(p, h.ArenaID)
	return binary.BigEndian.AppendUint32(p, uint32(sc.FDs.Add(h.FD))), nil
}

func decodeQueue(uc *UnshareContext, p []byte) (starlark.Value, error) {
	if len(p) != 13 {
		return nil, exceptions.OSError.New("bad queue handle")
	}
	idx := int(binary.BigEndian.Uint32(p[9:]))
	if idx >= len(uc.FDs) {
		return nil, exceptions.OSError.Errorf("bad queue handle: descriptor %d of %d", idx, len(uc.FDs))
	}
	h := queue.Handle{Kind: queue.Kind(p[0]), ArenaID: binary.BigEndian.Uint64(p[1:]), FD: uc.FDs[idx]}
	q := &Queue{kind: h.Kind}
	var err error
	switch h.Kind {
	case queue.KindQueue:
		q.q, err = queue.AttachQueue(h)
	case queue.KindJoinableQueue:
		q.joinable, err = queue.AttachJoinableQueue(h)
	case queue.KindSimpleQueue:
		q.simple, err = queue.AttachSimpleQueue(h)
	default:
		err = fmt.Errorf("unknown queue kind %d", h.Kind)
	}
	if err != nil {
		return nil, exceptions.OSError.Errorf("cannot attach a queue: %v", err)
	}
	q.finish()
	return q, nil
}

// queueErr converts an engine error into the Python exception.
func queueErr(err error) error {
	if err == nil {
		return nil
	}
	if cause := stop.Stopped(); cause != nil {
		return cause // a get or put the stop ended (see block.go)
	}
	var qe *queue.Error
	if errors.As(err, &qe) {
		return exceptions.Named(qe.Kind).New(qe.Msg)
	}
	return err
}

// The queue constructors: Queue(maxsize=0), JoinableQueue(maxsize=0) and
// SimpleQueue().
var (
	NewQueue         = newQueueBuiltin(queue.KindQueue)
	NewJoinableQueue = newQueueBuiltin(queue.KindJoinableQueue)
	NewSimpleQueue   = newQueueBuiltin(queue.KindSimpleQueue)
)

func receiverQueue(b *starlark.Builtin) *Queue { return b.Receiver().(*Queue) }

// encodeItem encodes obj for a queue. The queue keeps the buffer.
func encodeItem(thread *starlark.Thread, b *starlark.Builtin, obj starlark.Value) ([]byte, error) {
	item, err := RuntimeOf(thread).Encoder(nil).Append(nil, "obj", obj)
	if err != nil {
		return nil, encodeErr(b, err)
	}
	return item, nil
}

// encodeErr reports an unsendable value with its path, keeping the type
// of an error a runtime object chose (CPython's RuntimeError for objects
// shared only through inheritance).
func encodeErr(b *starlark.Builtin, err error) error { return EncodeFailure(b.Name(), "", err) }

// EncodeFailure is encodeErr for the method or function name: an error of
// a runtime object keeps its type; any other failure is a TypeError whose
// message starts with name and what.
func EncodeFailure(name, what string, err error) error {
	if typ := exceptions.TypeOf(err); typ != nil {
		return typ.New(name + ": " + err.Error())
	}
	return exceptions.TypeError.Errorf("%s: %s%v", name, what, err)
}

// decodeItem decodes a queue item in this process.
func decodeItem(thread *starlark.Thread, item []byte) (starlark.Value, error) {
	v, err := Decode(item, RuntimeOf(thread).DecodeContext(thread, nil))
	return v, ConnErr(err)
}

// def put(obj, block=True, timeout=None)
func queuePut(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) == 1 && len(kwargs) == 0 {
		return receiverQueue(b).put(thread, b, args[0], true, -1)
	}
	return queuePutArgs(thread, b, args, kwargs)
}

// queuePutArgs is put with arguments beyond obj. It is a function of its
// own because obj, filled by UnpackArgs, lives on the heap: put(obj), the
// call in every producer's loop, allocates nothing.
func queuePutArgs(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var obj starlark.Value
	block, d, err := value.BlockArgs(b.Name(), args, kwargs, "obj", &obj)
	if err != nil {
		return nil, err
	}
	return receiverQueue(b).put(thread, b, obj, block, d)
}

func (q *Queue) put(thread *starlark.Thread, b *starlark.Builtin, obj starlark.Value, block bool, d time.Duration) (starlark.Value, error) {
	item, err := encodeItem(thread, b, obj)
	if err != nil {
		return nil, err
	}
	if q.simple != nil {
		return starlark.None, queueErr(q.simple.Put(item))
	}
	if q.joined.CompareAndSwap(false, true) {
		if rt := RuntimeOf(thread); rt != nil {
			q.q.SetRun(&rt.queues)
		}
	}
	return starlark.None, queueErr(q.q.Put(item, block, d))
}

// def get(block=True, timeout=None)
func queueGet(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	block, d, err := value.BlockArgs(b.Name(), args, kwargs)
	if err != nil {
		return nil, err
	}
	return receiverQueue(b).get(thread, block, d)
}

func (q *Queue) get(thread *starlark.Thread, block bool, d time.Duration) (starlark.Value, error) {
	var item []byte
	var err error
	if q.simple != nil {
		item, err = q.simple.Get(block, d)
	} else {
		item, err = q.q.Get(block, d)
	}
	if err != nil {
		return nil, queueErr(err)
	}
	return decodeItem(thread, item)
}

// def put_nowait(obj)
func queuePutNowait(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var obj starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &obj); err != nil {
		return nil, err
	}
	return receiverQueue(b).put(thread, b, obj, false, 0)
}

// def get_nowait()
func queueGetNowait(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return receiverQueue(b).get(thread, false, 0)
}

func queueQsize(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return starlark.MakeInt(receiverQueue(b).q.Qsize()), nil
}

func queueEmpty(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	q := receiverQueue(b)
	if q.simple != nil {
		return starlark.Bool(q.simple.Empty()), nil
	}
	return starlark.Bool(q.q.Empty()), nil
}

func queueFull(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return starlark.Bool(receiverQueue(b).q.Full()), nil
}

func queueClose(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	q := receiverQueue(b)
	if q.simple != nil {
		q.simple.Close()
	} else {
		q.q.Close()
	}
	return starlark.None, nil
}

func queueJoinThread(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return starlark.None, queueErr(receiverQueue(b).q.JoinThread())
}

func queueCancelJoinThread(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	receiverQueue(b).q.CancelJoinThread()
	return starlark.None, nil
}

func queueTaskDone(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return starlark.None, queueErr(receiverQueue(b).joinable.TaskDone())
}

// def join(): blocks until every item put has been task_done'd.
func queueJoin(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	ok := receiverQueue(b).joinable.Join(-1)
	return starlark.None, blocked(ok, nil)
}
