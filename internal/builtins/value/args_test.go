package value

import (
	"strings"
	"testing"
	"time"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
)

// unpackTimeout unpacks v as f's timeout parameter, as a builtin does.
func unpackTimeout(t *testing.T, v starlark.Value) Timeout {
	t.Helper()
	var timeout Timeout
	if err := starlark.UnpackArgs("f", starlark.Tuple{v}, nil, "timeout?", &timeout); err != nil {
		t.Fatalf("timeout=%v: %v", v, err)
	}
	return timeout
}

// TestTimeoutReadings checks the three ways the copied APIs read one
// timeout argument.
func TestTimeoutReadings(t *testing.T) {
	for _, c := range []struct {
		arg        starlark.Value
		duration   time.Duration // multiprocessing
		threading  string        // threading (Lock.acquire's default -1): a duration or an error
		limit      string        // a task's time limit: a duration or an error
		shownValue string
	}{
		{starlark.None, -1, "-1ns", "0s", "None"},
		{starlark.MakeInt(2), 2 * time.Second, "2s", "2s", "2"},
		{starlark.Float(0.5), 500 * time.Millisecond, "500ms", "500ms", "0.5"},
		{starlark.MakeInt(0), 0, "0s", "ValueError: f: timeout must be a positive number of seconds or None", "0"},
		{starlark.MakeInt(-1), 0, "-1ns", "ValueError: f: timeout must be a positive number of seconds or None", "-1"},
		{starlark.Float(-2), 0, "ValueError: timeout value must be a non-negative number", "ValueError: f: timeout must be a positive number of seconds or None", "-2.0"},
	} {
		timeout := unpackTimeout(t, c.arg)
		if got := timeout.Duration(); got != c.duration {
			t.Errorf("timeout=%v: Duration %v, want %v", c.arg, got, c.duration)
		}
		if got := outcome(timeout.Threading(true)); got != c.threading {
			t.Errorf("timeout=%v: Threading %s, want %s", c.arg, got, c.threading)
		}
		if got := outcome(timeout.Limit("f", "timeout")); got != c.limit {
			t.Errorf("timeout=%v: Limit %s, want %s", c.arg, got, c.limit)
		}
		if got := timeout.Value().String(); got != c.shownValue {
			t.Errorf("timeout=%v: Value %s, want %s", c.arg, got, c.shownValue)
		}
	}
	if _, err := unpackTimeout(t, starlark.MakeInt(-1)).Threading(false); err == nil || err.Error() != "'timeout' must be a non-negative number" {
		t.Errorf("threading timeout -1 without the -1 default: got %v, want CPython's ValueError", err)
	}
	if got := Seconds(0).Duration(); got != 0 {
		t.Errorf("Seconds(0): Duration %v, want 0 (poll's default does not block)", got)
	}
	if got := unpackTimeout(t, starlark.None).Or(time.Minute); got != time.Minute {
		t.Errorf("None.Or(1m) = %v, want the default", got)
	}
}

// outcome shows a reading's result: the duration, or the error with its
// Python type.
func outcome(d time.Duration, err error) string {
	if err != nil {
		if typ := exceptions.TypeOf(err); typ != nil {
			return typ.Name() + ": " + err.Error()
		}
		return err.Error()
	}
	return d.String()
}

// TestTimeoutRefusesNonNumbers checks that a timeout of the wrong type
// fails in UnpackArgs, naming the function and the parameter.
func TestTimeoutRefusesNonNumbers(t *testing.T) {
	var timeout Timeout
	err := starlark.UnpackArgs("get", starlark.Tuple{starlark.String("1")}, nil, "timeout?", &timeout)
	if err == nil || !strings.Contains(err.Error(), "get: for parameter timeout: must be a number or None, not string") {
		t.Errorf("got %v, want the parameter named", err)
	}
}

// TestArgHelpersSkipUnpackingWithoutArguments checks the no-argument
// calls, the hot paths, get the defaults.
func TestArgHelpersSkipUnpackingWithoutArguments(t *testing.T) {
	b := starlark.NewBuiltin("acquire", nil)
	if block, d, err := BlockArgs(b.Name(), nil, nil); !block || d >= 0 || err != nil {
		t.Errorf("acquire(): got %v, %v, %v, want blocking for ever", block, d, err)
	}
	if block, d, err := BlockArgs(b.Name(), starlark.Tuple{starlark.False, starlark.MakeInt(3)}, nil); block || d != 3*time.Second || err != nil {
		t.Errorf("acquire(False, 3): got %v, %v, %v", block, d, err)
	}
	if d, err := TimeoutArgs(b, nil, nil, time.Hour); d != time.Hour || err != nil {
		t.Errorf("wait(): got %v, %v, want the default", d, err)
	}
	if d, err := TimeoutArgs(b, starlark.Tuple{starlark.None}, nil, time.Hour); d != time.Hour || err != nil {
		t.Errorf("wait(None): got %v, %v, want the default", d, err)
	}
	if n := testing.AllocsPerRun(100, func() { BlockArgs("get", nil, nil) }); n != 0 {
		t.Fatalf("BlockArgs without arguments allocates %v times", n)
	}
}

// TestNoArgs checks CPython's TypeErrors for arguments to a function that
// takes none.
func TestNoArgs(t *testing.T) {
	one := starlark.Tuple{starlark.MakeInt(1)}
	kw := []starlark.Tuple{{starlark.String("x"), starlark.MakeInt(1)}}
	for _, c := range []struct {
		args   starlark.Tuple
		kwargs []starlark.Tuple
		want   string
	}{
		{nil, nil, ""},
		{one, nil, "TypeError: release() takes no arguments (1 given)"},
		{append(one, one...), nil, "TypeError: release() takes no arguments (2 given)"},
		{nil, kw, "TypeError: release() takes no keyword arguments"},
		{one, kw, "TypeError: release() takes no keyword arguments"},
	} {
		got := ""
		if err := NoArgs("release", c.args, c.kwargs); err != nil {
			got = outcome(0, err)
		}
		if got != c.want {
			t.Errorf("release(%v, %v): got %q, want %q", c.args, c.kwargs, got, c.want)
		}
	}
}

func TestBlockIsReadByTruth(t *testing.T) {
	var zero Block
	if !zero.Blocks() {
		t.Error("the zero Block does not block; want the default, blocking")
	}
	for _, c := range []struct {
		v    starlark.Value
		want bool
	}{{starlark.True, true}, {starlark.False, false}, {starlark.MakeInt(0), false}, {starlark.MakeInt(1), true}, {starlark.None, false}, {starlark.String("no"), true}} {
		var b Block
		if err := b.Unpack(c.v); err != nil || b.Blocks() != c.want {
			t.Errorf("block=%v: Blocks() = %v, %v; want %v", c.v, b.Blocks(), err, c.want)
		}
	}
}
