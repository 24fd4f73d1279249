package managers

// Proxies of manager referents (CPython: managers.py BaseProxy, AutoProxy,
// MakeProxyType and SyncManager's proxy classes DictProxy, ListProxy, ...).
//
// A proxy names a referent by its server's address and id. Every call is
// one request and one reply (mpcore/manager). A proxy holds one reference
// to its referent from the moment it exists: a created referent comes with
// one, a decoded proxy takes one (INCREF), and Go's garbage collector
// gives it back (the release rides on the process's next request). A
// process that exits, or is killed, releases all it held when its
// connections close.
//
// Python operators map onto Starlark's: d[k], d[k] = v, k in d, len(d),
// iteration (over a snapshot taken by one request), slices. Starlark
// cannot tell "l += x" from "l + x": on a list proxy both extend the
// shared list in place and give back the proxy (and "d |= x", "d | x"
// update a dict proxy), so that "+=" keeps its Python meaning.
// str(proxy) and print show the referent; repr(proxy) shows the proxy.

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"time"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/mpstar/mpstar/internal/builtins"
	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/value"
	"github.com/mpstar/mpstar/mpcore/conn"
	"github.com/mpstar/mpstar/mpcore/manager"
)

// Methods every server answers whatever the exposed names (CPython's
// Server.fallback_mapping), and the internal ones proxies use for
// Starlark's operators.
const (
	methodGetValue = "#GETVALUE" // a copy of the referent
	methodIter     = "#ITER"     // a list to iterate: a dict's keys, a sequence's items
	methodSlice    = "#SLICE"    // referent[start:end:step], indices already normalised
)

// proxyKind says which Starlark operators and special attributes a proxy
// class supports.
type proxyKind int

const (
	proxyAuto      proxyKind = iota // exposed methods only
	proxyList                       // + indexing, slices, in, len, iteration, +=
	proxyDict                       // + indexing, in, len, iteration, |=
	proxyArray                      // + indexing, slices, len, iteration
	proxyNamespace                  // attributes live in the server
	proxyValue                      // .value
	proxyAcquirer                   // a context manager
	proxyCondition                  // a context manager, wait_for
	proxyEvent
	proxyBarrier  // .parties, .n_waiting, .broken
	proxyPool     // a context manager whose exit terminates
	proxyIterator // iterable
)

// ProxyType is a proxy class (managers.DictProxy, managers.AutoProxy, ...),
// the proxytype argument of register.
type ProxyType struct {
	value.Object
	name           string
	kind           proxyKind
	exposed        []string // nil: the referent's public methods
	methodToTypeid map[string]string
}

var _ starlark.Value = (*ProxyType)(nil)

var (
	listExposed = []string{"__add__", "__contains__", "__delitem__", "__getitem__", "__len__", "__mul__",
		"__reversed__", "__rmul__", "__setitem__", "append", "count", "extend", "index", "insert", "pop",
		"remove", "reverse", "sort", "__imul__", "__iadd__"}
	dictExposed = []string{"__contains__", "__delitem__", "__getitem__", "__iter__", "__len__", "__setitem__",
		"clear", "copy", "get", "items", "keys", "pop", "popitem", "setdefault", "update", "values"}
	poolToTypeid = map[string]string{"apply_async": "AsyncResult", "map_async": "AsyncResult",
		"starmap_async": "AsyncResult", "imap": "Iterator", "imap_unordered": "Iterator"}
)

