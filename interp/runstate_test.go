package interp_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"testing"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/interp"
	"github.com/mpstar/mpstar/mpcore/conn"
	"github.com/mpstar/mpstar/mpcore/manager"
)

// signalWriter is a run's stdout that closes printed when the run has
// printed a line.
type signalWriter struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	printed chan struct{}
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.buf.Len() == 0 && bytes.Contains(p, []byte("\n")) {
		close(w.printed)
	}
	return w.buf.Write(p)
}

// Two runs in one host keep their manager state apart: a run that
// connects to a server another run of the host serves in-process gets
// proxies that talk to it as any other client's do. Shared with the
// serving run, a nested proxy would be taken for the server's own and
// print as a bare repr.
func TestRunsKeepTheirManagersApart(t *testing.T) {
	var b [8]byte
	rand.Read(b[:])
	address := starlark.String("\x00mpstar-test-" + hex.EncodeToString(b[:]))
	server := `
load("multiprocessing.managers", "SyncManager")
s = SyncManager(address=ADDRESS, authkey=b"key").get_server()
print("serving")
s.serve_forever()
`
	client := `
load("multiprocessing.managers", "SyncManager")
m = SyncManager(address=ADDRESS, authkey=b"key")
m.connect()
d = m.dict()
d["x"] = m.list([1, 2])
print(str(d["x"]))
`
	opts := func(stdout *signalWriter, stderr *bytes.Buffer) interp.Options {
		o := testOptions
		o.Stdout, o.Stderr = stdout, stderr
		o.Predeclared = starlark.StringDict{"ADDRESS": address}
		for k, v := range testOptions.Predeclared {
			o.Predeclared[k] = v
		}
		return o
	}
	sout, cout := &signalWriter{printed: make(chan struct{})}, &signalWriter{printed: make(chan struct{})}
	var serr, cerr bytes.Buffer
	served := make(chan error, 1)
	go func() { served <- interp.RunString("server.star", server, opts(sout, &serr)) }()
	select {
	case <-sout.printed:
	case err := <-served:
		t.Fatalf("server run ended: %v\n%s", err, &serr)
	}
	if err := interp.RunString("client.star", client, opts(cout, &cerr)); err != nil {
		t.Fatalf("client run: %v\n%s", err, &cerr)
	}
	if got := cout.buf.String(); got != "[1, 2]\n" {
		t.Errorf("client printed %q, want %q", got, "[1, 2]\n")
	}
	// A client's shutdown request ends serve_forever, and with it the run.
	if err := manager.NewClient(conn.UnixAddress(string(address)), []byte("key")).Shutdown(); err != nil {
		t.Errorf("shutdown: %v", err)
	}
	if err := <-served; err != nil {
		t.Errorf("server run: %v\n%s", err, &serr)
	}
}
