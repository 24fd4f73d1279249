package manager

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mpstar/mpstar/mpcore/conn"

	"github.com/mpstar/mpstar/mpcore/internal/childtest"
)

// childEnv selects the child role when the test binary re-executes itself.
const childEnv = "MPCORE_MANAGER_TEST_CHILD"

func TestMain(m *testing.M) {
	childtest.Main(m, childEnv, func(role string) int {
		switch role {
		case "hold":
			return holdChild()
		case "intrude":
			return intrudeChild()
		}
		fmt.Fprintf(os.Stderr, "unknown child role %q\n", role)
		return 2
	})
}

var testKey = []byte("test-authkey")

// store is the referent of the test handler: a string map.
type store struct {
	mu sync.Mutex
	m  map[string]string
}

// testHandler serves stores. Methods: "set" (args "k=v"), "get" (args k),
// "new" (a new store, returned as a proxy), "wait" (blocks until release
// is closed), "fail" (a KindError reply).
type testHandler struct {
	release chan struct{}
	waiting chan struct{} // gets a value when a call starts waiting
	closed  chan struct{} // gets a value when a session closes
}

func newTestHandler() *testHandler {
	return &testHandler{release: make(chan struct{}), waiting: make(chan struct{}, 100), closed: make(chan struct{}, 100)}
}

func (h *testHandler) NewSession(p *Peer) Session { return &testSession{h: h, p: p} }

type testSession struct {
	h *testHandler
	p *Peer
}

func (s *testSession) Create(typeid string, args, dst []byte) []byte {
	if typeid != "store" {
		return append(AppendReplyHeader(dst, KindError), "unknown typeid "+typeid...)
	}
	id := s.p.Register(&store{m: map[string]string{}}, typeid)
	return AppendProxyReply(dst, id, typeid, []byte("extra"))
}

func (s *testSession) Call(obj *Object, method string, args, dst []byte) []byte {
	st := obj.Value.(*store)
	switch method {
	case "set":
		k, v, _ := strings.Cut(string(args), "=")
		st.mu.Lock()
		st.m[k] = v
		st.mu.Unlock()
		return AppendReplyHeader(dst, KindReturn)
	case "get":
		st.mu.Lock()
		v := st.m[string(args)]
		st.mu.Unlock()
		return append(AppendReplyHeader(dst, KindReturn), v...)
	case "new":
		return s.Create("store", nil, dst)
	case "double":
		st.mu.Lock()
		v := st.m[string(args)]
		st.mu.Unlock()
		return append(append(AppendReplyHeader(dst, KindReturn), v...), v...)
	case "wait":
		s.h.waiting <- struct{}{}
		<-s.h.release
		return AppendReplyHeader(dst, KindReturn)
	}
	return append(AppendReplyHeader(dst, KindError), "no method "+method...)
}

func (s *testSession) Close() { s.h.closed <- struct{}{} }

// startServer serves h on a fresh AF_UNIX address until the test ends.
func startServer(t *testing.T, h Handler) *Server {
	t.Helper()
	return startServerIn(t, NewRegistry(), h)
}

// startServerIn is startServer with the server recorded in reg.
func startServerIn(t *testing.T, reg *Registry, h Handler) *Server {
	t.Helper()
	s, err := reg.NewServer(conn.Address{}, testKey, h)
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve() }()
	t.Cleanup(func() {
		s.Close()
		select {
		case err := <-served:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Serve did not return after Close")
		}
	})
	return s
}

// create makes a store and returns its id.
func create(t *testing.T, cl *Client) uint64 {
	t.Helper()
	k, payload, err := cl.Call(OpCreate, 0, "store", nil)
	if err != nil || k != KindProxy {
		t.Fatalf("create: kind %d, err %v", k, err)
	}
	id, typeid, extra, err := ParseProxy(payload)
	if err != nil || typeid != "store" || string(extra) != "extra" {
		t.Fatalf("create reply: %d %q %q %v", id, typeid, extra, err)
	}
	return id
}

