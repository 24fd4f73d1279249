package managers

// The server side of managers (CPython: managers.py Server.serve_client,
// Server.create, and BaseManager._run_server): the Handler that
// mpcore/manager calls for each request, running it on the referent, a
// Starlark value of this process.
//
// Starlark values are not safe for concurrent mutation, so calls into
// plain values (dicts, lists, namespaces, the structs of closures of
// custom typeids) and calls of registered callables hold one server-wide
// mutex. The synchronisation referents (manager_sync.go) and runtime
// objects (a multiprocessing.Queue served remotely) are safe for
// concurrent use and are called without it, so a client blocked in
// acquire or get stalls no other client.

import (
	"fmt"
	"strings"
	"sync"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/mpstar/mpstar/internal/builtins"
	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/mppool"
	"github.com/mpstar/mpstar/internal/builtins/pytypes"
	"github.com/mpstar/mpstar/internal/builtins/value"
	"github.com/mpstar/mpstar/mpcore/conn"
	"github.com/mpstar/mpstar/mpcore/manager"
	"github.com/mpstar/mpstar/mpcore/shm"
)

// serverType is a typeid as the server sees it.
type serverType struct {
	typeid         string
	ptype          *ProxyType
	exposed        []string        // register's exposed, or nil
	allowed        map[string]bool // the effective exposed names; nil: public names
	methodToTypeid map[string]string
	// make builds a referent; nil if the typeid has no callable here.
	make func(ms *managerServer, thread *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error)
}

// newServerType builds the server's view of a registry entry.
func newServerType(e *typeEntry) *serverType {
	t := &serverType{typeid: e.typeid, ptype: e.ptype, exposed: e.exposed, methodToTypeid: e.methodToTypeid}
	if e.sync != nil {
		t.make = e.sync.make
	} else if e.callable != nil && e.callable != starlark.None {
		callable := e.callable
		t.make = func(_ *managerServer, thread *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			return starlark.Call(thread, callable, args, kwargs)
		}
	}
	names := e.exposed
	if names == nil {
		names = e.ptype.exposed
	}
	if names != nil {
		t.allowed = make(map[string]bool, len(names))
		for _, n := range names {
			t.allowed[n] = true
		}
	}
	if t.methodToTypeid == nil {
		t.methodToTypeid = e.ptype.methodToTypeid
	}
	return t
}

// managerServer is a manager's server in this process.
type managerServer struct {
	rt      *builtins.Runtime
	types   map[string]*serverType
	authkey []byte
	srv     *manager.Server
	mu      sync.Mutex // serialises calls into plain Starlark values
}

// newManagerServer listens on address (zero: a fresh abstract AF_UNIX
// name, so that no socket file can outlive the server, reachable only by
// this user's processes).
func newManagerServer(rt *builtins.Runtime, entries []*typeEntry, address conn.Address, authkey []byte) (*managerServer, error) {
	ms := &managerServer{rt: rt, types: map[string]*serverType{}, authkey: authkey}
	for _, e := range entries {
		ms.types[e.typeid] = newServerType(e)
	}
	srv, err := rt.Managers().NewServer(address, authkey, ms)
	if err != nil {
		return nil, builtins.SocketErr(err)
	}
	ms.srv = srv
	return ms, nil
}

// referentOf returns the referent of a proxy of this server, or nil.
func (ms *managerServer) referentOf(v starlark.Value) starlark.Value {
	p := proxyOf(v)
	if p == nil || p.local != ms.srv {
		return nil
	}
	if obj, ok := ms.srv.Lookup(p.id); ok {
		return obj.Value.(starlark.Value)
	}
	return nil
}

// NewSession implements manager.Handler: each connection gets its own
// Starlark thread (its identity is an RLock's owner).
func (ms *managerServer) NewSession(peer *manager.Peer) manager.Session {
	thread := &starlark.Thread{Name: "manager-session"}
	ms.rt.Attach(thread)
	dc := withAuthkey(ms.rt.DecodeContext(thread, nil), ms.authkey)
	return &session{ms: ms, peer: peer, thread: thread, dc: dc, enc: ms.rt.Encoder(nil)}
}

// session serves one connection.
type session struct {
	ms     *managerServer
	peer   *manager.Peer
	thread *starlark.Thread
	dc     *builtins.DecodeContext
	enc    *builtins.Encoder
	held   map[holdable]*manager.Object // locks and slots the client holds
}

