package subprocess

// CompletedProcess, and the errors a finished or timed-out command raises.

import (
	"fmt"
	"strings"
	"syscall"

	"go.starlark.net/starlark"
	"golang.org/x/sys/unix"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/value"
	"github.com/mpstar/mpstar/lib/internal/pyrepr"
)

// CompletedProcess is what run returns: the command, its exit status and
// what was captured of its output.
type CompletedProcess struct {
	args           starlark.Value
	returncode     int
	stdout, stderr starlark.Value // None unless captured
}

var _ starlark.HasAttrs = (*CompletedProcess)(nil)

// def CompletedProcess(args, returncode, stdout=None, stderr=None)
func newCompletedProcess(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	cp := &CompletedProcess{stdout: starlark.None, stderr: starlark.None}
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "args", &cp.args, "returncode", &cp.returncode,
		"stdout?", &cp.stdout, "stderr?", &cp.stderr); err != nil {
		return nil, err
	}
	return cp, nil
}

// String is CPython's repr, which leaves out output that was not captured.
func (cp *CompletedProcess) String() string {
	fields := []string{"args=" + pyrepr.Repr(cp.args), fmt.Sprintf("returncode=%d", cp.returncode)}
	if cp.stdout != starlark.None {
		fields = append(fields, "stdout="+pyrepr.Repr(cp.stdout))
	}
	if cp.stderr != starlark.None {
		fields = append(fields, "stderr="+pyrepr.Repr(cp.stderr))
	}
	return "CompletedProcess(" + strings.Join(fields, ", ") + ")"
}

// Type implements starlark.Value.
func (cp *CompletedProcess) Type() string { return "CompletedProcess" }

// Freeze implements starlark.Value; the fields are read-only already.
func (cp *CompletedProcess) Freeze() {}

// Truth implements starlark.Value.
func (cp *CompletedProcess) Truth() starlark.Bool { return true }

// Hash fails, as for Python's CompletedProcess with its list args.
func (cp *CompletedProcess) Hash() (uint32, error) {
	return 0, fmt.Errorf("unhashable type: 'CompletedProcess'")
}

// Attr implements starlark.HasAttrs.
func (cp *CompletedProcess) Attr(name string) (starlark.Value, error) {
	switch name {
	case "args":
		return cp.args, nil
	case "returncode":
		return starlark.MakeInt(cp.returncode), nil
	case "stdout":
		return cp.stdout, nil
	case "stderr":
		return cp.stderr, nil
	case "check_returncode":
		return checkReturncode.BindReceiver(cp), nil
	}
	return nil, nil
}

// AttrNames implements starlark.HasAttrs.
func (cp *CompletedProcess) AttrNames() []string {
	return []string{"args", "check_returncode", "returncode", "stderr", "stdout"}
}

var checkReturncode = starlark.NewBuiltin("check_returncode", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	cp := b.Receiver().(*CompletedProcess)
	if cp.returncode != 0 {
		return nil, cp.calledProcessError()
	}
	return starlark.None, nil
})

// calledProcessError is check=True's failure, worded as CPython's.
func (cp *CompletedProcess) calledProcessError() error {
	msg := fmt.Sprintf("Command '%s' returned non-zero exit status %d.", cmdString(cp.args), cp.returncode)
	if cp.returncode < 0 {
		sig := syscall.Signal(-cp.returncode)
		if name := unix.SignalName(sig); name != "" {
			msg = fmt.Sprintf("Command '%s' died with <Signals.%s: %d>.", cmdString(cp.args), name, int(sig))
		} else {
			msg = fmt.Sprintf("Command '%s' died with unknown signal %d.", cmdString(cp.args), int(sig))
		}
	}
	return exceptions.CalledProcessError.WithArgs(msg, starlark.Tuple{starlark.MakeInt(cp.returncode), cp.args})
}

// timeoutExpired is the failure of a command that outlived its timeout.
func timeoutExpired(cmd, timeout starlark.Value) error {
	msg := fmt.Sprintf("Command '%s' timed out after %s seconds", cmdString(cmd), timeout)
	return exceptions.TimeoutExpired.WithArgs(msg, starlark.Tuple{cmd, timeout})
}

// cmdString is str(cmd): a string as it is, anything else as its repr.
func cmdString(cmd starlark.Value) string {
	if s, ok := cmd.(starlark.String); ok {
		return string(s)
	}
	return pyrepr.Repr(cmd)
}