func call(t *testing.T, cl *Client, id uint64, method, args string) string {
	t.Helper()
	k, payload, err := cl.Call(OpCall, id, method, []byte(args))
	if err != nil || k != KindReturn {
		t.Fatalf("%s(%q): kind %d, payload %q, err %v", method, args, k, payload, err)
	}
	return string(payload)
}

func count(t *testing.T, cl *Client) int {
	t.Helper()
	_, payload, err := cl.Call(OpCount, 0, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	return int(payload[0])
}

// objectsAfterFlush flushes cl's queued releases (Client.Flush) and
// returns how many objects s then holds.
func objectsAfterFlush(t *testing.T, s *Server, cl *Client) int {
	t.Helper()
	if err := cl.Flush(); err != nil {
		t.Fatal(err)
	}
	return s.NumObjects()
}

func TestCallRoundTrip(t *testing.T) {
	s := startServer(t, newTestHandler())
	cl := NewClient(s.Address(), testKey)
	defer cl.Close()
	id := create(t, cl)
	call(t, cl, id, "set", "a=1")
	if got := call(t, cl, id, "get", "a"); got != "1" {
		t.Errorf("get a = %q, want 1", got)
	}
	k, payload, err := cl.Call(OpCall, id, "nope", nil)
	if err != nil || k != KindError || string(payload) != "no method nope" {
		t.Errorf("unknown method: kind %d payload %q err %v", k, payload, err)
	}
	if _, _, err := cl.Call(OpPing, 0, "", nil); err != nil {
		t.Errorf("ping: %v", err)
	}
}

func TestUnknownReferent(t *testing.T) {
	s := startServer(t, newTestHandler())
	cl := NewClient(s.Address(), testKey)
	defer cl.Close()
	_, _, err := cl.Call(OpCall, 999, "get", nil)
	var fe *FailureError
	if !errors.As(err, &fe) || !strings.Contains(fe.Msg, "no object with id 0x3e7") {
		t.Errorf("call on unknown id: %v", err)
	}
	if err := cl.Incref(999); !errors.As(err, &fe) {
		t.Errorf("incref of unknown id: %v", err)
	}
}

func TestReleaseFreesReferent(t *testing.T) {
	s := startServer(t, newTestHandler())
	cl := NewClient(s.Address(), testKey)
	defer cl.Close()
	id := create(t, cl)
	if err := cl.Incref(id); err != nil {
		t.Fatal(err)
	}
	cl.Release(id)
	if n := count(t, cl); n != 1 {
		t.Fatalf("after one of two releases: %d objects, want 1", n)
	}
	cl.Release(id)
	cl.Release(id) // one too many: ignored, not taken from another holder
	if n := objectsAfterFlush(t, s, cl); n != 0 {
		t.Errorf("after releasing all: %d objects, want 0", n)
	}
}

func TestReleaseIsPerHolder(t *testing.T) {
	s := startServer(t, newTestHandler())
	a := NewClient(s.Address(), testKey)
	b := NewClient(s.Address(), testKey)
	defer a.Close()
	defer b.Close()
	id := create(t, a)
	b.Release(id) // b holds nothing: must not free a's object
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := call(t, a, id, "get", "x"); got != "" {
		t.Errorf("get = %q", got)
	}
	if n := s.NumObjects(); n != 1 {
		t.Errorf("%d objects, want 1", n)
	}
}

func TestClosingClientReleasesItsReferences(t *testing.T) {
	h := newTestHandler()
	s := startServer(t, h)
	a := NewClient(s.Address(), testKey)
	id := create(t, a)
	b := NewClient(s.Address(), testKey)
	defer b.Close()
	if err := b.Incref(id); err != nil {
		t.Fatal(err)
	}
	a.Close()
	sessionsClosed(t, h, 1)
	if n := s.NumObjects(); n != 1 {
		t.Errorf("after the creator left: %d objects, want 1", n)
	}
	b.Close()
	sessionsClosed(t, h, 1)
	if n := s.NumObjects(); n != 0 {
		t.Errorf("after both left: %d objects, want 0", n)
	}
}

// sessionsClosed waits until n sessions of h have ended (and released
// their holders' references), for at most 10 s.
func sessionsClosed(t *testing.T, h *testHandler, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		select {
		case <-h.closed:
		case <-time.After(10 * time.Second):
			t.Fatal("a session did not end within 10 s")
		}
	}
}

