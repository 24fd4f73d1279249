package time

// struct_time: Python's broken-down time, a 9-tuple with named fields.

import (
	"fmt"
	"strings"
	"time"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/pytypes"
)

// fieldNames are struct_time's nine tuple fields, in order.
var fieldNames = [9]string{"tm_year", "tm_mon", "tm_mday", "tm_hour", "tm_min", "tm_sec", "tm_wday", "tm_yday", "tm_isdst"}

// StructTime is time.struct_time: year, month (1-12), day, hour, minute,
// second, weekday (Monday is 0), day of the year (1-366) and DST flag,
// with the zone's name and offset when known.
type StructTime struct {
	f      [9]int
	zone   starlark.Value // str or None
	gmtoff starlark.Value // int or None
}

var (
	_ starlark.Indexable  = (*StructTime)(nil)
	_ starlark.HasAttrs   = (*StructTime)(nil)
	_ starlark.Comparable = (*StructTime)(nil)
)

// fromTime breaks t down in its location.
func fromTime(t time.Time, isdst int) *StructTime {
	name, off := t.Zone()
	return &StructTime{
		f:    [9]int{t.Year(), int(t.Month()), t.Day(), t.Hour(), t.Minute(), t.Second(), (int(t.Weekday()) + 6) % 7, t.YearDay(), isdst},
		zone: starlark.String(name), gmtoff: starlark.MakeInt(off),
	}
}

// toTime is the instant the fields name in loc (mktime's reading).
func (st *StructTime) toTime(loc *time.Location) time.Time {
	f := st.f
	return time.Date(f[0], time.Month(f[1]), f[2], f[3], f[4], f[5], 0, loc)
}

// asStructTime accepts a struct_time or a 9-tuple of ints, as strftime
// and mktime do.
func asStructTime(fn string, v starlark.Value) (*StructTime, error) {
	if st, ok := v.(*StructTime); ok {
		return st, nil
	}
	t, ok := v.(starlark.Tuple)
	if !ok {
		return nil, exceptions.TypeError.New("Tuple or struct_time argument required")
	}
	if len(t) != 9 {
		return nil, exceptions.TypeError.Errorf("%s(): illegal time tuple argument", fn)
	}
	st := &StructTime{zone: starlark.None, gmtoff: starlark.None}
	for i, x := range t {
		n, err := starlark.AsInt32(x)
		if err != nil {
			return nil, exceptions.TypeError.Errorf("'%s' object cannot be interpreted as an integer", pytypes.TypeName(x))
		}
		st.f[i] = n
	}
	return st, nil
}

// String is repr(t), as Python's.
func (st *StructTime) String() string {
	parts := make([]string, 9)
	for i, n := range fieldNames {
		parts[i] = fmt.Sprintf("%s=%d", n, st.f[i])
	}
	return "time.struct_time(" + strings.Join(parts, ", ") + ")"
}

// Type implements starlark.Value.
func (st *StructTime) Type() string { return "time.struct_time" }

// Freeze implements starlark.Value: struct_time is immutable.
func (st *StructTime) Freeze() {}

// Truth implements starlark.Value.
func (st *StructTime) Truth() starlark.Bool { return true }

// Hash hashes the fields, as a tuple's.
func (st *StructTime) Hash() (uint32, error) { return st.tuple().Hash() }

func (st *StructTime) tuple() starlark.Tuple {
	t := make(starlark.Tuple, 9)
	for i, n := range st.f {
		t[i] = starlark.MakeInt(n)
	}
	return t
}

// Len implements starlark.Indexable.
func (st *StructTime) Len() int { return 9 }

// Index implements starlark.Indexable.
func (st *StructTime) Index(i int) starlark.Value { return starlark.MakeInt(st.f[i]) }

// Iterate implements starlark.Iterable, so tuple(t) and unpacking work.
func (st *StructTime) Iterate() starlark.Iterator { return st.tuple().Iterate() }

// CompareSameType compares as tuples.
func (st *StructTime) CompareSameType(op syntax.Token, y starlark.Value, depth int) (bool, error) {
	return starlark.CompareDepth(op, st.tuple(), y.(*StructTime).tuple(), depth)
}

// Attr implements starlark.HasAttrs.
func (st *StructTime) Attr(name string) (starlark.Value, error) {
	for i, n := range fieldNames {
		if n == name {
			return starlark.MakeInt(st.f[i]), nil
		}
	}
	switch name {
	case "tm_zone":
		return st.zone, nil
	case "tm_gmtoff":
		return st.gmtoff, nil
	}
	return nil, nil
}

// AttrNames implements starlark.HasAttrs.
func (st *StructTime) AttrNames() []string {
	return append(fieldNames[:], "tm_gmtoff", "tm_zone")
}