// proxyTypes are the proxy classes of multiprocessing.managers, by name
// (a variable initialiser, so SyncManager's registrations can use them).
var proxyTypes = func() map[string]*ProxyType {
	types := map[string]*ProxyType{}
	for _, t := range []*ProxyType{
		{name: "BaseProxy", kind: proxyAuto},
		{name: "AutoProxy", kind: proxyAuto},
		{name: "ListProxy", kind: proxyList, exposed: listExposed},
		{name: "DictProxy", kind: proxyDict, exposed: dictExposed, methodToTypeid: map[string]string{"__iter__": "Iterator"}},
		{name: "ArrayProxy", kind: proxyArray, exposed: []string{"__len__", "__getitem__", "__setitem__"}},
		{name: "NamespaceProxy", kind: proxyNamespace, exposed: []string{"__getattribute__", "__setattr__", "__delattr__"}},
		{name: "ValueProxy", kind: proxyValue, exposed: []string{"get", "set"}},
		{name: "AcquirerProxy", kind: proxyAcquirer, exposed: []string{"acquire", "release"}},
		{name: "ConditionProxy", kind: proxyCondition, exposed: []string{"acquire", "release", "wait", "notify", "notify_all"}},
		{name: "EventProxy", kind: proxyEvent, exposed: []string{"is_set", "set", "clear", "wait"}},
		{name: "BarrierProxy", kind: proxyBarrier, exposed: []string{"__getattribute__", "wait", "abort", "reset"}},
		{name: "PoolProxy", kind: proxyPool, exposed: []string{"apply", "apply_async", "close", "imap", "imap_unordered",
			"join", "map", "map_async", "starmap", "starmap_async", "terminate"}, methodToTypeid: poolToTypeid},
		{name: "IteratorProxy", kind: proxyIterator, exposed: []string{"__next__", "send", "throw", "close"}},
	} {
		types[t.name] = t
	}
	return types
}()

// ProxyTypes returns the proxy classes of multiprocessing.managers
// (BaseProxy, AutoProxy, ListProxy, DictProxy, ...), by name.
func ProxyTypes() starlark.StringDict {
	members := make(starlark.StringDict, len(proxyTypes))
	for name, t := range proxyTypes {
		members[name] = t
	}
	return members
}

// String is the class's repr.
func (t *ProxyType) String() string { return "<class 'multiprocessing.managers." + t.name + "'>" }

// Type implements starlark.Value.
func (t *ProxyType) Type() string { return "multiprocessing.managers.ProxyType" }

// Hash hashes by identity.
func (t *ProxyType) Hash() (uint32, error) { return value.IdentityHash(t), nil }

// Proxy is a proxy of a manager referent (CPython's BaseProxy). The value
// scripts see is a *Proxy or, for the classes with operators, a wrapper
// around one (see value).
type Proxy struct {
	value.Object
	ptype   *ProxyType
	typeid  string
	id      uint64
	addr    conn.Address
	authkey []byte
	client  *manager.Client
	reg     *manager.Registry // the run's clients, which proxies in results share
	// local is the server when the proxy lives in its server's process
	// (an element of a managed list): it shows as its repr there.
	local   *manager.Server
	exposed []string
	owner   *Manager // keeps the manager alive, as CPython's proxies do
	// attrs are a NamespaceProxy's own attributes, those starting with "_".
	attrs map[string]starlark.Value
	// plainDC decodes the results of operators, which have no thread.
	plainDC *builtins.DecodeContext
}

var (
	_ starlark.HasAttrs    = (*Proxy)(nil)
	_ starlark.HasSetField = (*Proxy)(nil)
	_ builtins.Shareable   = (*Proxy)(nil)
)

// proxyToken is what names a referent and how to reach it.
type proxyToken struct {
	addr    conn.Address
	authkey []byte
	id      uint64
	typeid  string
	reg     *manager.Registry // the run's clients and servers
	// kinds are the run's share decoders, for handles in the results of
	// operators (plainDC).
	kinds map[string]builtins.ShareDecoder
}

// adoptProxy returns the proxy value for a reference the caller already
// holds (from a create, a proxy reply or an incref). local is the server
// when the reference is held by the server's own process.
func adoptProxy(tok proxyToken, ptype *ProxyType, exposed []string, local *manager.Server, owner *Manager) starlark.Value {
	p := &Proxy{
		ptype: ptype, typeid: tok.typeid, id: tok.id, addr: tok.addr, authkey: tok.authkey,
		client: tok.reg.Client(tok.addr, tok.authkey), reg: tok.reg, local: local, exposed: exposed, owner: owner,
	}
	p.plainDC = &builtins.DecodeContext{Unshare: builtins.UnshareContext{Authkey: tok.authkey, Managers: tok.reg, ShareKinds: tok.kinds}}
	p.plainDC.Unshare.Decode = func(b []byte) (starlark.Value, error) { return builtins.Decode(b, p.plainDC) }
	runtime.AddCleanup(p, proxyRef.release, proxyRef{client: p.client, local: local, id: tok.id})
	return p.value()
}

// proxyRef is the reference a proxy holds, released when it is collected.
type proxyRef struct {
	client *manager.Client
	local  *manager.Server
	id     uint64
}