// Close implements manager.Session. A connection ends when its client
// goes; what that client still held, it will never release (it died, or
// exited without releasing), so the server does, as locks in shared
// memory are recovered from a dead process, with the same warning.
func (s *session) Close() {
	for h, obj := range s.held {
		h.abandon(s.thread, func() { s.ms.rt.WriteStderr(deadHolderWarning(obj, s.peer.PID())) })
	}
}

// deadHolderWarning reports a referent taken back from a client that went
// away: a process of this machine, or a remote one (pid 0).
func deadHolderWarning(obj *manager.Object, pid int) string {
	what := fmt.Sprintf("manager %s <%#x>", obj.Typeid, obj.ID)
	if pid == 0 {
		return "mpstar: warning: " + what + " recovered from a remote client that went away\n"
	}
	return shm.DeadOwnerWarning(what, pid)
}

// track notes whether the session holds h after a call on it.
func (s *session) track(h holdable, obj *manager.Object) {
	switch {
	case h.heldBy(s.thread):
		if s.held == nil {
			s.held = map[holdable]*manager.Object{}
		}
		s.held[h] = obj
	case s.held != nil:
		delete(s.held, h)
	}
}

// Call implements manager.Session: method of obj with the encoded args.
func (s *session) Call(obj *manager.Object, method string, args, dst []byte) []byte {
	ref := obj.Value.(starlark.Value)
	a, kw, err := s.decodeArgs(args)
	if err != nil {
		return s.errorReply(dst, err)
	}
	typ := s.ms.types[obj.Typeid]
	if err := checkExposed(typ, ref, method); err != nil {
		return s.errorReply(dst, remoteFailure(err))
	}
	if async, ok := poolBlocking[method]; ok && isPool(ref) {
		res, err := s.waitPool(ref, async, a, kw)
		return s.reply(dst, typ, method, res, err)
	}
	if !isManagerSafe(ref) {
		s.ms.mu.Lock()
		defer s.ms.mu.Unlock()
	}
	res, err := invoke(s.thread, ref, method, a, kw)
	if h, ok := ref.(holdable); ok {
		s.track(h, obj)
	}
	return s.reply(dst, typ, method, res, err)
}

// reply appends the reply for a call's outcome: the value, a new proxy
// (method_to_typeid), or the error.
func (s *session) reply(dst []byte, typ *serverType, method string, res starlark.Value, err error) []byte {
	if err != nil {
		return s.errorReply(dst, err)
	}
	if typ != nil {
		if typeid := typ.methodToTypeid[method]; typeid != "" {
			return s.proxyReply(dst, res, typeid)
		}
	}
	out, err := s.enc.Append(manager.AppendReplyHeader(dst, manager.KindReturn), "result", res)
	if err != nil {
		return s.errorReply(dst, builtins.EncodeFailure(method, "", err))
	}
	return out
}

// Create implements manager.Session: a new referent of typeid.
func (s *session) Create(typeid string, args, dst []byte) []byte {
	typ := s.ms.types[typeid]
	if typ == nil {
		return s.errorReply(dst, exceptions.KeyError.WithArgs(fmt.Sprintf("%q", typeid), starlark.Tuple{starlark.String(typeid)}))
	}
	if typ.make == nil {
		return s.errorReply(dst, exceptions.AssertionError.Errorf("no callable registered for typeid %q in the manager's server", typeid))
	}
	a, kw, err := s.decodeArgs(args)
	if err != nil {
		return s.errorReply(dst, err)
	}
	s.ms.mu.Lock()
	v, err := typ.make(s.ms, s.thread, a, kw)
	s.ms.mu.Unlock()
	if err != nil {
		return s.errorReply(dst, err)
	}
	return s.proxyReply(dst, v, typeid)
}

// proxyReply registers v as a referent of typeid held by the client and
// replies KindProxy, with the exposed names an AutoProxy needs.
func (s *session) proxyReply(dst []byte, v starlark.Value, typeid string) []byte {
	ptype, exposed := proxyTypes["AutoProxy"], []string(nil)
	if typ := s.ms.types[typeid]; typ != nil {
		ptype, exposed = typ.ptype, typ.exposed
	}
	if exposed == nil && ptype.exposed == nil {
		exposed = publicMethods(v)
	}
	id := s.peer.Register(v, typeid)
	return manager.AppendProxyReply(dst, id, typeid, appendProxyExtra(nil, ptype, exposed))
}