func TestLocalReferences(t *testing.T) {
	h := newTestHandler()
	reg := NewRegistry()
	s := startServerIn(t, reg, h)
	if reg.Served(s.Address()) != s {
		t.Fatal("Served does not find the server")
	}
	if NewRegistry().Served(s.Address()) != nil {
		t.Fatal("another run's registry finds the server")
	}
	cl := NewClient(s.Address(), testKey)
	id := create(t, cl)
	if err := s.LocalIncref(id); err != nil {
		t.Fatal(err)
	}
	cl.Close()
	sessionsClosed(t, h, 1)
	if o, ok := s.Lookup(id); !ok || o.Typeid != "store" {
		t.Fatal("a referent the server's process holds was freed")
	}
	s.LocalDecref(id)
	if n := s.NumObjects(); n != 0 {
		t.Errorf("%d objects, want 0", n)
	}
}

func TestWrongAuthkey(t *testing.T) {
	s := startServer(t, newTestHandler())
	cl := NewClient(s.Address(), []byte("wrong"))
	_, _, err := cl.Call(OpPing, 0, "", nil)
	var ae *conn.AuthenticationError
	if !errors.As(err, &ae) {
		t.Fatalf("wrong key: %v, want an AuthenticationError", err)
	}
	good := NewClient(s.Address(), testKey) // the server goes on
	defer good.Close()
	create(t, good)
}

func TestMalformedRequests(t *testing.T) {
	s := startServer(t, newTestHandler())
	for _, tc := range []struct {
		name string
		msg  []byte
		want string
	}{
		{"version", []byte{9, byte(OpPing), 0, 0, 0}, "unsupported manager protocol version 9"},
		{"short", []byte{Version}, "too short"},
		{"truncated", []byte{Version, byte(OpCall), 0, 1, 50, 'a'}, "runs past the end"},
		{"releases", []byte{Version, byte(OpCall), 0xff, 0xff, 0xff, 0x7f}, "more than"},
		{"op", AppendRequest(nil, 99, nil, 0, "", nil), "unknown operation 99"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := conn.Dial(s.Address(), testKey)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if err := c.SendBytes(tc.msg); err != nil {
				t.Fatal(err)
			}
			reply, err := c.RecvBytes(-1)
			if err != nil {
				t.Fatal(err)
			}
			k, payload, err := ParseReply(reply)
			if err != nil || k != KindFailure || !strings.Contains(string(payload), tc.want) {
				t.Errorf("reply kind %d %q (%v), want a failure containing %q", k, payload, err, tc.want)
			}
		})
	}
}

func TestBlockedCallDoesNotStallOthers(t *testing.T) {
	h := newTestHandler()
	s := startServer(t, h)
	cl := NewClient(s.Address(), testKey)
	defer cl.Close()
	id := create(t, cl)
	done := make(chan error, 1)
	go func() {
		_, _, err := cl.Call(OpCall, id, "wait", nil)
		done <- err
	}()
	for i := 0; i < 100; i++ { // on another pooled connection meanwhile
		call(t, cl, id, "set", fmt.Sprintf("k=%d", i))
	}
	close(h.release)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("blocked call never finished")
	}
}