func (r proxyRef) release() {
	if r.local != nil {
		r.local.LocalDecref(r.id)
		return
	}
	r.client.Release(r.id)
}

// value returns the Starlark value for p: p itself, or the wrapper that
// gives its class's operators.
func (p *Proxy) value() starlark.Value {
	switch p.ptype.kind {
	case proxyDict:
		return &dictProxy{&containerProxy{p}}
	case proxyList, proxyArray:
		return &containerProxy{p}
	case proxyAcquirer, proxyCondition:
		return &acquirerProxy{p}
	case proxyPool:
		return &poolProxy{p}
	case proxyIterator:
		return &iteratorProxy{p}
	}
	return p
}

// Type is the proxy class's qualified name.
func (p *Proxy) Type() string { return "multiprocessing.managers." + p.ptype.name }

// Hash hashes by identity: proxies compare by identity, as in CPython.
func (p *Proxy) Hash() (uint32, error) { return value.IdentityHash(p), nil }

// Repr is repr(proxy), CPython's BaseProxy.__repr__.
func (p *Proxy) Repr() string {
	return fmt.Sprintf("<%s object, typeid '%s' at %p>", p.ptype.name, p.typeid, p)
}

// String is str(proxy): the referent's str, asked of the server
// (CPython's BaseProxy.__str__). Inside the server's own process, where a
// proxy is an element of another referent, it is the repr, as CPython
// shows nested proxies.
func (p *Proxy) String() string {
	if p.local != nil {
		return p.Repr()
	}
	v, err := p.call(nil, "__str__", nil, nil)
	if s, ok := v.(starlark.String); ok && err == nil {
		return string(s)
	}
	r := p.Repr()
	return r[:len(r)-1] + "; '__str__()' failed>"
}

// call runs method on the referent with args and kwargs and returns the
// result (a new proxy for a KindProxy reply). thread may be nil (an
// operator): builtins other than Starlark's universe cannot then be sent.
func (p *Proxy) call(thread *starlark.Thread, method string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	payload, err := encodeCallArgs(thread, method, args, kwargs)
	if err != nil {
		return nil, err
	}
	kind, reply, err := p.client.Call(manager.OpCall, p.id, method, payload)
	if err != nil {
		return nil, managerErr(err)
	}
	return p.result(thread, kind, reply)
}

// callWrappers are the levels a call's arguments are wrapped in: the
// (args, kwargs) pair, then the args tuple or the kwargs dict.
const callWrappers = 2

// encodeCallArgs encodes (args, kwargs-or-None), the arguments of a call.
func encodeCallArgs(thread *starlark.Thread, method string, args starlark.Tuple, kwargs []starlark.Tuple) ([]byte, error) {
	if args == nil {
		args = starlark.Tuple{}
	}
	copied := false
	for i, a := range args {
		if r, ok := a.(starlark.Iterable); ok && a.Type() == "range" {
			// A range crosses as its items (CPython pickles the range).
			if !copied {
				args, copied = append(starlark.Tuple(nil), args...), true
			}
			args[i] = listOf(r)
		}
	}
	var kw starlark.Value = starlark.None
	if len(kwargs) > 0 {
		d := starlark.NewDict(len(kwargs))
		for _, kv := range kwargs {
			d.SetKey(kv[0], kv[1])
		}
		kw = d
	}
	enc := &builtins.Encoder{}
	if thread != nil {
		if rt := builtins.RuntimeOf(thread); rt != nil {
			enc = rt.Encoder(nil)
		}
	}
	payload, err := enc.AppendWrapped(make([]byte, 0, 64), "args", starlark.Tuple{args, kw}, callWrappers)
	if err != nil {
		return nil, builtins.EncodeFailure(method, "", err)
	}
	return payload, nil
}

// listOf returns the items of an iterable as a list.
func listOf(it starlark.Iterable) *starlark.List {
	var items []starlark.Value
	iter := it.Iterate()
	defer iter.Done()
	var x starlark.Value
	for iter.Next(&x) {
		items = append(items, x)
	}
	return starlark.NewList(items)
}

