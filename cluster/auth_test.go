package cluster_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"

	"github.com/mpstar/mpstar/cluster"
)

// TestNKeyAuth: on a server that requires nkey authentication, a worker
// and a script holding the seed serve and run a pool; a script without
// it cannot even publish its code.
func TestNKeyAuth(t *testing.T) {
	user, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := user.PublicKey()
	seed, _ := user.Seed()
	seedFile := t.TempDir() + "/user.nk"
	if err := os.WriteFile(seedFile, seed, 0o600); err != nil {
		t.Fatal(err)
	}
	_, url := startServerWith(t, &server.Options{Nkeys: []*server.NkeyUser{{Nkey: pub}}})
	withKey := cluster.EnvNKey + "=" + seedFile
	h := startHost(t, url, "h1", 1, withKey)
	src := `
load("multiprocessing", "Pool")

def square(x):
    return x * x

if __name__ == "__main__":
    pool, err = catch(Pool, 1, cluster="` + url + `")
    if err:
        print(err)
    else:
        print(pool.map(square, range(4)))
        pool.terminate()
`
	s := newScript(t, src)
	s.cmd.Env = append(s.cmd.Env, withKey)
	s.start(t)
	expectLines(t, s.wait(t, time.Minute), "[0, 1, 4, 9]")
	if strings.Contains(h.out.String(), "Authorization") {
		t.Errorf("the host was refused:\n%s", h.out.String())
	}
	out := runScript(t, time.Minute, src)
	if !strings.Contains(out, "Authorization Violation") {
		t.Errorf("a script without the key: %q, want an authorization error", out)
	}
}

// TestTrust: a host started with -trust KEY runs a pool whose code was
// signed with KEY's seed, and refuses an unsigned one without running any
// of its code.
func TestTrust(t *testing.T) {
	key, err := nkeys.CreateAccount()
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := key.PublicKey()
	seed, _ := key.Seed()
	seedFile := t.TempDir() + "/signing.nk"
	if err := os.WriteFile(seedFile, seed, 0o600); err != nil {
		t.Fatal(err)
	}
	_, url := startServer(t)
	h := startHost(t, url, "h1", 1, "MPSTAR_TEST_TRUST="+pub)
	src := `
load("multiprocessing", "Pool")

def square(x):
    print("ran", x)
    return x * x

if __name__ == "__main__":
    pool = Pool(1, cluster="` + url + `")
    r = pool.map_async(square, range(4))
    print("submitted")
    print(r.get())
`
	s := newScript(t, src)
	s.cmd.Env = append(s.cmd.Env, cluster.EnvSigningKey+"="+seedFile)
	s.start(t)
	expectLines(t, s.wait(t, time.Minute), "submitted", "[0, 1, 4, 9]")

	unsigned := newScript(t, src)
	lines := unsigned.lines(t)
	unsigned.start(t)
	awaitLine(t, unsigned, lines, "submitted")
	h.await(t, "refused: its code is not signed")
	if out := h.out.String(); strings.Count(out, "ran ") != 4 {
		t.Errorf("the host ran code it should have refused:\n%s", out)
	}
}