func TestConcurrentClients(t *testing.T) {
	s := startServer(t, newTestHandler())
	cl := NewClient(s.Address(), testKey)
	defer cl.Close()
	id := create(t, cl)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			other := NewClient(s.Address(), testKey)
			defer other.Close()
			for i := 0; i < 200; i++ {
				if _, _, err := other.Call(OpCall, id, "set", []byte(fmt.Sprintf("g%d=%d", g, i))); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	for g := 0; g < 4; g++ {
		if got := call(t, cl, id, "get", fmt.Sprintf("g%d", g)); got != "199" {
			t.Errorf("g%d = %q, want 199", g, got)
		}
	}
}

func TestShutdown(t *testing.T) {
	h := newTestHandler()
	reg := NewRegistry()
	s := startServerIn(t, reg, h)
	cl := NewClient(s.Address(), testKey)
	create(t, cl)
	if err := cl.Shutdown(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("server not closed after shutdown")
	}
	if !s.Address().IsAbstract() { // an abstract name has no file to leave
		t.Errorf("a private server listens on %v, not an abstract name", s.Address())
	}
	if _, _, err := cl.Call(OpPing, 0, "", nil); err == nil {
		t.Error("call after shutdown succeeded")
	}
	if reg.Served(s.Address()) != nil {
		t.Error("closed server still registered as served")
	}
}

// addressEnv passes a server's AF_UNIX address to a child (an abstract
// name starts with a NUL, which the environment cannot carry).
func addressEnv(s *Server) string {
	return "MANAGER_ADDR=" + hex.EncodeToString([]byte(s.Address().Path))
}

// childAddress is the address addressEnv passed.
func childAddress() conn.Address {
	path, _ := hex.DecodeString(os.Getenv("MANAGER_ADDR"))
	return conn.UnixAddress(string(path))
}

// intrudeChild opens five connections to the server named by the
// environment and says nothing on them, as a hostile local user would to
// stall a manager. It exits 0 if the server closed every one without
// sending a byte, 1 if it was challenged on any (it would then have held a
// handshake slot).
func intrudeChild() int {
	status := 0
	for i := 0; i < 5; i++ {
		c, err := conn.Dial(childAddress(), nil)
		if err != nil {
			fmt.Println("connect:", err)
			continue
		}
		defer c.Close()
		if msg, err := c.RecvBytes(-1); err == nil {
			fmt.Printf("challenged: %q\n", msg)
			status = 1
		}
	}
	return status
}

// holdChild creates a store on the server named by the environment,
// reports its id on stdout, and waits to be killed.
func holdChild() int {
	cl := NewClient(childAddress(), testKey)
	k, _, err := cl.Call(OpCreate, 0, "store", nil)
	if err != nil || k != KindProxy {
		fmt.Fprintln(os.Stderr, "create:", k, err)
		return 1
	}
	fmt.Println("created")
	select {}
}

func TestKilledClientReleasesItsReferences(t *testing.T) {
	h := newTestHandler()
	s := startServer(t, h)
	cmd := childtest.Command(context.Background(), childEnv, "hold", addressEnv(s))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	line := make([]byte, len("created\n"))
	if _, err := io.ReadFull(stdout, line); err != nil {
		cmd.Process.Kill()
		t.Fatalf("child: %v", err)
	}
	if n := s.NumObjects(); n != 1 {
		t.Errorf("while the child lives: %d objects, want 1", n)
	}
	cmd.Process.Kill()
	sessionsClosed(t, h, 1)
	if n := s.NumObjects(); n != 0 {
		t.Errorf("after SIGKILL of the client: %d objects, want 0", n)
	}
}

func TestParseRequestRoundTrip(t *testing.T) {
	p := AppendRequest(nil, OpCall, []uint64{3, 1 << 40}, 7, "__setitem__", []byte{1, 2, 3})
	var r Request
	if err := ParseRequest(p, &r); err != nil {
		t.Fatal(err)
	}
	if r.Op != OpCall || len(r.Releases) != 2 || r.Releases[1] != 1<<40 || r.ID != 7 ||
		string(r.Name) != "__setitem__" || !bytes.Equal(r.Args, []byte{1, 2, 3}) {
		t.Errorf("parsed %+v", r)
	}
	if _, _, err := ParseReply([]byte{Version, 9}); err == nil {
		t.Error("unknown reply kind accepted")
	}
	if _, _, err := ParseReply([]byte{2, byte(KindReturn)}); !errors.As(err, new(*VersionError)) {
		t.Errorf("other version: %v", err)
	}
}

func TestLargeMessagesOverPipes(t *testing.T) {
	s := startServer(t, newTestHandler())
	cl := NewClient(s.Address(), testKey)
	defer cl.Close()
	id := create(t, cl)
	big := strings.Repeat("x", 1<<20) // takes the socket beside the pipes
	call(t, cl, id, "set", "k="+big)
	if got := call(t, cl, id, "get", "k"); got != big {
		t.Errorf("got %d bytes back, want %d", len(got), len(big))
	}
	call(t, cl, id, "set", "small=1") // the pipes still work after
	if got := call(t, cl, id, "get", "small"); got != "1" {
		t.Errorf("small = %q", got)
	}
}

func TestTCP(t *testing.T) {
	s, err := NewServer(conn.InetAddress("127.0.0.1", 0), testKey, newTestHandler())
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve() }()
	cl := NewClient(s.Address(), testKey)
	id := create(t, cl)
	call(t, cl, id, "set", "a=tcp")
	if got := call(t, cl, id, "get", "a"); got != "tcp" {
		t.Errorf("get a = %q", got)
	}
	if err := cl.Shutdown(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after shutdown")
	}
}

