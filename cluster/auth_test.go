package cluster_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
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
	src := squaresOrError(url)
	s := newScript(t, src)
	s.cmd.Env = append(s.cmd.Env, withKey)
	s.start(t)
	expectLines(t, s.wait(t, time.Minute), "[0, 1, 4, 9]")
	if strings.Contains(h.out.String(), "Authorization") {
		t.Errorf("the host was refused:\n%s", h.out.String())
	}
	out := runScript(t, time.Minute, src)
	if !strings.HasPrefix(out, "ConnectionError: ") || !strings.Contains(out, "Authorization Violation") {
		t.Errorf("a script without the key: %q, want an authorization error", out)
	}
}

// squaresOrError is a script that maps square over range(4) on a pool of
// the cluster at url and prints the result, or the error that kept the
// pool from starting.
func squaresOrError(url string) string {
	return `
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

// writeTLSFiles makes a CA, a server certificate for 127.0.0.1 and a
// client certificate, as PEM files in dir, and returns the server's TLS
// configuration (client certificates required).
func writeTLSFiles(t *testing.T, dir string) *tls.Config {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	issue := func(name string, serial int64, usage x509.ExtKeyUsage) tls.Certificate {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			ExtKeyUsage: []x509.ExtKeyUsage{usage}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		keyDER, _ := x509.MarshalECPrivateKey(key)
		writePEM(t, dir+"/"+name+".pem", "CERTIFICATE", der)
		writePEM(t, dir+"/"+name+"-key.pem", "EC PRIVATE KEY", keyDER)
		cert, err := tls.LoadX509KeyPair(dir+"/"+name+".pem", dir+"/"+name+"-key.pem")
		if err != nil {
			t.Fatal(err)
		}
		return cert
	}
	writePEM(t, dir+"/ca.pem", "CERTIFICATE", caDER)
	server := issue("server", 2, x509.ExtKeyUsageServerAuth)
	issue("client", 3, x509.ExtKeyUsageClientAuth)
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return &tls.Config{Certificates: []tls.Certificate{server}, ClientCAs: pool,
		ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12}
}

func writePEM(t *testing.T, file, kind string, der []byte) {
	t.Helper()
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestMutualTLS: on a server that requires client certificates, a worker
// and a script given the certificate files run a pool; a script without
// them cannot connect.
func TestMutualTLS(t *testing.T) {
	dir := t.TempDir()
	cfg := writeTLSFiles(t, dir)
	_, url := startServerWith(t, &server.Options{TLSConfig: cfg, TLSVerify: true, TLSTimeout: 5})
	env := []string{cluster.EnvTLSCert + "=" + dir + "/client.pem", cluster.EnvTLSKey + "=" + dir + "/client-key.pem",
		cluster.EnvTLSCA + "=" + dir + "/ca.pem"}
	startHost(t, url, "h1", 1, env...)
	src := squaresOrError(url)
	s := newScript(t, src)
	s.cmd.Env = append(s.cmd.Env, env...)
	s.start(t)
	expectLines(t, s.wait(t, time.Minute), "[0, 1, 4, 9]")
	out := runScript(t, time.Minute, src)
	if !strings.HasPrefix(out, "ConnectionError: cannot reach the cluster") {
		t.Errorf("a script without a certificate: %q, want a connection error", out)
	}
}
