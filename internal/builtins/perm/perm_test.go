package perm

import (
	"testing"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/mpcore/sandbox"
)

// A thread with no grants attached is refused everything, with
// PermissionError; one with grants gets what they allow.
func TestChecks(t *testing.T) {
	bare := &starlark.Thread{}
	for name, err := range map[string]error{
		"read": Read(bare, "/etc/hosts"), "write": Write(bare, "/tmp/x"), "run": Run(bare, "true", "/bin/true"),
		"net": Net(bare, "127.0.0.1", 80), "env": Env(bare, "HOME"),
	} {
		if !exceptions.Is(err, exceptions.PermissionError) {
			t.Errorf("%s without grants: %v, want PermissionError", name, err)
		}
	}
	granted := &starlark.Thread{}
	Attach(granted, &sandbox.Grants{Read: sandbox.Access{List: []string{"/etc"}}, Env: sandbox.Access{All: true}})
	if err := Read(granted, "/etc/hosts"); err != nil {
		t.Errorf("granted read: %v", err)
	}
	if err := Env(granted, "HOME"); err != nil {
		t.Errorf("granted env: %v", err)
	}
	if err := Write(granted, "/etc/hosts"); !exceptions.Is(err, exceptions.PermissionError) {
		t.Errorf("write with a read grant: %v, want PermissionError", err)
	}
}
