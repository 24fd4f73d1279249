package builtins

// What a run may touch and use, in every one of its processes: the grants
// the builtins check (internal/builtins/perm) and the kernel enforces
// (mpcore/sandbox), and the per-process limits. CPython's multiprocessing
// gives every child the parent's whole authority and no limits.

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"

	"go.starlark.net/starlark"
	"golang.org/x/sys/unix"

	"github.com/mpstar/mpstar/internal/builtins/perm"
	"github.com/mpstar/mpstar/mpcore/sandbox"
)

// confineKey is the Prep.Extra key of the run's Confinement.
const confineKey = "mpstar.confine"

// Confinement is what every process of a run may touch and use. Children
// receive their parent's and can never widen it.
type Confinement struct {
	// Grants are checked before every file, program, network and
	// environment operation.
	Grants sandbox.Grants
	// Kernel confines each process with Landlock too, to the Grants and
	// Needs, so that programs a script runs are held to them as well.
	Kernel bool
	// Needs are what the runtime itself needs of the kernel: its own
	// executable, the script's directory, /proc.
	Needs sandbox.Grants
	// Limits are set in every child process (rlimits), and Steps on every
	// thread.
	Limits sandbox.Limits
	Steps  uint64
	// Inside says the process that starts children is confined by the
	// kernel already, so they start inside its domain.
	Inside bool
}

// Policy is the kernel's form of c.
func (c *Confinement) Policy() sandbox.Policy { return c.Grants.Policy(c.Needs) }

// LimitExceeded names the run's limit that ended a child which exited
// with code (CPython's exitcode), or is "". At its CPU limit a process
// gets SIGXCPU, which kills it (see dieAtCPULimit).
func (c *Confinement) LimitExceeded(code int) string {
	if c.Limits.CPU == 0 || code != -int(unix.SIGXCPU) {
		return ""
	}
	return fmt.Sprintf("limit exceeded: cpu %d s", c.Limits.CPU)
}

// attachConfinement holds thread to the run's grants and step limit.
func (rt *Runtime) attachConfinement(thread *starlark.Thread) {
	perm.Attach(thread, &rt.cfg.Confine.Grants)
	if n := rt.cfg.Confine.Steps; n > 0 {
		thread.SetMaxExecutionSteps(n)
	}
}

// confinementExtra is the Prep.Extra entry that hands c to children:
// none for an unconfined run, which spares every child of the mpstar
// command's default run decoding it.
func confinementExtra(c *Confinement) map[string][]byte {
	if c.unconfined() {
		return nil
	}
	data, err := json.Marshal(c)
	if err != nil {
		panic(err) // grants and limits are plain data
	}
	return map[string][]byte{confineKey: data}
}

// unconfined reports whether c is what a child assumes when its parent
// sends none: everything granted, no kernel layer, no limits.
func (c *Confinement) unconfined() bool {
	return !c.Kernel && c.Limits == (sandbox.Limits{}) && c.Steps == 0 && reflect.DeepEqual(c.Grants, sandbox.AllowAll())
}

// ChildConfinement reads the Confinement a child's parent sent, and applies
// to this process what the kernel enforces: the limits, and Landlock if
// the parent was not confined already (a host process, which confines
// only its children). A child whose parent sent none is confined by
// nothing.
func ChildConfinement(extra map[string][]byte) (Confinement, error) {
	data, ok := extra[confineKey]
	if !ok {
		return Confinement{Grants: sandbox.AllowAll()}, nil
	}
	var c Confinement
	if err := json.Unmarshal(data, &c); err != nil {
		return c, fmt.Errorf("cannot decode the run's permissions: %w", err)
	}
	if err := c.Limits.Apply(); err != nil {
		return c, err
	}
	if c.Kernel && !c.Inside {
		p := c.Policy()
		if _, err := sandbox.Restrict(&p); err != nil && err != sandbox.ErrThreads {
			return c, err
		} else if err == nil {
			c.Inside = true
		}
	}
	return c, nil
}

// ConfineSelf confines the calling process (a main process that is the
// whole run, such as the mpstar command) with the kernel, from now on,
// and records that its children start inside the domain. It reports which
// kernel layers hold. A binary that links cgo can't be confined whole
// (sandbox.ErrThreads): the error says so, and its children still confine
// themselves as they start.
func (c *Confinement) ConfineSelf() (sandbox.Layers, error) {
	if err := c.Limits.Apply(); err != nil {
		return sandbox.Layers{}, err
	}
	p := c.Policy()
	p.Scope = true // every process of the run starts inside this domain
	l, err := sandbox.Restrict(&p)
	if err != nil {
		return l, fmt.Errorf("cannot confine this process with Landlock (its children confine themselves): %w", err)
	}
	c.Inside = true
	return l, nil
}

// RuntimeNeeds are what any mpstar process needs of the kernel to run:
// its executable (children re-execute it), the script and the files it
// loads, /dev/null (children's stdin), and /proc and cgroups (CPU counts).
func RuntimeNeeds(executable string, code []string) sandbox.Grants {
	read := append([]string{"/proc", "/sys/fs/cgroup", "/sys/devices/system/cpu"}, code...)
	if exe, err := os.Executable(); err == nil && executable == "" {
		executable = exe
	}
	return sandbox.Grants{
		Read:  sandbox.Access{List: read},
		Write: sandbox.Access{List: []string{os.DevNull}},
		Run:   sandbox.Access{List: []string{executable}},
	}
}