// errorReply replies KindError with the exception err.
func (s *session) errorReply(dst []byte, err error) []byte {
	return builtins.AppendErrorValue(s.enc, manager.AppendReplyHeader(dst, manager.KindError), builtins.ErrorFromGo(err))
}

// decodeArgs decodes (args, kwargs-or-None).
func (s *session) decodeArgs(payload []byte) (starlark.Tuple, []starlark.Tuple, error) {
	v, err := builtins.DecodeWrapped(payload, s.dc, callWrappers)
	if err != nil {
		return nil, nil, builtins.ConnErr(err)
	}
	t, ok := v.(starlark.Tuple)
	if !ok || len(t) != 2 {
		return nil, nil, exceptions.TypeError.New("malformed call arguments")
	}
	args, _ := t[0].(starlark.Tuple)
	var kwargs []starlark.Tuple
	if d, ok := t[1].(*starlark.Dict); ok {
		kwargs = d.Items()
	}
	return args, kwargs, nil
}

// isManagerSafe reports whether calls into v need no server-wide lock:
// the manager's synchronisation objects, runtime objects and proxies, and
// a Pool's results (safe for concurrent waits).
func isManagerSafe(v starlark.Value) bool {
	switch v.(type) {
	case managerSafe, builtins.Shareable, *mppool.AsyncResult, *mppool.IMapIterator:
		return true
	}
	return false
}

// poolBlocking are the Pool methods that wait for their tasks, and their
// asynchronous forms. The server submits with its lock held, as for every
// Pool call, but waits without it: a task may use this very manager.
var poolBlocking = map[string]string{"apply": "apply_async", "map": "map_async", "starmap": "starmap_async"}

func isPool(v starlark.Value) bool {
	_, ok := v.(*mppool.Pool)
	return ok
}

// waitPool runs a blocking Pool method as its asynchronous form and a get.
func (s *session) waitPool(pool starlark.Value, async string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s.ms.mu.Lock()
	r, err := invoke(s.thread, pool, async, args, kwargs)
	s.ms.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return invoke(s.thread, r, "get", nil, nil)
}

// fallbacks are answered for any referent (CPython's fallback_mapping).
var fallbacks = map[string]bool{"__str__": true, "__repr__": true, methodGetValue: true, methodIter: true, methodSlice: true}

// checkExposed refuses a method the typeid does not expose (CPython:
// "method 'x' of <type> object is not in exposed=(...)").
func checkExposed(typ *serverType, ref starlark.Value, method string) error {
	if fallbacks[method] {
		return nil
	}
	if typ == nil || typ.allowed == nil {
		if !strings.HasPrefix(method, "_") {
			return nil
		}
	} else if typ.allowed[method] {
		return nil
	}
	var exposed []string
	if typ != nil {
		exposed = typ.exposed
		if exposed == nil {
			exposed = typ.ptype.exposed
		}
	}
	if exposed == nil {
		exposed = publicMethods(ref)
	}
	return exceptions.AttributeError.Errorf("method '%s' of '%s' object is not in exposed=%s", method, ref.Type(), stringsTuple(exposed))
}

// remoteFailure is how CPython's server answers a request it refuses: with
// the failure's traceback, which the client raises as RemoteError, whose
// str() frames the text in dashes.
func remoteFailure(err error) *exceptions.Error {
	text := builtins.FormatUncaught(err)
	dashes := strings.Repeat("-", 75)
	return exceptions.RemoteError.WithArgs("\n"+dashes+"\n"+text+dashes, starlark.Tuple{starlark.String(text)})
}

// publicMethods lists the callable attributes of v not starting with "_"
// (CPython's public_methods).
func publicMethods(v starlark.Value) []string {
	h, ok := v.(starlark.HasAttrs)
	if !ok {
		return []string{}
	}
	names := []string{}
	for _, name := range h.AttrNames() {
		if strings.HasPrefix(name, "_") {
			continue
		}
		if x, err := h.Attr(name); err == nil {
			if _, ok := x.(starlark.Callable); ok {
				names = append(names, name)
			}
		}
	}
	return names
}