func TestMessageOverLimitKeepsObjects(t *testing.T) {
	const limit = 1 << 20
	s := startServer(t, newTestHandler())
	s.maxMessage = limit
	cl := NewClient(s.Address(), testKey)
	cl.maxMessage = limit
	defer cl.Close()
	id := create(t, cl)
	other := create(t, cl)
	call(t, cl, id, "set", "a=1")
	_, _, err := cl.Call(OpCall, id, "set", []byte("big="+strings.Repeat("x", limit)))
	var tooLarge *MessageTooLargeError
	if !errors.As(err, &tooLarge) || tooLarge.What != "request" || tooLarge.Max != limit || tooLarge.Size <= limit {
		t.Fatalf("request over the limit: %v, want a MessageTooLargeError", err)
	}
	if msg := err.Error(); !strings.Contains(msg, fmt.Sprint(tooLarge.Size)) || !strings.Contains(msg, fmt.Sprint(limit)) {
		t.Errorf("message %q does not name the size and the limit", msg)
	}
	half := strings.Repeat("y", limit/2+1)
	call(t, cl, id, "set", "half="+half)
	k, payload, err := cl.Call(OpCall, id, "double", []byte("half"))
	var fe *FailureError
	if !errors.As(err, &fe) || k != KindFailure || !strings.Contains(fe.Msg, "reply of") || !strings.Contains(fe.Msg, fmt.Sprint(limit)) {
		t.Fatalf("reply over the limit: kind %d, %d bytes, %v; want a failure naming the limit", k, len(payload), err)
	}
	if got := call(t, cl, id, "get", "a"); got != "1" {
		t.Errorf("after the refusals, get a = %q, want 1", got)
	}
	if n := s.NumObjects(); n != 2 {
		t.Errorf("after the refusals: %d objects, want 2", n)
	}
	call(t, cl, other, "set", "b=2") // the other object is still there
}

func TestOversizedFrameDropsConnection(t *testing.T) {
	const limit = 1 << 20
	s := startServer(t, newTestHandler())
	s.maxMessage = limit
	c, err := conn.Dial(s.Address(), testKey)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// A peer that ignores the limit: the server drops the connection
	// without a reply, as the payload is still unread; our send may
	// fail with EPIPE part way.
	c.SendBytes(AppendRequest(nil, OpPing, nil, 0, "", make([]byte, limit)))
	if reply, err := c.RecvBytes(-1); err == nil {
		t.Errorf("after an oversized frame: reply %q, want the connection dropped", reply)
	}
}

func TestOtherUserCannotReachLocalServer(t *testing.T) {
	s := startServer(t, newTestHandler())
	cl := NewClient(s.Address(), testKey)
	defer cl.Close()
	id := create(t, cl)
	cmd := childtest.Command(context.Background(), childEnv, "intrude", addressEnv(s))
	childtest.AsNobody(t, cmd)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("user nobody reached the manager: %v\n%s", err, out)
	}
	call(t, cl, id, "set", "a=still served") // the owner is served as before
	if got := call(t, cl, id, "get", "a"); got != "still served" {
		t.Errorf("get a = %q", got)
	}
}

