package sandbox

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Grants say what a run may touch: the in-process checks consult them
// before every file, program, network and environment operation, and
// Policy turns them into the kernel's rules for every process of the run.
// The zero Grants allow nothing.
type Grants struct {
	Read  Access // paths that may be read
	Write Access // paths that may be written (and read)
	Run   Access // programs that may be executed, by name or path
	Net   Access // hosts, host:port pairs or :port, for connect and bind
	Env   Access // environment variable names
}

// Access is one kind of grant: everything, or the listed items.
type Access struct {
	All  bool
	List []string
}

// AllowAll is what the mpstar command grants when no permission flag is
// given, so that ported Python scripts just work.
func AllowAll() Grants {
	all := Access{All: true}
	return Grants{Read: all, Write: all, Run: all, Net: all, Env: all}
}

// Kind names a kind of grant; Flag is the command-line flag for it and
// Option the interp.Options field.
type Kind string

// The kinds of grant.
const (
	KindRead  Kind = "read"
	KindWrite Kind = "write"
	KindRun   Kind = "run"
	KindNet   Kind = "net"
	KindEnv   Kind = "env"
)

// Flag is the command-line flag that grants k.
func (k Kind) Flag() string { return "--allow-" + string(k) }

// DeniedError is an operation refused by the grants. The embedding layer
// raises it as Python's PermissionError.
type DeniedError struct {
	Kind Kind
	What string // the path, program, address or variable name
}

// Error reads as Deno's: what was required, and how to grant it.
func (e *DeniedError) Error() string {
	return fmt.Sprintf("Requires %s access to %q, run again with the %s flag (interp: Options.Permissions.%s)",
		e.Kind, e.What, e.Kind.Flag(), optionName(e.Kind))
}

func optionName(k Kind) string { return strings.ToUpper(string(k[:1])) + string(k[1:]) }

// Parse reads a flag's value ("" for the bare flag, which grants
// everything) into an Access. Paths are made absolute against the working
// directory, as Deno does, so a later chdir does not change them.
func Parse(k Kind, value string, bare bool) (Access, error) {
	if bare {
		return Access{All: true}, nil
	}
	var a Access
	for _, item := range strings.Split(value, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		switch k {
		case KindRead, KindWrite:
			abs, err := filepath.Abs(item)
			if err != nil {
				return Access{}, err
			}
			item = abs
		case KindNet:
			if _, _, err := splitHostPort(item); err != nil {
				return Access{}, fmt.Errorf("%s=%s: %v", k.Flag(), item, err)
			}
		}
		a.List = append(a.List, item)
	}
	return a, nil
}

// Union is what either a or b grants: how grants combine with the needs
// of the runtime itself.
func (a Access) Union(b Access) Access {
	return Access{All: a.All || b.All, List: append(slices.Clip(a.List), b.List...)}
}

// CheckRead refuses reading path unless it is beneath a Read or Write
// grant.
func (g *Grants) CheckRead(path string) error {
	if g.Read.All || g.Write.All || coversPath(g.Read, path) || coversPath(g.Write, path) {
		return nil
	}
	return &DeniedError{KindRead, path}
}

// CheckWrite refuses writing, creating or removing path unless it is
// beneath a Write grant.
func (g *Grants) CheckWrite(path string) error {
	if g.Write.All || coversPath(g.Write, path) {
		return nil
	}
	return &DeniedError{KindWrite, path}
}

// CheckRun refuses executing program (a name looked up in PATH, or a
// path) unless it is granted: by the same name, or by the path it
// resolves to.
func (g *Grants) CheckRun(program, resolved string) error {
	if g.Run.All || slices.Contains(g.Run.List, program) || (resolved != "" && slices.ContainsFunc(g.Run.List, func(grant string) bool {
		return grant == resolved || (!strings.Contains(grant, "/") && grant == filepath.Base(resolved))
	})) {
		return nil
	}
	return &DeniedError{KindRun, program}
}

