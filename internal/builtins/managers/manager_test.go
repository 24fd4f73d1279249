package managers

import (
	"testing"
	"time"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/mpstar/mpstar/internal/builtins"
	"github.com/mpstar/mpstar/internal/builtins/pytypes"
	"github.com/mpstar/mpstar/mpcore/conn"
)

// startTestManager serves SyncManager's typeids in this process and
// returns a started manager using them, as Manager() would with a server
// process.
func startTestManager(t *testing.T) (*builtins.Runtime, *Manager) {
	t.Helper()
	rt := builtins.NewRuntime(builtins.Config{Builtins: func(*builtins.Runtime) starlark.StringDict {
		return starlark.StringDict{"catch": starlark.NewBuiltin("catch", builtins.Catch), "repr": pytypes.ReprBuiltin}
	}})
	authkey := rt.Self().Authkey()
	ms, err := newManagerServer(rt, SyncManager.entries, conn.Address{}, authkey)
	if err != nil {
		t.Fatal(err)
	}
	go ms.srv.Serve()
	t.Cleanup(func() { ms.srv.Close() })
	addr := ms.srv.Address()
	m := &Manager{cls: SyncManager, rt: rt, address: addr, authkey: authkey,
		st: &managerState{state: stateStarted, client: rt.Managers().Client(addr, authkey)}}
	return rt, m
}

// runStarlark runs src with m predeclared, failing the test on error.
func runStarlark(t *testing.T, rt *builtins.Runtime, m *Manager, src string) {
	t.Helper()
	thread := &starlark.Thread{Name: t.Name()}
	rt.Attach(thread)
	env := rt.Predeclared("__main__", "test.star")
	env["m"] = m
	if _, err := starlark.ExecFileOptions(&syntax.FileOptions{Set: true, While: true, TopLevelControl: true, GlobalReassign: true},
		thread, "test.star", src, env); err != nil {
		t.Fatal(builtins.ErrorFromGo(err).Traceback() + err.Error())
	}
}

func TestManagerContainerProxies(t *testing.T) {
	rt, m := startTestManager(t)
	runStarlark(t, rt, m, `
def check(got, want):
    if got != want:
        fail("got %r, want %r" % (got, want))

def err_of(f, *args):
    _, err = catch(f, *args)
    return err and err.type

l = m.list([3, 1, 2])
check(len(l), 3)
check(l[-1], 2)
check(l[0:10:2], [3, 2])
check(l[::-1], [2, 1, 3])
l.sort()
check(str(l), "[1, 2, 3]")
l.reverse()
check(l.count(2), 1)
l += [0]
check(l._getvalue(), [3, 2, 1, 0])
check(l * 2, [3, 2, 1, 0, 3, 2, 1, 0])
l._callmethod("__delitem__", (0,))
check(list(l), [2, 1, 0])
check(err_of(lambda: l[7]), "IndexError")
check(bool(m.list()), False)

d = m.dict(a = 1)
d["b"] = 2
check("b" in d, True)
check(sorted([k for k in d]), ["a", "b"])
check(d.pop("a"), 1)
check(err_of(lambda: d["a"]), "KeyError")
d |= {"c": 3}
check(d.copy(), {"b": 2, "c": 3})
check(d == {"b": 2, "c": 3}, False)
check(repr(d).startswith("<DictProxy object, typeid 'dict' at 0x"), True)

a = m.Array("i", [1, 2, 3])
a[1] = 20
check(list(a), [1, 20, 3])
check(2 in a, False)
v = m.Value("d", 1.5)
v.value = 2.5
check(v.get(), 2.5)
`)
}

// A client blocked in a call (a queue's get) does not stall the others.
func TestManagerBlockedCallDoesNotStall(t *testing.T) {
	rt, m := startTestManager(t)
	v, err := m.Attr("Queue")
	if err != nil {
		t.Fatal(err)
	}
	thread := &starlark.Thread{}
	rt.Attach(thread)
	q, err := starlark.Call(thread, v, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	get, _ := q.(starlark.HasAttrs).Attr("get")
	got := make(chan starlark.Value, 1)
	go func() {
		other := &starlark.Thread{}
		rt.Attach(other)
		x, err := starlark.Call(other, get, starlark.Tuple{starlark.True, starlark.MakeInt(30)}, nil)
		if err != nil {
			t.Error(err)
		}
		got <- x
	}()
	// Meanwhile a plain dict serves other calls, then the put frees get.
	runStarlark(t, rt, m, `
d = m.dict()
for i in range(100):
    d[i] = i
if len(d) != 100:
    fail("len", len(d))
`)
	put, _ := q.(starlark.HasAttrs).Attr("put")
	if _, err := starlark.Call(thread, put, starlark.Tuple{starlark.String("item")}, nil); err != nil {
		t.Fatal(err)
	}
	select {
	case x := <-got:
		if x != starlark.String("item") {
			t.Errorf("get returned %v", x)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("get never returned")
	}
}

func TestManagerRegistryCrossesToServer(t *testing.T) {
	c := &managerClass{name: "M", entries: append([]*typeEntry(nil), SyncManager.entries...)}
	thread := &starlark.Thread{}
	fn := starlark.NewBuiltin("len", nil)
	if _, err := managerRegister(thread, managerClassMethods.Table()["register"].BindReceiver(c), starlark.Tuple{starlark.String("Thing"), fn},
		[]starlark.Tuple{{starlark.String("exposed"), starlark.Tuple{starlark.String("go")}},
			{starlark.String("method_to_typeid"), dictOf("go", "dict")}}); err != nil {
		t.Fatal(err)
	}
	entries, err := decodeRegistry(c.encodeRegistry())
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(syncTypes)+1 {
		t.Fatalf("%d entries", len(entries))
	}
	e := entries[len(entries)-1]
	if e.typeid != "Thing" || e.callable != fn || e.ptype.name != "AutoProxy" || len(e.exposed) != 1 || e.methodToTypeid["go"] != "dict" {
		t.Errorf("decoded %+v", e)
	}
	if d := entries[11]; d.typeid != "dict" || d.sync == nil || d.ptype.name != "DictProxy" {
		t.Errorf("dict entry %+v", d)
	}
}

func dictOf(k, v string) *starlark.Dict {
	d := starlark.NewDict(1)
	d.SetKey(starlark.String(k), starlark.String(v))
	return d
}

func TestManagerLargeValue(t *testing.T) {
	rt, m := startTestManager(t)
	runStarlark(t, rt, m, `
d = m.dict()
keep = m.list([1, 2])
d["big"] = "x" * 100000000
if len(d["big"]) != 100000000:
    fail("the 100 MB value came back with %d bytes" % len(d["big"]))
if keep[1] != 2:
    fail("the list is gone")
`)
}

func TestManagerNestingLimitCountsOnlyTheValue(t *testing.T) {
	rt, m := startTestManager(t)
	runStarlark(t, rt, m, `
deep = []
for i in range(998):
    deep = [deep]  # 999 lists, one inside the other, as on every channel

def depth(x):
    n = 1
    for i in range(2000):
        if x == []:
            return n
        n, x = n + 1, x[0]

d = m.dict()
d["deep"] = deep
l = m.list([deep])
if depth(d["deep"]) != 999 or depth(l[0]) != 999:
    fail("the value came back %d and %d levels deep" % (depth(d["deep"]), depth(l[0])))
_, err = catch(d.__setitem__, "deeper", [[deep]])  # past every channel's limit
if err == None or "nested more than 1000 levels deep" not in str(err):
    fail("a 1000-level value: %s" % err)
`)
}
