package time

// strptime: CPython's _strptime, a regular expression per directive in
// the C locale.

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
)

// directiveRE are the patterns of _strptime.TimeRE, made on the first
// strptime: every spawned child would otherwise build them at start-up.
var directiveRE = sync.OnceValue(func() map[byte]string {
	return map[byte]string{
		'd': `(?P<d>3[01]|[12]\d|0[1-9]|[1-9]| [1-9])`,
		'f': `(?P<f>[0-9]{1,6})`,
		'H': `(?P<H>2[0-3]|[0-1]\d|\d)`,
		'I': `(?P<I>1[0-2]|0[1-9]|[1-9])`,
		'G': `(?P<G>\d\d\d\d)`,
		'j': `(?P<j>36[0-6]|3[0-5]\d|[12]\d\d|0[1-9]\d|00[1-9]|[1-9]\d|0[1-9]|[1-9])`,
		'm': `(?P<m>1[0-2]|0[1-9]|[1-9])`,
		'M': `(?P<M>[0-5]\d|\d)`,
		'S': `(?P<S>6[0-1]|[0-5]\d|\d)`,
		'U': `(?P<U>5[0-3]|[0-4]\d|\d)`,
		'W': `(?P<W>5[0-3]|[0-4]\d|\d)`,
		'w': `(?P<w>[0-6])`,
		'u': `(?P<u>[1-7])`,
		'V': `(?P<V>5[0-3]|0[1-9]|[1-4]\d|\d)`,
		'y': `(?P<y>\d\d)`,
		'Y': `(?P<Y>\d\d\d\d)`,
		'z': `(?P<z>[+-]\d\d:?[0-5]\d(:?[0-5]\d(\.\d{1,6})?)?|Z)`,
		'A': `(?P<A>` + names(dayNames, 0) + `)`,
		'a': `(?P<a>` + names(dayNames, 3) + `)`,
		'B': `(?P<B>` + names(monthNames, 0) + `)`,
		'b': `(?P<b>` + names(monthNames, 3) + `)`,
		'p': `(?P<p>am|pm)`,
		'%': `%`,
	}
})

// zoneRE is %Z's pattern: UTC, GMT and the local zone's names, as
// _strptime takes them from time.tzname.
func zoneRE() string {
	alts := []string{"utc", "gmt"}
	year := time.Now().Year()
	for _, m := range []time.Month{time.January, time.July} {
		name, _ := time.Date(year, m, 1, 0, 0, 0, 0, time.Local).Zone()
		alts = append(alts, regexp.QuoteMeta(strings.ToLower(name)))
	}
	return `(?P<Z>` + strings.Join(alts, "|") + `)`
}

// names is an alternation of names (cut to n letters), longest first as
// _strptime sorts them.
func names(list []string, n int) string {
	var out []string
	for _, s := range list {
		if n > 0 {
			s = s[:n]
		}
		out = append(out, strings.ToLower(s))
	}
	return strings.Join(out, "|")
}

// layouts are the locale's composite formats, expanded before matching.
var layouts = map[byte]string{'c': "%a %b %d %H:%M:%S %Y", 'x': "%m/%d/%y", 'X': "%H:%M:%S"}

var reCache sync.Map // format -> *regexp.Regexp