// invoke runs method on the referent x: Python's special methods mapped
// onto Starlark's operations, then getattr(x, method)(*args, **kwargs).
func invoke(thread *starlark.Thread, x starlark.Value, method string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if fn := specialMethods[method]; fn != nil {
		if len(kwargs) > 0 {
			return nil, exceptions.TypeError.Errorf("%s() takes no keyword arguments", method)
		}
		return fn(thread, x, args)
	}
	if l, ok := x.(*starlark.List); ok {
		if fn := listExtras[method]; fn != nil {
			return fn(thread, l, args, kwargs)
		}
	}
	if d, ok := x.(*starlark.Dict); ok && method == "copy" {
		if err := value.NoArgs(method, args, kwargs); err != nil {
			return nil, err
		}
		return starlark.Call(thread, starlark.Universe["dict"], starlark.Tuple{d}, nil)
	}
	attr, err := getattr(x, method)
	if err != nil && method == "__next__" { // a Pool's imap iterator calls it next
		attr, err = getattr(x, "next")
	}
	if err != nil {
		return nil, err
	}
	if _, ok := attr.(starlark.Callable); !ok {
		return nil, exceptions.TypeError.Errorf("'%s' object is not callable", attr.Type())
	}
	return starlark.Call(thread, attr, args, kwargs)
}

// getattr is Python's getattr(x, name), with its AttributeError.
func getattr(x starlark.Value, name string) (starlark.Value, error) {
	if h, ok := x.(starlark.HasAttrs); ok {
		v, err := h.Attr(name)
		if err != nil || v != nil {
			return v, err
		}
	}
	return nil, exceptions.AttributeError.Errorf("'%s' object has no attribute '%s'", x.Type(), name)
}

type specialMethod func(thread *starlark.Thread, x starlark.Value, args starlark.Tuple) (starlark.Value, error)

// specialMethods are Python's special methods (and the internal ones
// proxies use), on any referent that has the matching operation.
var specialMethods map[string]specialMethod

func init() {
	specialMethods = map[string]specialMethod{
		"__str__":          noArgMethod(func(x starlark.Value) (starlark.Value, error) { return strOf(x), nil }),
		"__repr__":         noArgMethod(func(x starlark.Value) (starlark.Value, error) { return reprOf(x), nil }),
		methodGetValue:     noArgMethod(func(x starlark.Value) (starlark.Value, error) { return x, nil }),
		methodIter:         noArgMethod(iterSnapshot),
		methodSlice:        sliceOf,
		"__len__":          noArgMethod(lenOf),
		"__reversed__":     noArgMethod(reversedOf),
		"__iter__":         noArgMethod(iterOf),
		"__getitem__":      getItem,
		"__setitem__":      setItem,
		"__delitem__":      delItem,
		"__contains__":     oneArgMethod(func(x, k starlark.Value) (starlark.Value, error) { return starlark.Binary(syntax.IN, k, x) }),
		"__add__":          oneArgMethod(func(x, y starlark.Value) (starlark.Value, error) { return starlark.Binary(syntax.PLUS, x, y) }),
		"__mul__":          oneArgMethod(func(x, n starlark.Value) (starlark.Value, error) { return starlark.Binary(syntax.STAR, x, n) }),
		"__rmul__":         oneArgMethod(func(x, n starlark.Value) (starlark.Value, error) { return starlark.Binary(syntax.STAR, n, x) }),
		"__iadd__":         inplaceAdd,
		"__imul__":         inplaceMul,
		"__getattribute__": getAttribute,
		"__setattr__":      setAttribute,
		"__delattr__":      delAttribute,
	}
}

// noArgMethod adapts a method of no arguments.
func noArgMethod(fn func(x starlark.Value) (starlark.Value, error)) specialMethod {
	return func(_ *starlark.Thread, x starlark.Value, args starlark.Tuple) (starlark.Value, error) {
		if len(args) != 0 {
			return nil, exceptions.TypeError.Errorf("expected 0 arguments, got %d", len(args))
		}
		return fn(x)
	}
}

// oneArgMethod adapts a method of one argument.
func oneArgMethod(fn func(x, y starlark.Value) (starlark.Value, error)) specialMethod {
	return func(_ *starlark.Thread, x starlark.Value, args starlark.Tuple) (starlark.Value, error) {
		if len(args) != 1 {
			return nil, exceptions.TypeError.Errorf("expected 1 argument, got %d", len(args))
		}
		return fn(x, args[0])
	}
}