// intruderRelease releases id over a fresh connection that says hello as
// holderID, as a client that learnt another's holder id would.
func intruderRelease(t *testing.T, s *Server, holderID, id uint64) {
	t.Helper()
	c, err := conn.Dial(s.Address(), testKey)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.SendBytes(AppendRequest(nil, OpHello, nil, holderID, "", nil)); err != nil {
		t.Fatal(err)
	}
	if err := c.SendBytes(AppendRequest(nil, OpDecref, []uint64{id, id}, 0, "", nil)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RecvBytes(-1); err != nil {
		t.Fatal(err)
	}
}

func TestReleaseIsBoundToTheConnection(t *testing.T) {
	s := startServer(t, newTestHandler())
	a := NewClient(s.Address(), testKey)
	defer a.Close()
	id := create(t, a)
	for _, holderID := range []uint64{0, 1, id} {
		intruderRelease(t, s, holderID, id)
	}
	if n := s.NumObjects(); n != 1 {
		t.Fatalf("after another connection's releases: %d objects, want 1", n)
	}
	a.Release(id) // the holder's own release still works
	if n := objectsAfterFlush(t, s, a); n != 0 {
		t.Errorf("after the holder's release: %d objects, want 0", n)
	}
}

func TestReleaseGoesToTheHoldingConnection(t *testing.T) {
	h := newTestHandler()
	s := startServer(t, h)
	cl := NewClient(s.Address(), testKey)
	defer cl.Close()
	id := create(t, cl)
	done := make(chan error, 1)
	go func() { // keeps the creating connection busy
		_, _, err := cl.Call(OpCall, id, "wait", nil)
		done <- err
	}()
	<-h.waiting
	other := create(t, cl) // on a second connection
	cl.Release(other)
	cl.Release(id) // queued on the busy connection
	if n := objectsAfterFlush(t, s, cl); n != 1 {
		t.Errorf("after releasing the idle connection's object: %d objects, want 1", n)
	}
	close(h.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := objectsAfterFlush(t, s, cl); n != 0 {
		t.Errorf("after the busy connection's flush: %d objects, want 0", n)
	}
}

func TestRegistryClients(t *testing.T) {
	s := startServer(t, newTestHandler())
	a, b := NewRegistry(), NewRegistry()
	if a.Client(s.Address(), testKey) != a.Client(s.Address(), testKey) {
		t.Error("one registry made two clients of one server")
	}
	if a.Client(s.Address(), testKey) == b.Client(s.Address(), testKey) {
		t.Error("two registries share a client")
	}
	if a.Client(s.Address(), testKey) == a.Client(s.Address(), []byte("other")) {
		t.Error("one client for two authkeys")
	}
}

// TestPipesPastTheBlockingBoundArePolled: a local client's pipes are served
// in blocking mode up to the bound and in poll mode past it, and calls,
// large ones included, work the same either way; a closed connection
// gives its place back.
func TestPipesPastTheBlockingBoundArePolled(t *testing.T) {
	s, err := NewRegistry().NewServer(conn.Address{}, testKey, newTestHandler())
	if err != nil {
		t.Fatal(err)
	}
	s.maxBlocking = 1
	served := make(chan error, 1)
	go func() { served <- s.Serve() }()
	defer func() {
		s.Close()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	}()
	big := strings.Repeat("x", 1<<20)
	var clients []*Client
	for i := range 3 {
		cl := NewClient(s.Address(), testKey)
		clients = append(clients, cl)
		id := create(t, cl)
		call(t, cl, id, "set", "k="+big)
		if got := call(t, cl, id, "get", "k"); got != big {
			t.Fatalf("client %d got %d bytes back, want %d", i, len(got), len(big))
		}
		if n := s.blocking.Load(); n != 1 {
			t.Fatalf("with %d clients, %d pipes are served in blocking mode, want 1", i+1, n)
		}
	}
	for _, cl := range clients {
		cl.Close()
	}
	deadline := time.Now().Add(10 * time.Second)
	for s.blocking.Load() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d blocking places still taken after every client closed", s.blocking.Load())
		}
		runtime.Gosched()
	}
}
