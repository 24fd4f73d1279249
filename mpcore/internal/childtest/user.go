package childtest

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// Nobody is the uid and gid of the user "nobody" on Debian-like systems.
const Nobody = 65534

// AsNobody makes cmd, made by Command, run as user nobody, so that a test
// can check what another local user can do. Only root may switch users:
// the test is skipped otherwise. The test binary may sit in a directory
// nobody cannot enter, so a copy in a world-readable directory runs.
func AsNobody(t testing.TB, cmd *exec.Cmd) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("switching to user nobody needs root")
	}
	dir, err := os.MkdirTemp("", "mpstar-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "child")
	if err := copyFile(bin, cmd.Path); err != nil {
		t.Fatal(err)
	}
	cmd.Path, cmd.Dir = bin, dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: Nobody, Gid: Nobody}}
}

// copyFile copies the executable src to dst, readable and executable by all.
func copyFile(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
