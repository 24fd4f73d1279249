package managers

// The typeids of SyncManager and the plain referents behind some of them
// (CPython: managers.py Namespace, Value, Array, and the registrations at
// the end of the file).

import (
	"fmt"
	"sort"
	"strings"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins"
	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/pytypes"
	"github.com/mpstar/mpstar/internal/builtins/value"
)

// syncType is a typeid SyncManager registers.
type syncType struct {
	typeid       string
	proxy        string // proxy class name
	createMethod bool
	// make builds the referent in the server; nil for typeids only
	// methods return (Iterator, AsyncResult).
	make func(ms *managerServer, thread *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error)
}

// syncTypes are SyncManager's typeids, in CPython's registration order.
var syncTypes = []*syncType{
	{"Queue", "AutoProxy", true, makeQueue},
	{"JoinableQueue", "AutoProxy", true, makeQueue},
	{"Event", "EventProxy", true, makeEvent},
	{"Lock", "AcquirerProxy", true, makeLock(false)},
	{"RLock", "AcquirerProxy", true, makeLock(true)},
	{"Semaphore", "AcquirerProxy", true, makeSemaphore(false)},
	{"BoundedSemaphore", "AcquirerProxy", true, makeSemaphore(true)},
	{"Condition", "ConditionProxy", true, makeCondition},
	{"Barrier", "BarrierProxy", true, makeBarrier},
	{"Pool", "PoolProxy", true, makePool},
	{"list", "ListProxy", true, makeList},
	{"dict", "DictProxy", true, makeDict},
	{"Value", "ValueProxy", true, makeValue},
	{"Array", "ArrayProxy", true, makeArray},
	{"Namespace", "NamespaceProxy", true, makeNamespace},
	{"Iterator", "IteratorProxy", false, nil},
	{"AsyncResult", "AutoProxy", false, nil},
}

// syncTypeByID finds a SyncManager typeid.
func syncTypeByID(typeid string) *syncType {
	for _, t := range syncTypes {
		if t.typeid == typeid {
			return t
		}
	}
	return nil
}

// def Queue(maxsize=0)
func makeQueue(_ *managerServer, _ *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	maxsize := 0
	if err := starlark.UnpackArgs("Queue", args, kwargs, "maxsize?", &maxsize); err != nil {
		return nil, err
	}
	return &threadQueue{maxsize: maxsize}, nil
}

func makeEvent(_ *managerServer, _ *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs("Event", args, kwargs); err != nil {
		return nil, err
	}
	return &threadEvent{}, nil
}

func makeLock(recursive bool) func(*managerServer, *starlark.Thread, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(_ *managerServer, _ *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if err := value.NoArgs("Lock", args, kwargs); err != nil {
			return nil, err
		}
		return &threadLock{recursive: recursive}, nil
	}
}

// def Semaphore(value=1), BoundedSemaphore(value=1)
func makeSemaphore(bounded bool) func(*managerServer, *starlark.Thread, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(_ *managerServer, _ *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		value := 1
		if err := starlark.UnpackArgs("Semaphore", args, kwargs, "value?", &value); err != nil {
			return nil, err
		}
		if value < 0 {
			return nil, exceptions.ValueError.New("semaphore initial value must be >= 0")
		}
		s := &threadSemaphore{value: value, bound: -1}
		if bounded {
			s.bound = value
		}
		return s, nil
	}
}

// def Condition(lock=None): lock is a Lock or RLock proxy of this manager.
func makeCondition(ms *managerServer, _ *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var lockV starlark.Value = starlark.None
	if err := starlark.UnpackArgs("Condition", args, kwargs, "lock?", &lockV); err != nil {
		return nil, err
	}
	if lockV == starlark.None {
		return &threadCondition{lock: &threadLock{recursive: true}}, nil
	}
	if l, ok := ms.referentOf(lockV).(*threadLock); ok {
		return &threadCondition{lock: l}, nil
	}
	return nil, exceptions.TypeError.Errorf("Condition: lock must be a Lock or RLock of the same manager, not %s", lockV.Type())
}

// def Barrier(parties, action=None, timeout=None)
func makeBarrier(ms *managerServer, _ *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var parties int
	var action starlark.Value = starlark.None
	var timeout value.Timeout
	if err := starlark.UnpackArgs("Barrier", args, kwargs, "parties", &parties, "action?", &action, "timeout?", &timeout); err != nil {
		return nil, err
	}
	if parties < 1 {
		return nil, exceptions.ValueError.New("parties must be >= 1")
	}
	return &threadBarrier{parties: parties, action: action, timeout: timeout.Duration(), srv: ms}, nil
}

// makePool makes a multiprocessing.Pool in the server.
func makePool(_ *managerServer, thread *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	pool, ok := builtins.RuntimeOf(thread).LoadModule("multiprocessing")["Pool"]
	if !ok {
		return nil, exceptions.NotImplementedError.New("this mpstar has no multiprocessing.Pool")
	}
	return starlark.Call(thread, pool, args, kwargs)
}

func makeList(_ *managerServer, thread *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return starlark.Call(thread, starlark.Universe["list"], args, kwargs)
}

func makeDict(_ *managerServer, thread *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return starlark.Call(thread, starlark.Universe["dict"], args, kwargs)
}