// result turns a reply into the call's value or error.
func (p *Proxy) result(thread *starlark.Thread, kind manager.Kind, payload []byte) (starlark.Value, error) {
	if kind == manager.KindProxy {
		var e *typeEntry
		if p.owner != nil {
			_, typeid, _, _ := manager.ParseProxy(payload)
			e = p.owner.cls.lookup(typeid)
		}
		return proxyFromReply(proxyToken{addr: p.addr, authkey: p.authkey, reg: p.reg, kinds: p.plainDC.Unshare.ShareKinds}, payload, p.owner, e)
	}
	dc := p.plainDC
	if thread != nil {
		if rt := builtins.RuntimeOf(thread); rt != nil {
			// Functions in the result resolve in this process; proxies in
			// it are the same server's, reached with the same key.
			dc = withAuthkey(rt.DecodeContext(thread, nil), p.authkey)
		}
	}
	if kind == manager.KindError {
		return nil, remoteError(payload, dc)
	}
	v, err := builtins.Decode(payload, dc)
	return v, builtins.ConnErr(err)
}

// withAuthkey returns dc for decoding with authkey as the key of proxies
// that crossed without one: dc itself when its key is that already (a
// manager made with the process's key, the usual case, so a proxy call
// allocates no context), else a copy.
func withAuthkey(dc *builtins.DecodeContext, authkey []byte) *builtins.DecodeContext {
	// nil (no authentication) and an empty key are told apart.
	if bytes.Equal(dc.Unshare.Authkey, authkey) && (dc.Unshare.Authkey == nil) == (authkey == nil) {
		return dc
	}
	c := *dc
	c.Unshare.Authkey = authkey
	return &c
}

// remoteError is the exception a KindError reply carries, decoded with dc.
func remoteError(payload []byte, dc *builtins.DecodeContext) error {
	v, err := builtins.Decode(payload, dc)
	if err != nil {
		return builtins.ConnErr(err)
	}
	if ev, ok := v.(*builtins.ErrorValue); ok {
		return ev.AsGoError()
	}
	return exceptions.RemoteError.Errorf("%s", v)
}

// proxyFromReply makes the proxy a KindProxy reply announces, adopting
// the reference the server gave this client. tok has the address and key;
// the client's own registration of the typeid, if any, picks the proxy
// class (as in CPython), else the server's choice does.
func proxyFromReply(tok proxyToken, payload []byte, owner *Manager, e *typeEntry) (starlark.Value, error) {
	id, typeid, extra, err := manager.ParseProxy(payload)
	if err != nil {
		return nil, managerErr(err)
	}
	ptype, exposed, err := decodeProxyExtra(extra)
	if err != nil {
		return nil, err
	}
	if e != nil {
		ptype = e.ptype
		if e.exposed != nil {
			exposed = e.exposed
		}
	}
	tok.id, tok.typeid = id, typeid
	return adoptProxy(tok, ptype, exposed, nil, owner), nil
}

// appendProxyExtra appends what a KindProxy reply carries beyond id and
// typeid: the proxy class name and, for AutoProxy, the exposed names.
func appendProxyExtra(dst []byte, ptype *ProxyType, exposed []string) []byte {
	var ex starlark.Value = starlark.None
	if exposed != nil {
		ex = stringsTuple(exposed)
	}
	out, _ := (&builtins.Encoder{}).Append(dst, "extra", starlark.Tuple{starlark.String(ptype.name), ex})
	return out
}

func decodeProxyExtra(extra []byte) (*ProxyType, []string, error) {
	v, err := builtins.Decode(extra, nil)
	t, ok := v.(starlark.Tuple)
	if err != nil || !ok || len(t) != 2 {
		return nil, nil, exceptions.RemoteError.New("malformed proxy reply from the manager")
	}
	name, _ := starlark.AsString(t[0])
	ptype := proxyTypes[name]
	if ptype == nil {
		ptype = proxyTypes["AutoProxy"]
	}
	exposed, _ := tupleStrings(t[1])
	return ptype, exposed, nil
}

func stringsTuple(ss []string) starlark.Tuple {
	t := make(starlark.Tuple, len(ss))
	for i, s := range ss {
		t[i] = starlark.String(s)
	}
	return t
}

