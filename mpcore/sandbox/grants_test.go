package sandbox

import (
	"errors"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

func mustParse(t *testing.T, k Kind, value string) Access {
	t.Helper()
	a, err := Parse(k, value, false)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestGrantsPaths(t *testing.T) {
	g := Grants{
		Read:  mustParse(t, KindRead, "/data,/etc/hosts"),
		Write: mustParse(t, KindWrite, "/tmp/out"),
	}
	for _, c := range []struct {
		write bool
		path  string
		ok    bool
	}{
		{false, "/data", true},
		{false, "/data/a/b.txt", true},
		{false, "/data/../etc/passwd", false},
		{false, "/database", false}, // a prefix of the name is not beneath it
		{false, "/etc/hosts", true},
		{false, "/tmp/out/x", true}, // a write grant lets read too
		{true, "/tmp/out/x", true},
		{true, "/data/x", false},
		{true, "/tmp/outside", false},
	} {
		check := g.CheckRead
		if c.write {
			check = g.CheckWrite
		}
		if err := check(c.path); (err == nil) != c.ok {
			t.Errorf("write=%v %s: %v, want allowed=%v", c.write, c.path, err, c.ok)
		}
	}
}

func TestGrantsRunNetEnv(t *testing.T) {
	cat, err := exec.LookPath("cat")
	if err != nil {
		t.Skip("cat is not installed")
	}
	resolved, _ := filepath.EvalSymlinks(cat)
	g := Grants{
		Run: mustParse(t, KindRun, "cat"),
		Net: mustParse(t, KindNet, "127.0.0.1:8000,example.com,:9000"),
		Env: mustParse(t, KindEnv, "HOME"),
	}
	for _, c := range []struct {
		name string
		err  error
		ok   bool
	}{
		{"cat by name", g.CheckRun("cat", resolved), true},
		{"cat by path", g.CheckRun(resolved, resolved), true},
		{"sh", g.CheckRun("sh", "/bin/sh"), false},
		{"granted port", g.CheckNet("127.0.0.1", 8000), true},
		{"other port", g.CheckNet("127.0.0.1", 8001), false},
		{"v4-mapped", g.CheckNet("::ffff:127.0.0.1", 8000), true},
		{"host any port", g.CheckNet("EXAMPLE.com", 443), true},
		{"port any host", g.CheckNet("10.1.2.3", 9000), true},
		{"env granted", g.CheckEnv("HOME"), true},
		{"env other", g.CheckEnv("PATH"), false},
	} {
		if (c.err == nil) != c.ok {
			t.Errorf("%s: %v, want allowed=%v", c.name, c.err, c.ok)
		}
	}
}

func TestDeniedErrorNamesTheFlag(t *testing.T) {
	var g Grants
	err := g.CheckNet("::1", 80)
	var denied *DeniedError
	if !errors.As(err, &denied) || denied.Kind != KindNet {
		t.Fatalf("got %v", err)
	}
	want := `Requires net access to "[::1]:80", run again with the --allow-net flag (interp: Options.Permissions.Net)`
	if err.Error() != want {
		t.Errorf("got %q\nwant %q", err, want)
	}
}

func TestParseRejectsBadPort(t *testing.T) {
	if _, err := Parse(KindNet, "localhost:http", false); err == nil {
		t.Error("a port that is not a number was accepted")
	}
	if a, _ := Parse(KindRead, "", true); !a.All {
		t.Error("the bare flag does not grant everything")
	}
}

func TestPolicyFromGrants(t *testing.T) {
	g := Grants{
		Read: mustParse(t, KindRead, "/data"),
		Net:  mustParse(t, KindNet, "127.0.0.1:8000"),
	}
	needs := Grants{Run: Access{List: []string{"/proc/self/exe"}}}
	p := g.Policy(needs)
	if !p.FS || !slices.Contains(p.Read, "/data") || len(p.Write) != 0 {
		t.Errorf("filesystem policy %+v", p)
	}
	if !p.Net || !slices.Equal(p.ConnectPorts, []uint16{8000}) || !slices.Equal(p.BindPorts, []uint16{8000}) {
		t.Errorf("net policy %+v", p)
	}
	// A host grant without a port can't be told to the kernel: TCP stays
	// open to the kernel, and the in-process check holds alone.
	g.Net = mustParse(t, KindNet, "127.0.0.1:8000,example.com")
	if p := g.Policy(needs); p.Net {
		t.Errorf("net restricted by the kernel with a port-less grant: %+v", p)
	}
	if p := AllowAll(); p.Policy(Grants{}).FS {
		t.Error("AllowAll restricts the filesystem")
	}
}