// compileFormat turns a strptime format into a regular expression.
func compileFormat(format string) (*regexp.Regexp, error) {
	if r, ok := reCache.Load(format); ok {
		return r.(*regexp.Regexp), nil
	}
	expanded := format
	for c, l := range layouts {
		expanded = strings.ReplaceAll(expanded, "%"+string(c), l)
	}
	var b strings.Builder
	b.WriteString(`(?i)\A`)
	seen := map[byte]bool{}
	for i := 0; i < len(expanded); i++ {
		c := expanded[i]
		switch {
		case c == '%' && i+1 == len(expanded):
			return nil, exceptions.ValueError.Errorf("stray %% in format '%s'", format)
		case c == '%':
			i++
			d := expanded[i]
			p, ok := directiveRE()[d]
			if d == 'Z' {
				p, ok = zoneRE(), true
			}
			if !ok {
				return nil, exceptions.ValueError.Errorf("'%c' is a bad directive in format '%s'", d, format)
			}
			if seen[d] && d != '%' {
				p = regexp.MustCompile(`\(\?P<\w>`).ReplaceAllString(p, "(?:") // Python refers back; RE2 cannot
			}
			seen[d] = true
			b.WriteString(p)
		case c == ' ' || c == '\t' || c == '\n':
			for i+1 < len(expanded) && strings.IndexByte(" \t\n", expanded[i+1]) >= 0 {
				i++
			}
			b.WriteString(`\s+`)
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	r := regexp.MustCompile(b.String())
	reCache.Store(format, r)
	return r, nil
}

// strptime parses s by format into a struct_time, as CPython's.
func strptime(s, format string) (*StructTime, error) {
	re, err := compileFormat(format)
	if err != nil {
		return nil, err
	}
	m := re.FindStringSubmatchIndex(s)
	if m == nil {
		return nil, exceptions.ValueError.Errorf("time data %s does not match format %s", quote(s), quote(format))
	}
	if m[1] != len(s) {
		return nil, exceptions.ValueError.Errorf("unconverted data remains: %s", s[m[1]:])
	}
	found := map[string]string{}
	for i, name := range re.SubexpNames() {
		if name != "" && m[2*i] >= 0 {
			found[name] = s[m[2*i]:m[2*i+1]]
		}
	}
	return fromFound(found)
}

// quote is Python's repr of a str, for the message.
func quote(s string) string {
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		return `"` + s + `"`
	}
	return "'" + strings.ReplaceAll(s, "'", `\'`) + "'"
}

// fromFound computes the fields from the matched directives, with
// _strptime's defaults (1900-01-01 00:00:00) and checks.
func fromFound(found map[string]string) (*StructTime, error) {
	num := func(k string, def int) int {
		if v, ok := found[k]; ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
		return def
	}
	year := num("Y", 1900)
	if y, ok := found["y"]; ok {
		n, _ := strconv.Atoi(y)
		year = n + 1900
		if n <= 68 {
			year = n + 2000
		}
	}
	month, day := num("m", 1), num("d", 1)
	if b, ok := found["B"]; ok {
		month = indexFold(monthNames, b, 0) + 1
	} else if b, ok := found["b"]; ok {
		month = indexFold(monthNames, b, 3) + 1
	}
	hour := num("H", 0)
	if i, ok := found["I"]; ok {
		hour, _ = strconv.Atoi(i)
		pm := strings.EqualFold(found["p"], "pm")
		switch {
		case hour == 12 && !pm:
			hour = 0
		case hour != 12 && pm:
			hour += 12
		}
	}
	st := &StructTime{zone: starlark.None, gmtoff: starlark.None}
	if j, ok := found["j"]; ok {
		n, _ := strconv.Atoi(j)
		t := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n-1)
		month, day = int(t.Month()), t.Day()
	}
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if t.Day() != day {
		return nil, exceptions.ValueError.New("day is out of range for month")
	}
	st.f = [9]int{year, month, day, hour, num("M", 0), num("S", 0), (int(t.Weekday()) + 6) % 7, t.YearDay(), -1}
	if z, ok := found["z"]; ok {
		st.gmtoff = starlark.MakeInt(parseOffset(z))
	}
	if z, ok := found["Z"]; ok {
		st.zone = starlark.String(z)
		if strings.EqualFold(z, "utc") || strings.EqualFold(z, "gmt") {
			st.f[8] = 0
		}
	}
	return st, nil
}

// indexFold finds a name, cut to n letters, ignoring case.
func indexFold(list []string, s string, n int) int {
	for i, name := range list {
		if n > 0 {
			name = name[:n]
		}
		if strings.EqualFold(name, s) {
			return i
		}
	}
	return 0
}

// parseOffset reads %z's +hh[:]mm[[:]ss] (or Z) as seconds east of UTC.
func parseOffset(z string) int {
	if strings.EqualFold(z, "z") {
		return 0
	}
	digits := strings.ReplaceAll(z[1:], ":", "")
	h, _ := strconv.Atoi(digits[0:2])
	m, _ := strconv.Atoi(digits[2:4])
	s := 0
	if len(digits) >= 6 {
		s, _ = strconv.Atoi(digits[4:6])
	}
	off := h*3600 + m*60 + s
	if z[0] == '-' {
		off = -off
	}
	return off
}