// strOf is Python's str(x); reprOf its repr(x).
func strOf(x starlark.Value) starlark.Value {
	if s, ok := x.(starlark.String); ok {
		return s
	}
	return starlark.String(x.String())
}

func reprOf(x starlark.Value) starlark.Value {
	if r, ok := x.(pytypes.Reprer); ok {
		return starlark.String(r.Repr())
	}
	return starlark.String(x.String())
}

func lenOf(x starlark.Value) (starlark.Value, error) {
	n := starlark.Len(x)
	if n < 0 {
		return nil, exceptions.TypeError.Errorf("object of type '%s' has no len()", x.Type())
	}
	return starlark.MakeInt(n), nil
}

// iterSnapshot is what a proxy iterates over: a dict's keys, or the items.
func iterSnapshot(x starlark.Value) (starlark.Value, error) {
	if d, ok := x.(*starlark.Dict); ok {
		return starlark.NewList(d.Keys()), nil
	}
	it, ok := x.(starlark.Iterable)
	if !ok {
		return nil, exceptions.TypeError.Errorf("'%s' object is not iterable", x.Type())
	}
	return listOf(it), nil
}

func reversedOf(x starlark.Value) (starlark.Value, error) {
	items, err := iterSnapshot(x)
	if err != nil {
		return nil, err
	}
	l := items.(*starlark.List)
	n := l.Len()
	out := make([]starlark.Value, n)
	for i := range out {
		out[i] = l.Index(n - 1 - i)
	}
	return starlark.NewList(out), nil
}

// iterOf is __iter__: an iterator referent over a snapshot.
func iterOf(x starlark.Value) (starlark.Value, error) {
	items, err := iterSnapshot(x)
	if err != nil {
		return nil, err
	}
	l := items.(*starlark.List)
	it := &snapshotIterator{items: make([]starlark.Value, l.Len())}
	for i := range it.items {
		it.items[i] = l.Index(i)
	}
	return it, nil
}

// sliceOf is #SLICE(start, end, step), indices normalised by the client
// against a length that may have changed since: they are clamped again.
func sliceOf(_ *starlark.Thread, x starlark.Value, args starlark.Tuple) (starlark.Value, error) {
	s, ok := x.(starlark.Sliceable)
	if !ok {
		return nil, exceptions.TypeError.Errorf("'%s' object is not subscriptable", x.Type())
	}
	var start, end, step int
	if err := starlark.UnpackPositionalArgs("slice", args, nil, 3, &start, &end, &step); err != nil {
		return nil, err
	}
	if step == 0 {
		return nil, exceptions.ValueError.New("slice step cannot be zero")
	}
	n := s.Len()
	if step > 0 {
		start = min(max(start, 0), n)
		end = min(max(end, start), n)
	} else {
		start = min(max(start, -1), n-1)
		end = min(max(end, -1), start)
	}
	return s.Slice(start, end, step), nil
}

// index converts a sequence index, counting from the end if negative.
func index(x starlark.Indexable, k starlark.Value, what string) (int, error) {
	i, err := starlark.AsInt32(k)
	if err != nil {
		return 0, exceptions.TypeError.Errorf("%s indices must be integers or slices, not %s", x.Type(), k.Type())
	}
	n := x.Len()
	if i < 0 {
		i += n
	}
	if i < 0 || i >= n {
		return 0, exceptions.IndexError.Errorf("%s %s out of range", x.Type(), what)
	}
	return i, nil
}

func keyError(k starlark.Value) error {
	return exceptions.KeyError.WithArgs(k.String(), starlark.Tuple{k})
}

func getItem(_ *starlark.Thread, x starlark.Value, args starlark.Tuple) (starlark.Value, error) {
	if len(args) != 1 {
		return nil, exceptions.TypeError.Errorf("__getitem__ expected 1 argument, got %d", len(args))
	}
	switch x := x.(type) {
	case starlark.Mapping:
		v, found, err := x.Get(args[0])
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, keyError(args[0])
		}
		return v, nil
	case starlark.Indexable:
		i, err := index(x, args[0], "index")
		if err != nil {
			return nil, err
		}
		return x.Index(i), nil
	}
	return nil, exceptions.TypeError.Errorf("'%s' object is not subscriptable", x.Type())
}