// tupleStrings converts a tuple or list of strings; ok is false for None
// or anything else.
func tupleStrings(v starlark.Value) ([]string, bool) {
	it, ok := v.(starlark.Indexable)
	if !ok || v == starlark.None {
		return nil, false
	}
	out := make([]string, it.Len())
	for i := range out {
		s, ok := starlark.AsString(it.Index(i))
		if !ok {
			return nil, false
		}
		out[i] = s
	}
	return out, true
}

// managerErr converts an engine error into the Python exception a script
// sees: RemoteError for a request the server could not run, ValueError for
// a request too large to send, the connection's errors (EOFError,
// ConnectionRefusedError, AuthenticationError) otherwise.
func managerErr(err error) error {
	var fe *manager.FailureError
	var pe *manager.ProtocolError
	var ve *manager.VersionError
	var tooLarge *manager.MessageTooLargeError
	switch {
	case errors.As(err, &tooLarge):
		return exceptions.ValueError.Errorf("%v", err)
	case errors.As(err, &fe):
		return exceptions.RemoteError.Errorf("%s", fe.Msg)
	case errors.As(err, &pe), errors.As(err, &ve):
		return exceptions.OSError.Errorf("%v", err)
	}
	return builtins.ConnErr(err)
}

// Share implements Shareable: the token, and the authkey only when the
// value goes to a child being started (CPython pickles the key only while
// spawning); elsewhere the receiver uses its own process's key.
func (p *Proxy) Share(sc *builtins.ShareContext) ([]byte, error) {
	var key starlark.Value = starlark.None
	if sc != nil && sc.FDs != nil {
		key = starlark.Bytes(p.authkey)
	}
	var exposed starlark.Value = starlark.None
	if p.exposed != nil {
		exposed = stringsTuple(p.exposed)
	}
	return builtins.Encode(append(addrToValue(p.addr).(starlark.Tuple),
		starlark.MakeUint64(p.id), starlark.String(p.typeid), starlark.String(p.ptype.name), exposed, key,
	), nil)
}

// ShareKind implements Shareable.
func (p *Proxy) ShareKind() string { return "proxy" }

// decodeProxy rebuilds a proxy in the receiving process and takes a
// reference for it (CPython's RebuildProxy).
func decodeProxy(uc *builtins.UnshareContext, payload []byte) (starlark.Value, error) {
	v, err := builtins.Decode(payload, nil)
	t, ok := v.(starlark.Tuple)
	if err != nil || !ok || len(t) != 9 {
		return nil, exceptions.OSError.New("bad proxy handle")
	}
	addr, _ := addrFromValue(t[:4])
	id, _ := t[4].(starlark.Int).Uint64()
	typeid, _ := starlark.AsString(t[5])
	name, _ := starlark.AsString(t[6])
	tok := proxyToken{addr: addr, id: id, typeid: typeid, authkey: uc.Authkey, reg: uc.Managers, kinds: uc.ShareKinds}
	if tok.reg == nil {
		tok.reg = manager.NewRegistry() // plain data has no run to share clients with
	}
	if key, ok := t[8].(starlark.Bytes); ok {
		tok.authkey = []byte(key)
	}
	ptype := proxyTypes[name]
	if ptype == nil {
		ptype = proxyTypes["AutoProxy"]
	}
	exposed, _ := tupleStrings(t[7])
	local := tok.reg.Served(tok.addr)
	if local != nil {
		err = local.LocalIncref(id)
	} else {
		err = tok.reg.Client(tok.addr, tok.authkey).Incref(id)
	}
	if err != nil {
		return nil, managerErr(err)
	}
	return adoptProxy(tok, ptype, exposed, local, nil), nil
}

// proxyMethods are the methods every proxy has.
var proxyMethods = value.NewMethods(func() map[string]*starlark.Builtin {
	return map[string]*starlark.Builtin{
		"_callmethod": starlark.NewBuiltin("_callmethod", proxyCallmethod),
		"_getvalue":   starlark.NewBuiltin("_getvalue", proxyGetvalue),
	}
})

// proxyOf returns the proxy behind a proxy value.
func proxyOf(v starlark.Value) *Proxy {
	switch v := v.(type) {
	case *Proxy:
		return v
	case *containerProxy:
		return v.Proxy
	case *dictProxy:
		return v.Proxy
	case *acquirerProxy:
		return v.Proxy
	case *poolProxy:
		return v.Proxy
	case *iteratorProxy:
		return v.Proxy
	}
	return nil
}