// def Array(typecode, sequence, lock=True): an array.array.
func makeArray(_ *managerServer, thread *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var typecode, sequence, lock starlark.Value
	if err := starlark.UnpackArgs("Array", args, kwargs, "typecode", &typecode, "sequence", &sequence, "lock?", &lock); err != nil {
		return nil, err
	}
	return starlark.Call(thread, pytypes.ArrayModule.Members()["array"], starlark.Tuple{typecode, sequence}, nil)
}

// managedValue is the referent of SyncManager.Value (CPython's
// managers.Value): a typecode and a value, without C conversion.
type managedValue struct {
	value.Object
	typecode starlark.Value
	value    starlark.Value
}

var _ starlark.HasSetField = (*managedValue)(nil)

// def Value(typecode, value, lock=True)
func makeValue(_ *managerServer, _ *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var typecode, value, lock starlark.Value
	if err := starlark.UnpackArgs("Value", args, kwargs, "typecode", &typecode, "value", &value, "lock?", &lock); err != nil {
		return nil, err
	}
	return &managedValue{typecode: typecode, value: value}, nil
}

func (v *managedValue) Type() string { return "Value" }

func (v *managedValue) String() string { return fmt.Sprintf("Value(%s, %s)", v.typecode, v.value) }

func (v *managedValue) Hash() (uint32, error) { return value.IdentityHash(v), nil }

var managedValueMethods = value.NewMethods(func() map[string]*starlark.Builtin {
	return map[string]*starlark.Builtin{
		"get": starlark.NewBuiltin("get", managedValueGet),
		"set": starlark.NewBuiltin("set", managedValueSet),
	}
})

func (v *managedValue) Attr(name string) (starlark.Value, error) {
	if name == "value" {
		return v.value, nil
	}
	return value.Attr(managedValueMethods, v, name)
}

func (v *managedValue) AttrNames() []string { return value.AttrNames(managedValueMethods, "value") }

func (v *managedValue) SetField(name string, x starlark.Value) error {
	if name != "value" {
		return starlark.NoSuchAttrError(fmt.Sprintf("Value has no attribute %q", name))
	}
	v.value = x
	return nil
}

func managedValueGet(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return b.Receiver().(*managedValue).value, nil
}

func managedValueSet(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &x); err != nil {
		return nil, err
	}
	b.Receiver().(*managedValue).value = x
	return starlark.None, nil
}

// Namespace is multiprocessing.managers.Namespace: a bag of attributes.
type Namespace struct {
	value.Object
	attrs map[string]starlark.Value
}

var _ starlark.HasSetField = (*Namespace)(nil)

// def Namespace(**kwargs)
func makeNamespace(_ *managerServer, _ *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) > 0 {
		return nil, exceptions.TypeError.New("Namespace() takes no positional arguments")
	}
	ns := &Namespace{attrs: map[string]starlark.Value{}}
	for _, kv := range kwargs {
		ns.attrs[string(kv[0].(starlark.String))] = kv[1]
	}
	return ns, nil
}

// NewNamespace is Namespace(**kwargs), a local namespace.
func NewNamespace(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return makeNamespace(nil, thread, args, kwargs)
}

// Type implements starlark.Value.
func (ns *Namespace) Type() string { return "Namespace" }

// String is CPython's repr: Namespace(a=1, b='x'), public names sorted.
func (ns *Namespace) String() string {
	var parts []string
	for _, name := range ns.AttrNames() {
		parts = append(parts, name+"="+ns.attrs[name].String())
	}
	return "Namespace(" + strings.Join(parts, ", ") + ")"
}

// Hash hashes by identity.
func (ns *Namespace) Hash() (uint32, error) { return value.IdentityHash(ns), nil }

// Attr implements starlark.HasAttrs.
func (ns *Namespace) Attr(name string) (starlark.Value, error) { return ns.attrs[name], nil }

// AttrNames returns the public attribute names, sorted.
func (ns *Namespace) AttrNames() []string {
	names := make([]string, 0, len(ns.attrs))
	for name := range ns.attrs {
		if !strings.HasPrefix(name, "_") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// SetField implements starlark.HasSetField.
func (ns *Namespace) SetField(name string, v starlark.Value) error {
	ns.attrs[name] = v
	return nil
}

// delAttr is del ns.name.
func (ns *Namespace) delAttr(name string) error {
	if _, ok := ns.attrs[name]; !ok {
		return exceptions.AttributeError.Errorf("'Namespace' object has no attribute '%s'", name)
	}
	delete(ns.attrs, name)
	return nil
}

// snapshotIterator is the referent of DictProxy.__iter__(): an iterator
// over the keys the dict had then.
type snapshotIterator struct {
	value.Object
	items []starlark.Value
}

func (it *snapshotIterator) Type() string { return "iterator" }

func (it *snapshotIterator) String() string {
	return fmt.Sprintf("<iterator object at %p>", it)
}

func (it *snapshotIterator) Hash() (uint32, error) { return value.IdentityHash(it), nil }

func (it *snapshotIterator) Attr(name string) (starlark.Value, error) {
	if name == "__next__" {
		return starlark.NewBuiltin("__next__", snapshotNext).BindReceiver(it), nil
	}
	return nil, nil
}

func (it *snapshotIterator) AttrNames() []string { return []string{"__next__"} }

func snapshotNext(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	it := b.Receiver().(*snapshotIterator)
	if len(it.items) == 0 {
		return nil, exceptions.StopIteration.New("")
	}
	v := it.items[0]
	it.items = it.items[1:]
	return v, nil
}
