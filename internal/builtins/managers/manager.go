package managers

// multiprocessing.Manager and multiprocessing.managers' BaseManager,
// SyncManager and Server (CPython: managers.py BaseManager, SyncManager,
// Server).
//
//	def Manager():  # a started SyncManager
//	BaseManager(address=None, authkey=None, serializer='pickle', ctx=None, *, shutdown_timeout=1.0)
//	    .start(initializer=None, initargs=()), .connect(), .shutdown(),
//	    .get_server() (.serve_forever(), .address), .join(timeout=None),
//	    .address, .register(...), and one method per registered typeid;
//	    a context manager (enter starts, exit shuts down)
//	BaseManager.register(typeid, callable=None, proxytype=None, exposed=None,
//	                     method_to_typeid=None, create_method=True)
//	BaseManager.subclass(name)  # class MyManager(BaseManager): pass
//
// Starlark has no classes: a manager class is a value made by subclass,
// whose registry starts as a copy of its parent's. start() launches the
// server as a child process that executes the script as __mp_main__ (so
// registered callables resolve by name) and reports its address over a
// pipe. A local manager listens on an abstract AF_UNIX name, so no socket
// file is ever left behind, and accepts only its user's processes; the
// server dies with its parent through the runtime's lifeline pipe.

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"time"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins"
	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/value"
	"github.com/mpstar/mpstar/mpcore/conn"
	"github.com/mpstar/mpstar/mpcore/manager"
	"github.com/mpstar/mpstar/mpcore/stop"
)

// managerExitPriority shuts managers down before children are joined at
// exit (priority 0), as CPython's manager finalizer (exitpriority 0) runs
// before _exit_function joins the children.
const managerExitPriority = -1

// The manager states (CPython's managers.State).
const (
	stateInitial = iota
	stateStarted
	stateShutdown
)

// The manager classes: BaseManager, which a script registers its own
// typeids with (BaseManager.register, or a subclass from
// BaseManager.subclass), and SyncManager, which has the standard ones.
var (
	BaseManager = &managerClass{name: "BaseManager"}
	SyncManager = &managerClass{name: "SyncManager"}
)

func init() {
	for _, t := range syncTypes {
		SyncManager.entries = append(SyncManager.entries, &typeEntry{
			typeid: t.typeid, sync: t, ptype: proxyTypes[t.proxy], createMethod: t.createMethod,
		})
	}
}

// typeEntry is one registration (CPython: BaseManager._registry[typeid]).
type typeEntry struct {
	typeid         string
	callable       starlark.Value // None when the server has none
	sync           *syncType      // SyncManager's own typeids
	ptype          *ProxyType
	exposed        []string // nil: the proxy class's, or the public methods
	methodToTypeid map[string]string
	createMethod   bool
}

// managerClass is a manager class: BaseManager, SyncManager, or one made
// with subclass.
type managerClass struct {
	value.Object
	name    string
	entries []*typeEntry // in registration order; a later one replaces
}

var (
	_ starlark.Callable  = (*managerClass)(nil)
	_ starlark.HasAttrs  = (*managerClass)(nil)
	_ builtins.Shareable = (*managerClass)(nil)
)

// String is the class's repr.
func (c *managerClass) String() string {
	if c == BaseManager || c == SyncManager {
		return "<class 'multiprocessing.managers." + c.name + "'>"
	}
	return "<class '__main__." + c.name + "'>"
}

// Type implements starlark.Value.
func (c *managerClass) Type() string { return "multiprocessing.managers.ManagerClass" }

// Hash hashes by identity.
func (c *managerClass) Hash() (uint32, error) { return value.IdentityHash(c), nil }

// Name implements starlark.Callable.
func (c *managerClass) Name() string { return c.name }

// lookup returns the registration of typeid, or nil.
func (c *managerClass) lookup(typeid string) *typeEntry {
	for _, e := range c.entries {
		if e.typeid == typeid {
			return e
		}
	}
	return nil
}

var managerClassMethods = value.NewMethods(func() map[string]*starlark.Builtin {
	return map[string]*starlark.Builtin{
		"register": starlark.NewBuiltin("register", managerRegister),
		"subclass": starlark.NewBuiltin("subclass", managerSubclass),
	}
})

