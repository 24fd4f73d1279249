package time

// The functions of Python's time module that work with struct_time.

import (
	"math"
	"time"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/pytypes"
)

// structTimeFuncs returns localtime, gmtime, mktime, strftime and
// strptime.
func structTimeFuncs() starlark.StringDict {
	return starlark.StringDict{
		"localtime": starlark.NewBuiltin("time.localtime", brokenDown(false)),
		"gmtime":    starlark.NewBuiltin("time.gmtime", brokenDown(true)),
		"mktime":    starlark.NewBuiltin("time.mktime", mktime),
		"strftime":  starlark.NewBuiltin("time.strftime", strftimeFunc),
		"strptime":  starlark.NewBuiltin("time.strptime", strptimeFunc),
	}
}

// brokenDown makes localtime([secs]) and gmtime([secs]).
func brokenDown(utc bool) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var secs starlark.Value = starlark.None
		if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0, &secs); err != nil {
			return nil, err
		}
		t := time.Now()
		if secs != starlark.None {
			f, ok := starlark.AsFloat(secs)
			if !ok {
				return nil, exceptions.TypeError.Errorf("'%s' object cannot be interpreted as an integer", pytypes.TypeName(secs))
			}
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, exceptions.ValueError.New("Invalid value NaN (not a number)")
			}
			t = time.Unix(int64(math.Floor(f)), 0)
		}
		if utc {
			st := fromTime(t.UTC(), 0)
			st.zone = starlark.String("GMT") // glibc's name, which CPython shows
			return st, nil
		}
		t = t.Local()
		return fromTime(t, isDST(t)), nil
	}
}

// isDST is tm_isdst: 1 when t's offset is not its zone's standard one.
func isDST(t time.Time) int {
	if t.IsDST() {
		return 1
	}
	return 0
}

// localOrNow returns the struct_time argument, or localtime() if none.
func localOrNow(fn string, v starlark.Value) (*StructTime, error) {
	if v == nil {
		t := time.Now()
		return fromTime(t, isDST(t)), nil
	}
	return asStructTime(fn, v)
}

// def mktime(t): seconds since the epoch of a local struct_time.
func mktime(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var v starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &v); err != nil {
		return nil, err
	}
	st, err := asStructTime("mktime", v)
	if err != nil {
		return nil, err
	}
	return starlark.Float(st.toTime(time.Local).Unix()), nil
}

// def strftime(format, t=localtime())
func strftimeFunc(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var format string
	var v starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &format, &v); err != nil {
		return nil, err
	}
	st, err := localOrNow("strftime", v)
	if err != nil {
		return nil, err
	}
	s, err := strftime(format, st)
	if err != nil {
		return nil, err
	}
	return starlark.String(s), nil
}

// def strptime(string, format="%a %b %d %H:%M:%S %Y")
func strptimeFunc(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var s string
	format := "%a %b %d %H:%M:%S %Y"
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &s, &format); err != nil {
		return nil, err
	}
	return strptime(s, format)
}