// def _callmethod(methodname, args=(), kwds={})
func proxyCallmethod(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var method string
	var cargs starlark.Value = starlark.Tuple{}
	var ckw starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "methodname", &method, "args?", &cargs, "kwds?", &ckw); err != nil {
		return nil, err
	}
	a, err := value.AsTuple(b.Name(), "args", cargs)
	if err != nil {
		return nil, err
	}
	kw, err := value.AsDict(b.Name(), "kwds", ckw)
	if err != nil {
		return nil, err
	}
	return proxyOf(b.Receiver()).call(thread, method, a, kw.Items())
}

// def _getvalue()
func proxyGetvalue(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return proxyOf(b.Receiver()).call(thread, methodGetValue, nil, nil)
}

// proxyMethod calls the exposed method the builtin is named after.
func proxyMethod(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return proxyOf(b.Receiver()).call(thread, b.Name(), args, kwargs)
}

// Attr implements starlark.HasAttrs: the exposed methods, _callmethod and
// _getvalue, and the attributes of namespaces, barriers and values.
func (p *Proxy) Attr(name string) (starlark.Value, error) { return p.attr(p, name) }

// attr looks up name for the proxy value self (p or its wrapper).
func (p *Proxy) attr(self starlark.Value, name string) (starlark.Value, error) {
	if b, ok := proxyMethods.Table()[name]; ok {
		return b.BindReceiver(self), nil
	}
	if name == "_exposed_" {
		return stringsTuple(p.exposedNames()), nil
	}
	switch p.ptype.kind {
	case proxyNamespace:
		if strings.HasPrefix(name, "_") {
			if v, ok := p.attrs[name]; ok {
				return v, nil
			}
			return nil, exceptions.AttributeError.Errorf("'NamespaceProxy' object has no attribute '%s'", name)
		}
		return p.call(nil, "__getattribute__", starlark.Tuple{starlark.String(name)}, nil)
	case proxyBarrier:
		if name == "parties" || name == "n_waiting" || name == "broken" {
			return p.call(nil, "__getattribute__", starlark.Tuple{starlark.String(name)}, nil)
		}
	case proxyValue:
		if name == "value" {
			return p.call(nil, "get", nil, nil)
		}
	case proxyCondition:
		if name == "wait_for" {
			return starlark.NewBuiltin("wait_for", conditionProxyWaitFor).BindReceiver(self), nil
		}
	}
	if p.isExposed(name) {
		return starlark.NewBuiltin(name, proxyMethod).BindReceiver(self), nil
	}
	return nil, nil
}

// isExposed reports whether the proxy offers method name. AutoProxy's
// list comes from the server; an unknown list allows any public name and
// lets the server decide.
func (p *Proxy) isExposed(name string) bool {
	exposed := p.exposedNames()
	if exposed == nil {
		return !strings.HasPrefix(name, "_")
	}
	for _, e := range exposed {
		if e == name {
			return true
		}
	}
	return false
}

// exposedNames returns the methods the proxy offers (its _exposed_): the
// ones the server or the registration named, else the class's; nil when
// unknown (any public name).
func (p *Proxy) exposedNames() []string {
	if p.exposed != nil {
		return p.exposed
	}
	return p.ptype.exposed
}

// AttrNames implements starlark.HasAttrs.
func (p *Proxy) AttrNames() []string {
	names := []string{"_callmethod", "_exposed_", "_getvalue"}
	for _, e := range p.exposedNames() {
		if !strings.HasPrefix(e, "_") {
			names = append(names, e)
		}
	}
	switch p.ptype.kind {
	case proxyValue:
		names = append(names, "value")
	case proxyCondition:
		names = append(names, "wait_for")
	case proxyBarrier:
		names = append(names, "broken", "n_waiting", "parties")
	}
	sort.Strings(names)
	return names
}

// SetField implements starlark.HasSetField: a namespace's attributes
// (names starting with "_" stay on the proxy) and a value's .value.
func (p *Proxy) SetField(name string, v starlark.Value) error {
	switch {
	case p.ptype.kind == proxyNamespace && strings.HasPrefix(name, "_"):
		if p.attrs == nil {
			p.attrs = map[string]starlark.Value{}
		}
		p.attrs[name] = v
		return nil
	case p.ptype.kind == proxyNamespace:
		_, err := p.call(nil, "__setattr__", starlark.Tuple{starlark.String(name), v}, nil)
		return err
	case p.ptype.kind == proxyValue && name == "value":
		_, err := p.call(nil, "set", starlark.Tuple{v}, nil)
		return err
	}
	return starlark.NoSuchAttrError(fmt.Sprintf("%s has no writable attribute %q", p.Type(), name))
}