// Attr implements starlark.HasAttrs.
func (c *managerClass) Attr(name string) (starlark.Value, error) {
	if name == "__name__" {
		return starlark.String(c.name), nil
	}
	return value.Attr(managerClassMethods, c, name)
}

// AttrNames implements starlark.HasAttrs.
func (c *managerClass) AttrNames() []string { return value.AttrNames(managerClassMethods, "__name__") }

// def subclass(name): class name(cls): pass
func managerSubclass(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var name string
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &name); err != nil {
		return nil, err
	}
	parent := classOf(b.Receiver())
	return &managerClass{name: name, entries: append([]*typeEntry(nil), parent.entries...)}, nil
}

// classOf returns the class of a register/subclass receiver: a class, or
// a manager (register is a classmethod in CPython).
func classOf(v starlark.Value) *managerClass {
	if m, ok := v.(*Manager); ok {
		return m.cls
	}
	return v.(*managerClass)
}

// def register(typeid, callable=None, proxytype=None, exposed=None,
//
//	method_to_typeid=None, create_method=True)
func managerRegister(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var typeid string
	var callable, proxytype, exposed, methodToTypeid starlark.Value = starlark.None, starlark.None, starlark.None, starlark.None
	createMethod := true
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "typeid", &typeid, "callable?", &callable, "proxytype?", &proxytype,
		"exposed?", &exposed, "method_to_typeid?", &methodToTypeid, "create_method?", &createMethod); err != nil {
		return nil, err
	}
	e := &typeEntry{typeid: typeid, callable: callable, createMethod: createMethod, ptype: proxyTypes["AutoProxy"]}
	if callable != starlark.None {
		if _, ok := callable.(starlark.Callable); !ok {
			return nil, exceptions.TypeError.Errorf("%s: callable must be callable, not %s", b.Name(), callable.Type())
		}
	}
	switch t := proxytype.(type) {
	case starlark.NoneType:
	case *ProxyType:
		e.ptype = t
	default:
		return nil, exceptions.TypeError.Errorf("%s: proxytype must be a proxy class of multiprocessing.managers (DictProxy, ...), not %s", b.Name(), proxytype.Type())
	}
	if exposed != starlark.None {
		names, ok := tupleStrings(exposed)
		if !ok {
			return nil, exceptions.TypeError.Errorf("%s: exposed must be a sequence of method names", b.Name())
		}
		e.exposed = names
	}
	if methodToTypeid != starlark.None {
		d, ok := methodToTypeid.(*starlark.Dict)
		if !ok {
			return nil, exceptions.TypeError.Errorf("%s: method_to_typeid must be a dict, not %s", b.Name(), methodToTypeid.Type())
		}
		e.methodToTypeid = map[string]string{}
		for _, kv := range d.Items() {
			k, ok1 := starlark.AsString(kv[0])
			v, ok2 := starlark.AsString(kv[1])
			if !ok1 || !ok2 {
				return nil, exceptions.TypeError.Errorf("%s: method_to_typeid must map method names to typeids", b.Name())
			}
			e.methodToTypeid[k] = v
		}
	}
	c := classOf(b.Receiver())
	entries := make([]*typeEntry, 0, len(c.entries)+1)
	for _, old := range c.entries {
		if old.typeid != typeid {
			entries = append(entries, old)
		}
	}
	c.entries = append(entries, e)
	return starlark.None, nil
}

// encodeRegistry is the registry as it crosses to the server process:
// (typeid, callable, sync typeid, proxy class, exposed, method_to_typeid)
// tuples, and whether the class has a method per typeid. Callables cross by
// name.
func (c *managerClass) encodeRegistry() *starlark.List {
	items := make([]starlark.Value, len(c.entries))
	for i, e := range c.entries {
		var callable, syncID, exposed, m2t starlark.Value = e.callable, starlark.None, starlark.None, starlark.None
		if callable == nil {
			callable = starlark.None
		}
		if e.sync != nil {
			syncID = starlark.String(e.sync.typeid)
		}
		if e.exposed != nil {
			exposed = stringsTuple(e.exposed)
		}
		if e.methodToTypeid != nil {
			d := starlark.NewDict(len(e.methodToTypeid))
			for k, v := range e.methodToTypeid {
				d.SetKey(starlark.String(k), starlark.String(v))
			}
			m2t = d
		}
		items[i] = starlark.Tuple{starlark.String(e.typeid), callable, syncID, starlark.String(e.ptype.name), exposed, m2t, starlark.Bool(e.createMethod)}
	}
	return starlark.NewList(items)
}