// CheckNet refuses connecting to or binding host:port unless a Net grant
// names the host (any port), the host and port, or the port (":port").
func (g *Grants) CheckNet(host string, port int) error {
	if g.Net.All {
		return nil
	}
	for _, grant := range g.Net.List {
		h, p, _ := splitHostPort(grant)
		if (h == "" || sameHost(h, host)) && (p == 0 || p == port) {
			return nil
		}
	}
	return &DeniedError{KindNet, joinHostPort(host, port)}
}

// CheckEnv refuses reading or setting the environment variable name
// unless it is granted.
func (g *Grants) CheckEnv(name string) error {
	if g.Env.All || slices.Contains(g.Env.List, name) {
		return nil
	}
	return &DeniedError{KindEnv, name}
}

// coversPath says whether path (made absolute) is one of a's paths or
// beneath one.
func coversPath(a Access, path string) bool {
	abs, err := filepath.Abs(path)
	if err != nil {
		return false
	}
	return slices.ContainsFunc(a.List, func(grant string) bool { return beneath(grant, abs) })
}

// beneath says whether path is dir or inside it.
func beneath(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}

// splitHostPort reads "host", "host:port", ":port" or "[v6]:port".
func splitHostPort(s string) (host string, port int, err error) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().String(), int(ap.Port()), nil
	}
	if i := strings.LastIndexByte(s, ':'); i >= 0 && !strings.Contains(s[:i], ":") {
		port, err := strconv.Atoi(s[i+1:])
		if err != nil || port < 1 || port > 65535 {
			return "", 0, fmt.Errorf("bad port in %q", s)
		}
		return s[:i], port, nil
	}
	return strings.Trim(s, "[]"), 0, nil
}

// sameHost compares host names case-insensitively and addresses by value.
func sameHost(a, b string) bool {
	if x, err := netip.ParseAddr(a); err == nil {
		y, err := netip.ParseAddr(b)
		return err == nil && x.Unmap() == y.Unmap()
	}
	return strings.EqualFold(a, b)
}

func joinHostPort(host string, port int) string {
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return host + ":" + strconv.Itoa(port)
}

// Policy is the kernel's form of g for a process whose runtime itself
// needs needs (its own executable, its socket directory, ...). Hosts can't
// be told apart by Landlock, so TCP is restricted only when every Net
// grant names a port.
func (g *Grants) Policy(needs Grants) Policy {
	read, write, run := g.Read.Union(needs.Read), g.Write.Union(needs.Write), g.Run.Union(needs.Run)
	p := Policy{FS: !(read.All && write.All && run.All)}
	if p.FS {
		p.Read, p.Write = listOrRoot(read), listOrRoot(write)
		p.Exec = programs(run)
	}
	ports, ok := grantPorts(g.Net)
	if ok {
		p.Net, p.ConnectPorts, p.BindPorts = true, ports, ports
	}
	return p
}

// listOrRoot is a's paths, or the whole tree when a grants all.
func listOrRoot(a Access) []string {
	if a.All {
		return []string{"/"}
	}
	return a.List
}

// programs resolves the programs of a Run grant to paths, and adds the
// directories the dynamic loader and shared libraries are executed from.
func programs(a Access) []string {
	if a.All {
		return []string{"/"}
	}
	out := []string{"/lib", "/lib64", "/usr/lib", "/usr/lib64", "/etc/ld.so.cache"}
	for _, prog := range a.List {
		if path, err := lookPath(prog); err == nil {
			out = append(out, path)
		}
	}
	return out
}

// grantPorts lists the ports of a Net grant, and says false when some
// grant allows every port of a host (or everything).
func grantPorts(a Access) ([]uint16, bool) {
	if a.All {
		return nil, false
	}
	var ports []uint16
	for _, grant := range a.List {
		_, port, _ := splitHostPort(grant)
		if port == 0 {
			return nil, false
		}
		ports = append(ports, uint16(port))
	}
	return ports, true
}

// lookPath finds a program as a shell would: a name with a slash is a
// path, any other is looked up in PATH. Symbolic links are resolved,
// since Landlock rules apply to the file itself.
func lookPath(prog string) (string, error) {
	if !strings.Contains(prog, "/") {
		for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
			if st, err := os.Stat(filepath.Join(dir, prog)); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
				prog = filepath.Join(dir, prog)
				break
			}
		}
	}
	return filepath.EvalSymlinks(prog)
}