// def wait_for(predicate, timeout=None): ConditionProxy.wait_for, which
// CPython runs in the client: the predicate is the caller's.
func conditionProxyWaitFor(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	p := proxyOf(b.Receiver())
	return builtins.WaitFor(thread, b, args, kwargs, func(d time.Duration) error {
		var timeout starlark.Value = starlark.None
		if d >= 0 {
			timeout = starlark.Float(d.Seconds())
		}
		_, err := p.call(thread, "wait", starlark.Tuple{timeout}, nil)
		return err
	})
}

// containerProxy is a ListProxy, DictProxy or ArrayProxy: a proxy with
// Python's container operators.
type containerProxy struct{ *Proxy }

var (
	_ starlark.HasSetKey = (*containerProxy)(nil)
	_ starlark.Sliceable = (*containerProxy)(nil)
	_ starlark.Container = (*containerProxy)(nil)
	_ starlark.Sequence  = (*containerProxy)(nil)
	_ starlark.HasBinary = (*containerProxy)(nil)
)

// Attr implements starlark.HasAttrs.
func (c *containerProxy) Attr(name string) (starlark.Value, error) { return c.attr(c, name) }

// Get is x[k]: one request.
func (c *containerProxy) Get(k starlark.Value) (starlark.Value, bool, error) {
	v, err := c.call(nil, "__getitem__", starlark.Tuple{k}, nil)
	return v, err == nil, err
}

// SetKey is x[k] = v: one request (for a list too: the server checks
// the index).
func (c *containerProxy) SetKey(k, v starlark.Value) error {
	_, err := c.call(nil, "__setitem__", starlark.Tuple{k, v}, nil)
	return err
}

// Has is k in x.
func (c *containerProxy) Has(k starlark.Value) (bool, error) {
	if c.ptype.kind == proxyArray { // ArrayProxy exposes no __contains__
		it := c.Iterate()
		defer it.Done()
		var x starlark.Value
		for it.Next(&x) {
			if eq, err := starlark.Equal(x, k); eq || err != nil {
				return eq, err
			}
		}
		return false, nil
	}
	v, err := c.call(nil, "__contains__", starlark.Tuple{k}, nil)
	if err != nil {
		return false, err
	}
	return bool(v.Truth()), nil
}

// Len is len(x), -1 if the server cannot be asked.
func (c *containerProxy) Len() int {
	v, err := c.call(nil, "__len__", nil, nil)
	if err != nil {
		return -1
	}
	n, err := starlark.AsInt32(v)
	if err != nil {
		return -1
	}
	return n
}

// Truth is Python's bool(x): false when empty.
func (c *containerProxy) Truth() starlark.Bool { return c.Len() != 0 }

// Index is x[i] for 0 <= i < Len().
func (c *containerProxy) Index(i int) starlark.Value {
	v, err := c.call(nil, "__getitem__", starlark.Tuple{starlark.MakeInt(i)}, nil)
	if err != nil {
		return starlark.None
	}
	return v
}

// Slice is x[start:end:step] as a plain list (or array), in one request.
func (c *containerProxy) Slice(start, end, step int) starlark.Value {
	v, err := c.call(nil, methodSlice, starlark.Tuple{starlark.MakeInt(start), starlark.MakeInt(end), starlark.MakeInt(step)}, nil)
	if err != nil {
		return starlark.NewList(nil)
	}
	return v
}

// dictProxy is a DictProxy: a container proxy that is also a mapping, so
// that dict(proxy) and d.update(proxy) copy its items, as in CPython.
type dictProxy struct{ *containerProxy }

var _ starlark.IterableMapping = (*dictProxy)(nil)