// decodeRegistry is encodeRegistry's inverse, in the server process and
// in fork children.
func decodeRegistry(v starlark.Value) ([]*typeEntry, error) {
	l, ok := v.(*starlark.List)
	if !ok {
		return nil, exceptions.TypeError.New("bad manager registry")
	}
	entries := make([]*typeEntry, 0, l.Len())
	for i := 0; i < l.Len(); i++ {
		t, ok := l.Index(i).(starlark.Tuple)
		if !ok || len(t) != 7 {
			return nil, exceptions.TypeError.New("bad manager registry entry")
		}
		typeid, _ := starlark.AsString(t[0])
		e := &typeEntry{typeid: typeid, callable: t[1], ptype: proxyTypes["AutoProxy"], createMethod: bool(t[6].Truth())}
		if id, ok := starlark.AsString(t[2]); ok {
			e.sync = syncTypeByID(id)
		}
		if name, _ := starlark.AsString(t[3]); proxyTypes[name] != nil {
			e.ptype = proxyTypes[name]
		}
		e.exposed, _ = tupleStrings(t[4])
		if d, ok := t[5].(*starlark.Dict); ok {
			e.methodToTypeid = map[string]string{}
			for _, kv := range d.Items() {
				k, _ := starlark.AsString(kv[0])
				v, _ := starlark.AsString(kv[1])
				e.methodToTypeid[k] = v
			}
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// ShareKind implements Shareable: a manager class made at the top level of
// a script crosses to fork children, which use it as CPython's fork
// children use the class they inherited.
func (c *managerClass) ShareKind() string { return "managerclass" }

// Share encodes the class by name and registry; BaseManager and
// SyncManager themselves by name only.
func (c *managerClass) Share(sc *builtins.ShareContext) ([]byte, error) {
	var registry starlark.Value = starlark.None
	if c != BaseManager && c != SyncManager {
		registry = c.encodeRegistry()
	}
	return builtins.AppendEncode(nil, starlark.Tuple{starlark.String(c.name), registry}, sc)
}

func decodeManagerClass(uc *builtins.UnshareContext, p []byte) (starlark.Value, error) {
	v, err := uc.Decode(p)
	if err != nil {
		return nil, err
	}
	t, ok := v.(starlark.Tuple)
	if !ok || len(t) != 2 {
		return nil, exceptions.TypeError.New("bad manager class handle")
	}
	name, _ := starlark.AsString(t[0])
	if t[1] == starlark.None {
		if name == SyncManager.name {
			return SyncManager, nil
		}
		return BaseManager, nil
	}
	entries, err := decodeRegistry(t[1])
	if err != nil {
		return nil, err
	}
	return &managerClass{name: name, entries: entries}, nil
}

// ShareKinds are the decoders of this package's Shareable values, by kind
// (modules.ShareKinds merges them into a run's table): proxies, and the
// manager classes fork children inherit.
var ShareKinds = map[string]builtins.ShareDecoder{
	"managerclass": decodeManagerClass,
	"proxy":        decodeProxy,
}

// CallInternal makes a manager: cls(address=None, authkey=None,
// serializer='pickle', ctx=None, *, shutdown_timeout=1.0).
func (c *managerClass) CallInternal(thread *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var address, authkey, serializer, ctx starlark.Value = starlark.None, starlark.None, starlark.None, starlark.None
	shutdownTimeout := value.Seconds(1.0)
	if err := starlark.UnpackArgs(c.name, args, kwargs, "address?", &address, "authkey?", &authkey,
		"serializer?", &serializer, "ctx?", &ctx, "shutdown_timeout?", &shutdownTimeout); err != nil {
		return nil, err
	}
	if s, ok := serializer.(starlark.String); ok && s != "pickle" && s != "xmlrpclib" {
		return nil, exceptions.ValueError.Errorf("Unrecognized serializer %s", s)
	}
	rt := builtins.RuntimeOf(thread)
	m := &Manager{cls: c, rt: rt, st: &managerState{}}
	if address != starlark.None {
		fam, err := builtins.FamilyArg(address, starlark.None)
		if err != nil {
			return nil, err
		}
		if m.address, err = builtins.AddressOf(address, fam); err != nil {
			return nil, err
		}
		if err := builtins.CheckAddress(thread, m.address); err != nil {
			return nil, err
		}
	}
	m.authkey = rt.Self().Authkey()
	if authkey != starlark.None {
		key, err := builtins.AuthkeyArg(authkey)
		if err != nil {
			return nil, err
		}
		m.authkey = key
	}
	m.st.timeout = shutdownTimeout.Duration()
	return m, nil
}

// NewManager is Manager(): a started SyncManager.
func NewManager(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	v, err := SyncManager.CallInternal(thread, nil, nil)
	if err != nil {
		return nil, err
	}
	m := v.(*Manager)
	return m, m.start(thread, starlark.None, nil)
}

// Manager is an instance of a manager class.
type Manager struct {
	value.Object
	cls     *managerClass
	rt      *builtins.Runtime
	address conn.Address // zero until started when not given
	authkey []byte
	st      *managerState
}

// managerState is what shutting a manager down needs. It is apart from
// Manager so that the exit hook and the garbage collector's cleanup can
// hold it without keeping the Manager alive.
type managerState struct {
	mu      sync.Mutex
	state   int
	proc    *builtins.Process // the server process, when started here
	client  *manager.Client
	timeout time.Duration
}

var (
	_ starlark.HasAttrs       = (*Manager)(nil)
	_ builtins.ContextManager = (*Manager)(nil)
)

// String is CPython's default repr.
func (m *Manager) String() string {
	return fmt.Sprintf("<%s object at %p>", m.cls.name, m)
}

// Type implements starlark.Value.
func (m *Manager) Type() string { return "multiprocessing.managers." + m.cls.name }

// Hash hashes by identity.
func (m *Manager) Hash() (uint32, error) { return value.IdentityHash(m), nil }

var managerMethods = value.NewMethods(func() map[string]*starlark.Builtin {
	return map[string]*starlark.Builtin{
		"start":              starlark.NewBuiltin("start", managerStart),
		"connect":            starlark.NewBuiltin("connect", managerConnect),
		"shutdown":           starlark.NewBuiltin("shutdown", managerShutdown),
		"get_server":         starlark.NewBuiltin("get_server", managerGetServer),
		"join":               starlark.NewBuiltin("join", builtins.Blocking(managerJoin)),
		"register":           starlark.NewBuiltin("register", managerRegister),
		"_number_of_objects": starlark.NewBuiltin("_number_of_objects", managerNumberOfObjects),
	}
})

// Attr implements starlark.HasAttrs: the methods, .address, and a method
// per typeid registered with create_method.
func (m *Manager) Attr(name string) (starlark.Value, error) {
	if b, ok := managerMethods.Table()[name]; ok {
		return b.BindReceiver(m), nil
	}
	if name == "address" {
		if m.address == (conn.Address{}) {
			return starlark.None, nil
		}
		return builtins.AddressValue(m.address), nil
	}
	if e := m.cls.lookup(name); e != nil && e.createMethod {
		return starlark.NewBuiltin(m.cls.name+"."+name, managerCreate).BindReceiver(m), nil
	}
	return nil, nil
}

// AttrNames implements starlark.HasAttrs.
func (m *Manager) AttrNames() []string {
	names := value.AttrNames(managerMethods, "address")
	for _, e := range m.cls.entries {
		if e.createMethod {
			names = append(names, e.typeid)
		}
	}
	sort.Strings(names)
	return names
}

// Enter starts the manager unless it runs already, as __enter__.
func (m *Manager) Enter(thread *starlark.Thread) error {
	if m.state() == stateInitial {
		if err := m.start(thread, starlark.None, nil); err != nil {
			return err
		}
	}
	if m.state() != stateStarted {
		return exceptions.ProcessError.New("Unable to start server")
	}
	return nil
}

// Exit shuts the manager down.
func (m *Manager) Exit(*starlark.Thread, bool) error {
	m.st.shutdown()
	return nil
}

func (m *Manager) state() int {
	m.st.mu.Lock()
	defer m.st.mu.Unlock()
	return m.st.state
}

// checkInitial refuses to start a manager twice (CPython's messages).
func (m *Manager) checkInitial() error {
	switch m.state() {
	case stateStarted:
		return exceptions.ProcessError.New("Already started server")
	case stateShutdown:
		return exceptions.ProcessError.New("Manager has shut down")
	}
	return nil
}

// def start(initializer=None, initargs=())
func managerStart(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var initializer starlark.Value = starlark.None
	var initargs starlark.Value = starlark.Tuple{}
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "initializer?", &initializer, "initargs?", &initargs); err != nil {
		return nil, err
	}
	if _, ok := initializer.(starlark.Callable); !ok && initializer != starlark.None {
		return nil, exceptions.TypeError.New("initializer must be a callable")
	}
	ia, err := value.AsTuple(b.Name(), "initargs", initargs)
	if err != nil {
		return nil, err
	}
	return starlark.None, b.Receiver().(*Manager).start(thread, initializer, ia)
}

// start launches the server process and waits for its address.
func (m *Manager) start(thread *starlark.Thread, initializer starlark.Value, initargs starlark.Tuple) error {
	if err := m.checkInitial(); err != nil {
		return err
	}
	if initargs == nil {
		initargs = starlark.Tuple{}
	}
	r, w, err := conn.Pipe(false)
	if err != nil {
		return exceptions.OSError.Errorf("cannot create the manager's pipe: %v", err)
	}
	defer r.Close()
	var addr starlark.Value = starlark.None
	if m.address != (conn.Address{}) {
		addr = addrToValue(m.address)
	}
	target := RunServer
	p := m.rt.NewChildProcess("", target, starlark.Tuple{m.cls.encodeRegistry(), addr, starlark.Bytes(m.authkey),
		builtins.NewConnection(w), initializer, initargs}, false)
	p.SetName(m.cls.name + "-" + builtins.JoinInts(p.Identity(), ":"))
	err = p.Start()
	w.Close()
	if err != nil {
		return err
	}
	address, err := awaitAddress(r, p, m.rt.DecodeContext(thread, nil))
	if err != nil {
		return err
	}
	m.address = address
	st := m.st
	st.mu.Lock()
	st.state, st.proc, st.client = stateStarted, p, m.rt.Managers().Client(address, m.authkey)
	st.mu.Unlock()
	m.rt.AtExit(managerExitPriority, st.shutdown)
	runtime.AddCleanup(m, func(st *managerState) { go st.shutdown() }, st)
	return nil
}

// awaitAddress reads the address the server process reports, or why it
// could not start (an error decoded with dc).
func awaitAddress(r *conn.Conn, p *builtins.Process, dc *builtins.DecodeContext) (conn.Address, error) {
	msg, err := r.RecvBytes(-1)
	if err != nil {
		if cause := stop.Stopped(); cause != nil {
			return conn.Address{}, cause
		}
		p.Child().Join(-1)
		code, _ := p.Child().ExitCode()
		return conn.Address{}, exceptions.ProcessError.Errorf("the manager's server process %s exited with code %d before it started serving", p.Name(), code)
	}
	v, err := builtins.Decode(msg, dc)
	if err != nil {
		return conn.Address{}, builtins.ConnErr(err)
	}
	if ev, ok := v.(*builtins.ErrorValue); ok {
		return conn.Address{}, ev.AsGoError()
	}
	return addrFromValue(v)
}

// def connect(): use the server at the manager's address.
func managerConnect(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	m := b.Receiver().(*Manager)
	if m.address == (conn.Address{}) {
		return nil, exceptions.ValueError.New("connect: the manager has no address")
	}
	client := m.rt.Managers().Client(m.address, m.authkey)
	if _, _, err := client.Call(manager.OpPing, 0, "", nil); err != nil {
		return nil, managerErr(err)
	}
	m.st.mu.Lock()
	m.st.state, m.st.client = stateStarted, client
	m.st.mu.Unlock()
	return starlark.None, nil
}

// def shutdown(): stop the server this manager started; again does nothing.
func managerShutdown(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	b.Receiver().(*Manager).st.shutdown()
	return starlark.None, nil
}

// shutdown asks the server to stop and waits for its process, then
// terminates and finally kills it if it does not exit in time (CPython's
// _finalize_manager). Only the first call does anything.
func (st *managerState) shutdown() {
	st.mu.Lock()
	if st.state != stateStarted || st.proc == nil {
		st.mu.Unlock()
		return
	}
	st.state = stateShutdown
	st.mu.Unlock()
	st.client.Shutdown()
	child := st.proc.Child()
	if !child.Join(st.timeout) {
		child.Terminate()
		if !child.Join(st.timeout) {
			child.Kill()
			child.Join(-1)
		}
	}
	st.proc.Runtime().LiveChildren() // forget the reaped server
}

// def join(timeout=None): wait for the server process to exit.
func managerJoin(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	d, err := value.TimeoutArgs(b, args, kwargs, -1)
	if err != nil {
		return nil, err
	}
	st := b.Receiver().(*Manager).st
	st.mu.Lock()
	p := st.proc
	st.mu.Unlock()
	if p != nil {
		_, err = stop.Wait(p.Child().Done(), d)
	}
	return starlark.None, err
}

// def _number_of_objects(): the server's live referents (for tests).
func managerNumberOfObjects(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	client, err := b.Receiver().(*Manager).startedClient()
	if err != nil {
		return nil, err
	}
	if err := client.Flush(); err != nil {
		return nil, managerErr(err)
	}
	_, payload, err := client.Call(manager.OpCount, 0, "", nil)
	if err != nil {
		return nil, managerErr(err)
	}
	n, _ := binary.Uvarint(payload)
	return starlark.MakeUint64(n), nil
}

// startedClient returns the client of a started or connected manager.
func (m *Manager) startedClient() (*manager.Client, error) {
	m.st.mu.Lock()
	defer m.st.mu.Unlock()
	if m.st.state != stateStarted {
		return nil, exceptions.AssertionError.New("server not yet started")
	}
	return m.st.client, nil
}

// managerCreate is a typeid's method: make a referent, return its proxy.
func managerCreate(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	m := b.Receiver().(*Manager)
	typeid := b.Name()[len(m.cls.name)+1:]
	client, err := m.startedClient()
	if err != nil {
		return nil, err
	}
	payload, err := encodeCallArgs(thread, typeid, args, kwargs)
	if err != nil {
		return nil, err
	}
	kind, reply, err := client.Call(manager.OpCreate, 0, typeid, payload)
	if err != nil {
		return nil, managerErr(err)
	}
	if kind == manager.KindError {
		return nil, remoteError(reply, m.rt.DecodeContext(thread, nil))
	}
	if kind != manager.KindProxy {
		return nil, exceptions.RemoteError.Errorf("the manager answered create(%q) with no proxy", typeid)
	}
	// The proxy class is the client's registration's, as in CPython.
	return proxyFromReply(proxyToken{addr: m.address, authkey: m.authkey, reg: m.rt.Managers(), kinds: m.rt.Config().ShareKinds}, reply, m, m.cls.lookup(typeid))
}

// def get_server(): a Server in this process (serve_forever runs it).
func managerGetServer(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	m := b.Receiver().(*Manager)
	if err := m.checkInitial(); err != nil {
		return nil, err
	}
	ms, err := newManagerServer(builtins.RuntimeOf(thread), m.cls.entries, m.address, m.authkey)
	if err != nil {
		return nil, err
	}
	return &Server{ms: ms}, nil
}

// Server is a manager's server run in this process (CPython's
// managers.Server): .address, .serve_forever().
type Server struct {
	value.Object
	ms *managerServer
}

var _ starlark.HasAttrs = (*Server)(nil)

// String is CPython's default repr.
func (s *Server) String() string {
	return fmt.Sprintf("<multiprocessing.managers.Server object at %p>", s)
}

// Type implements starlark.Value.
func (s *Server) Type() string { return "multiprocessing.managers.Server" }

// Hash hashes by identity.
func (s *Server) Hash() (uint32, error) { return value.IdentityHash(s), nil }

// Attr implements starlark.HasAttrs.
func (s *Server) Attr(name string) (starlark.Value, error) {
	switch name {
	case "address":
		return builtins.AddressValue(s.ms.srv.Address()), nil
	case "serve_forever":
		return starlark.NewBuiltin("serve_forever", serveForever).BindReceiver(s), nil
	}
	return nil, nil
}

// AttrNames implements starlark.HasAttrs.
func (s *Server) AttrNames() []string { return []string{"address", "serve_forever"} }

// def serve_forever(): serve until a client shuts the server down, then
// end the process, as CPython's Server.serve_forever.
func serveForever(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	if err := b.Receiver().(*Server).ms.srv.Serve(); err != nil {
		return nil, builtins.SocketErr(err)
	}
	return nil, &exceptions.ExitError{Code: 0}
}
