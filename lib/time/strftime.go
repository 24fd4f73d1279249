package time

// strftime: the C library's directives in the C locale, as CPython's
// time.strftime gives them on Linux (glibc), with glibc's -, _ and 0
// padding flags.

import (
	"strconv"
	"strings"
	"time"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
)

var (
	dayNames   = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
	monthNames = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
)

// composite directives are spelled by others.
var composite = map[byte]string{
	'c': "%a %b %e %H:%M:%S %Y", 'D': "%m/%d/%y", 'F': "%Y-%m-%d", 'r': "%I:%M:%S %p",
	'R': "%H:%M", 'T': "%H:%M:%S", 'x': "%m/%d/%y", 'X': "%H:%M:%S", 'h': "%b",
}

// strftime formats st by format.
func strftime(format string, st *StructTime) (string, error) {
	f := st.f
	if f[1] < 1 || f[1] > 12 {
		return "", exceptions.ValueError.New("month out of range")
	}
	if f[6] < 0 || f[6] > 6 {
		return "", exceptions.ValueError.New("day of week out of range")
	}
	var b strings.Builder
	st.format(&b, format)
	return b.String(), nil
}

func (st *StructTime) format(b *strings.Builder, format string) {
	for i := 0; i < len(format); i++ {
		if format[i] != '%' || i+1 == len(format) {
			b.WriteByte(format[i])
			continue
		}
		start := i
		i++
		flag := byte(0)
		if strings.IndexByte("-_0", format[i]) >= 0 && i+1 < len(format) {
			flag, i = format[i], i+1
		}
		if !st.directive(b, format[i], flag) {
			b.WriteString(format[start : i+1]) // glibc keeps what it does not know
		}
	}
}

// number writes n padded to width by the flag (default padChar).
func number(b *strings.Builder, n, width int, padChar, flag byte) {
	s := strconv.Itoa(n)
	switch flag {
	case '-':
		width = 0
	case '_':
		padChar = ' '
	case '0':
		padChar = '0'
	}
	for k := len(s); k < width; k++ {
		b.WriteByte(padChar)
	}
	b.WriteString(s)
}

// directive writes one directive, reporting false for an unknown one.
func (st *StructTime) directive(b *strings.Builder, c, flag byte) bool {
	f := st.f
	year, mon, mday, hour, min, sec, wday, yday := f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]
	hour12 := (hour+11)%12 + 1
	if s, ok := composite[c]; ok {
		st.format(b, s)
		return true
	}
	switch c {
	case 'a':
		b.WriteString(dayNames[wday][:3])
	case 'A':
		b.WriteString(dayNames[wday])
	case 'b':
		b.WriteString(monthNames[mon-1][:3])
	case 'B':
		b.WriteString(monthNames[mon-1])
	case 'C':
		number(b, year/100, 2, '0', flag)
	case 'd':
		number(b, mday, 2, '0', flag)
	case 'e':
		number(b, mday, 2, ' ', flag)
	case 'H':
		number(b, hour, 2, '0', flag)
	case 'k':
		number(b, hour, 2, ' ', flag)
	case 'I':
		number(b, hour12, 2, '0', flag)
	case 'l':
		number(b, hour12, 2, ' ', flag)
	case 'j':
		number(b, yday, 3, '0', flag)
	case 'm':
		number(b, mon, 2, '0', flag)
	case 'M':
		number(b, min, 2, '0', flag)
	case 'S':
		number(b, sec, 2, '0', flag)
	case 'p', 'P':
		ampm := map[bool]string{true: "PM", false: "AM"}[hour >= 12]
		if c == 'P' {
			ampm = strings.ToLower(ampm)
		}
		b.WriteString(ampm)
	case 'u':
		number(b, wday+1, 1, '0', flag)
	case 'w':
		number(b, (wday+1)%7, 1, '0', flag)
	case 'U':
		number(b, (yday-1+7-(wday+1)%7)/7, 2, '0', flag)
	case 'W':
		number(b, (yday-1+7-wday)/7, 2, '0', flag)
	case 'y':
		number(b, year%100, 2, '0', flag)
	case 'Y':
		number(b, year, 1, '0', flag)
	case 'G', 'g', 'V':
		isoYear, week := st.toTime(time.UTC).ISOWeek()
		switch c {
		case 'G':
			number(b, isoYear, 1, '0', flag)
		case 'g':
			number(b, isoYear%100, 2, '0', flag)
		default:
			number(b, week, 2, '0', flag)
		}
	case 's':
		b.WriteString(strconv.FormatInt(st.toTime(time.Local).Unix(), 10))
	case 'z':
		b.WriteString(st.offset())
	case 'Z':
		if z, ok := st.zone.(starlark.String); ok {
			b.WriteString(string(z))
		} else {
			name, _ := st.toTime(time.Local).Zone()
			b.WriteString(name)
		}
	case 'n':
		b.WriteByte('\n')
	case 't':
		b.WriteByte('\t')
	case '%':
		b.WriteByte('%')
	default:
		return false
	}
	return true
}

// offset is %z: the zone's offset as +hhmm.
func (st *StructTime) offset() string {
	var off int
	if n, ok := st.gmtoff.(starlark.Int); ok {
		off64, _ := n.Int64()
		off = int(off64)
	} else {
		_, off = st.toTime(time.Local).Zone()
	}
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	var b strings.Builder
	b.WriteByte(sign)
	number(&b, off/3600, 2, '0', 0)
	number(&b, off%3600/60, 2, '0', 0)
	return b.String()
}