// Items returns a snapshot of the referent's items, taken by one request;
// none if the manager cannot be asked (starlark's mapping interface has no
// room for the error, which the next call on the proxy reports).
func (d *dictProxy) Items() []starlark.Tuple {
	v, err := d.call(nil, "items", nil, nil)
	it, ok := v.(starlark.Iterable)
	if err != nil || !ok {
		return nil
	}
	var items []starlark.Tuple
	iter := it.Iterate()
	defer iter.Done()
	var x starlark.Value
	for iter.Next(&x) {
		if kv, ok := x.(starlark.Tuple); ok && len(kv) == 2 {
			items = append(items, kv)
		}
	}
	return items
}

// Iterate iterates over a snapshot of the referent (a dict's keys),
// taken by one request.
func (c *containerProxy) Iterate() starlark.Iterator {
	v, err := c.call(nil, methodIter, nil, nil)
	it, ok := v.(starlark.Iterable)
	if err != nil || !ok {
		return starlark.NewList(nil).Iterate()
	}
	return it.Iterate()
}

// Binary implements "+" (and "+=": in place on a list proxy), "*" (a new
// list) and "|" (and "|=": in place on a dict proxy).
func (c *containerProxy) Binary(op syntax.Token, y starlark.Value, side starlark.Side) (starlark.Value, error) {
	switch {
	case op == syntax.PLUS && side == starlark.Left && c.ptype.kind == proxyList:
		_, err := c.call(nil, "__iadd__", starlark.Tuple{y}, nil)
		return c, err
	case op == syntax.PLUS && side == starlark.Right && c.ptype.kind == proxyList:
		items, err := c.call(nil, methodIter, nil, nil)
		if err != nil {
			return nil, err
		}
		return starlark.Binary(syntax.PLUS, y, items)
	case op == syntax.STAR && c.ptype.kind == proxyList:
		method := "__mul__"
		if side == starlark.Right {
			method = "__rmul__"
		}
		return c.call(nil, method, starlark.Tuple{y}, nil)
	case op == syntax.PIPE && side == starlark.Left && c.ptype.kind == proxyDict:
		_, err := c.call(nil, "update", starlark.Tuple{y}, nil)
		return c, err
	}
	return nil, nil
}

// acquirerProxy is an AcquirerProxy or ConditionProxy: with_(proxy, f)
// acquires and releases it.
type acquirerProxy struct{ *Proxy }

var _ builtins.ContextManager = (*acquirerProxy)(nil)

// Attr implements starlark.HasAttrs.
func (a *acquirerProxy) Attr(name string) (starlark.Value, error) { return a.attr(a, name) }

// Enter acquires.
func (a *acquirerProxy) Enter(thread *starlark.Thread) error {
	_, err := a.call(thread, "acquire", nil, nil)
	return err
}

// Exit releases.
func (a *acquirerProxy) Exit(thread *starlark.Thread, _ bool) error {
	_, err := a.call(thread, "release", nil, nil)
	return err
}

// poolProxy is a PoolProxy: with_(pool, f) terminates the pool after f,
// as Pool.__exit__.
type poolProxy struct{ *Proxy }

var _ builtins.ContextManager = (*poolProxy)(nil)

// Attr implements starlark.HasAttrs.
func (pp *poolProxy) Attr(name string) (starlark.Value, error) { return pp.attr(pp, name) }

// Enter does nothing: the pool is running.
func (pp *poolProxy) Enter(*starlark.Thread) error { return nil }

// Exit terminates the pool.
func (pp *poolProxy) Exit(thread *starlark.Thread, _ bool) error {
	_, err := pp.call(thread, "terminate", nil, nil)
	return err
}

// iteratorProxy is an IteratorProxy: iterating calls __next__ until the
// referent raises StopIteration.
type iteratorProxy struct{ *Proxy }

var _ starlark.Iterable = (*iteratorProxy)(nil)

// Attr implements starlark.HasAttrs.
func (ip *iteratorProxy) Attr(name string) (starlark.Value, error) { return ip.attr(ip, name) }

// Iterate implements starlark.Iterable.
func (ip *iteratorProxy) Iterate() starlark.Iterator { return &remoteIterator{ip.Proxy} }

type remoteIterator struct{ p *Proxy }

func (it *remoteIterator) Next(x *starlark.Value) bool {
	if it.p == nil {
		return false
	}
	v, err := it.p.call(nil, "__next__", nil, nil)
	if err != nil {
		it.p = nil
		return false
	}
	*x = v
	return true
}

func (it *remoteIterator) Done() {}