func setItem(_ *starlark.Thread, x starlark.Value, args starlark.Tuple) (starlark.Value, error) {
	if len(args) != 2 {
		return nil, exceptions.TypeError.Errorf("__setitem__ expected 2 arguments, got %d", len(args))
	}
	switch x := x.(type) {
	case starlark.HasSetKey:
		return starlark.None, x.SetKey(args[0], args[1])
	case starlark.HasSetIndex:
		i, err := index(x, args[0], "assignment index")
		if err != nil {
			return nil, err
		}
		return starlark.None, x.SetIndex(i, args[1])
	}
	return nil, exceptions.TypeError.Errorf("'%s' object does not support item assignment", x.Type())
}

func delItem(thread *starlark.Thread, x starlark.Value, args starlark.Tuple) (starlark.Value, error) {
	if len(args) != 1 {
		return nil, exceptions.TypeError.Errorf("__delitem__ expected 1 argument, got %d", len(args))
	}
	switch x := x.(type) {
	case *starlark.Dict:
		_, found, err := x.Delete(args[0])
		if err == nil && !found {
			err = keyError(args[0])
		}
		return starlark.None, err
	case *starlark.List:
		i, err := index(x, args[0], "assignment index")
		if err != nil {
			return nil, err
		}
		pop, _ := x.Attr("pop")
		_, err = starlark.Call(thread, pop, starlark.Tuple{starlark.MakeInt(i)}, nil)
		return starlark.None, err
	}
	return nil, exceptions.TypeError.Errorf("'%s' object does not support item deletion", x.Type())
}

// inplaceAdd is list += y: extend in place. The proxy gives back itself.
func inplaceAdd(thread *starlark.Thread, x starlark.Value, args starlark.Tuple) (starlark.Value, error) {
	l, ok := x.(*starlark.List)
	if !ok || len(args) != 1 {
		return nil, exceptions.TypeError.Errorf("unsupported operand type(s) for +=: '%s'", x.Type())
	}
	extend, _ := l.Attr("extend")
	_, err := starlark.Call(thread, extend, args, nil)
	return starlark.None, err
}

// inplaceMul is list *= n.
func inplaceMul(_ *starlark.Thread, x starlark.Value, args starlark.Tuple) (starlark.Value, error) {
	l, ok := x.(*starlark.List)
	if !ok || len(args) != 1 {
		return nil, exceptions.TypeError.Errorf("unsupported operand type(s) for *=: '%s'", x.Type())
	}
	r, err := starlark.Binary(syntax.STAR, l, args[0])
	if err != nil {
		return nil, err
	}
	return starlark.None, replaceItems(l, r.(*starlark.List))
}

// replaceItems makes l hold the items of r.
func replaceItems(l, r *starlark.List) error {
	if err := l.Clear(); err != nil {
		return err
	}
	for i := 0; i < r.Len(); i++ {
		if err := l.Append(r.Index(i)); err != nil {
			return err
		}
	}
	return nil
}

func getAttribute(_ *starlark.Thread, x starlark.Value, args starlark.Tuple) (starlark.Value, error) {
	var name string
	if err := starlark.UnpackPositionalArgs("__getattribute__", args, nil, 1, &name); err != nil {
		return nil, err
	}
	return getattr(x, name)
}

func setAttribute(_ *starlark.Thread, x starlark.Value, args starlark.Tuple) (starlark.Value, error) {
	var name string
	var v starlark.Value
	if err := starlark.UnpackPositionalArgs("__setattr__", args, nil, 2, &name, &v); err != nil {
		return nil, err
	}
	h, ok := x.(starlark.HasSetField)
	if !ok {
		return nil, exceptions.AttributeError.Errorf("'%s' object has no attribute '%s'", x.Type(), name)
	}
	return starlark.None, h.SetField(name, v)
}

func delAttribute(_ *starlark.Thread, x starlark.Value, args starlark.Tuple) (starlark.Value, error) {
	var name string
	if err := starlark.UnpackPositionalArgs("__delattr__", args, nil, 1, &name); err != nil {
		return nil, err
	}
	ns, ok := x.(*Namespace)
	if !ok {
		return nil, exceptions.AttributeError.Errorf("'%s' object attribute '%s' cannot be deleted", x.Type(), name)
	}
	return starlark.None, ns.delAttr(name)
}

type listExtra func(thread *starlark.Thread, l *starlark.List, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error)

