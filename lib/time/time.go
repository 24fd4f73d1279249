package time

import (
	"maps"
	"time"

	starlarktime "go.starlark.net/lib/time"
	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins"
	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/value"
	"github.com/mpstar/mpstar/mpcore/stop"
)

var clockStart = time.Now()

// Module is the time module: go.starlark.net's lib/time (now, parse_time,
// time, duration types and constants) with Python's clocks, sleep and
// struct_time functions; Python's time replaces lib/time's:
//
//	def sleep(secs)
//	def time()           # seconds since the epoch, a float
//	def monotonic()      # seconds since an arbitrary start, a float
//	def perf_counter()   # as monotonic
//	def localtime(secs=None) -> struct_time
//	def gmtime(secs=None) -> struct_time
//	def mktime(t) -> float
//	def strftime(format, t=localtime()) -> str
//	def strptime(string, format="%a %b %d %H:%M:%S %Y") -> struct_time
//
// strftime has the C library's directives in the C locale as CPython on
// Linux shows them (with glibc's %-d style flags); strptime is CPython's
// _strptime. A struct_time is a 9-tuple with tm_year ... tm_isdst, tm_zone
// and tm_gmtoff.
var Module = value.NewModule("time", func() starlark.StringDict {
	members := starlark.StringDict{}
	maps.Copy(members, starlarktime.Module.Members)
	members["sleep"] = starlark.NewBuiltin("time.sleep", builtins.Blocking(timeSleep))
	members["time"] = starlark.NewBuiltin("time.time", clockFunc(func() float64 {
		return float64(time.Now().UnixNano()) / 1e9
	}))
	monotonic := clockFunc(func() float64 { return time.Since(clockStart).Seconds() })
	members["monotonic"] = starlark.NewBuiltin("time.monotonic", monotonic)
	members["perf_counter"] = starlark.NewBuiltin("time.perf_counter", monotonic)
	maps.Copy(members, structTimeFuncs())
	return members
})

func clockFunc(now func() float64) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
			return nil, err
		}
		return starlark.Float(now()), nil
	}
}

// def sleep(secs)
func timeSleep(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var secs starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &secs); err != nil {
		return nil, err
	}
	f, ok := starlark.AsFloat(secs)
	if !ok {
		return nil, exceptions.TypeError.Errorf("%s: an int or float is required, not %s", b.Name(), secs.Type())
	}
	if f < 0 {
		return nil, exceptions.ValueError.New("sleep length must be non-negative")
	}
	// The Pool callbacks that arrive meanwhile run during the wait (see
	// mpcore/stop), as CPython's result thread would run them.
	_, err := stop.Wait(nil, time.Duration(f*float64(time.Second)))
	return starlark.None, err
}