// listExtras are the methods of Python's list that Starlark's lacks.
var listExtras = map[string]listExtra{
	"count": func(_ *starlark.Thread, l *starlark.List, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var x starlark.Value
		if err := starlark.UnpackPositionalArgs("count", args, kwargs, 1, &x); err != nil {
			return nil, err
		}
		n := 0
		for i := 0; i < l.Len(); i++ {
			eq, err := starlark.Equal(l.Index(i), x)
			if err != nil {
				return nil, err
			}
			if eq {
				n++
			}
		}
		return starlark.MakeInt(n), nil
	},
	"reverse": func(_ *starlark.Thread, l *starlark.List, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if err := value.NoArgs("reverse", args, kwargs); err != nil {
			return nil, err
		}
		for i, j := 0, l.Len()-1; i < j; i, j = i+1, j-1 {
			a, b := l.Index(i), l.Index(j)
			if err := l.SetIndex(i, b); err != nil {
				return nil, err
			}
			l.SetIndex(j, a)
		}
		return starlark.None, nil
	},
	"sort": func(thread *starlark.Thread, l *starlark.List, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if len(args) > 0 {
			return nil, exceptions.TypeError.New("sort() takes no positional arguments")
		}
		sorted, err := starlark.Call(thread, starlark.Universe["sorted"], starlark.Tuple{l}, kwargs)
		if err != nil {
			return nil, err
		}
		return starlark.None, replaceItems(l, sorted.(*starlark.List))
	},
}

// RunServer is the target of a manager's server process; it crosses to the
// child by its predeclared name, multiprocessing.managers._run_server.
var RunServer = starlark.NewBuiltin("multiprocessing.managers._run_server", builtins.RunsDeferred(runServer))

// def _run_server(registry, address, authkey, writer, initializer, initargs):
// the target of a manager's server process (CPython:
// BaseManager._run_server). It reports the address it listens on (or why
// it could not) on writer, then serves until shut down.
func runServer(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var registry, address, initializer starlark.Value
	var authkey starlark.Bytes
	var writer *builtins.Connection
	var initargs starlark.Tuple
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 6, &registry, &address, &authkey, &writer, &initializer, &initargs); err != nil {
		return nil, err
	}
	defer writer.Conn().Close()
	ms, err := startServer(thread, registry, address, []byte(authkey), initializer, initargs)
	var report starlark.Value
	if err != nil {
		report = builtins.ErrorFromGo(err)
	} else {
		report = addrToValue(ms.srv.Address())
	}
	msg, encErr := builtins.Encode(report, nil)
	if encErr != nil {
		return nil, encErr
	}
	if sendErr := writer.Conn().SendBytes(msg); err != nil || sendErr != nil {
		return starlark.None, nil // the parent reports the failure
	}
	writer.Conn().Close()
	return starlark.None, ms.srv.Serve()
}

// startServer runs the initializer, then makes the server.
func startServer(thread *starlark.Thread, registry, address starlark.Value, authkey []byte, initializer starlark.Value, initargs starlark.Tuple) (*managerServer, error) {
	entries, err := decodeRegistry(registry)
	if err != nil {
		return nil, err
	}
	addr, err := addrFromValue(address)
	if err != nil {
		return nil, err
	}
	if initializer != starlark.None {
		if _, err := starlark.Call(thread, initializer, initargs, nil); err != nil {
			return nil, err
		}
	}
	return newManagerServer(builtins.RuntimeOf(thread), entries, addr, authkey)
}

// addrToValue and addrFromValue carry an engine address between processes.
func addrToValue(a conn.Address) starlark.Value {
	return starlark.Tuple{starlark.String(a.Family), starlark.String(a.Host), starlark.MakeInt(a.Port), starlark.String(a.Path)}
}

func addrFromValue(v starlark.Value) (conn.Address, error) {
	if v == starlark.None {
		return conn.Address{}, nil
	}
	t, ok := v.(starlark.Tuple)
	if !ok || len(t) != 4 {
		return conn.Address{}, exceptions.TypeError.Errorf("bad manager address %s", v)
	}
	fam, _ := starlark.AsString(t[0])
	host, _ := starlark.AsString(t[1])
	port, _ := starlark.AsInt32(t[2])
	path, _ := starlark.AsString(t[3])
	return conn.Address{Family: conn.Family(fam), Host: host, Port: port, Path: path}, nil
}
