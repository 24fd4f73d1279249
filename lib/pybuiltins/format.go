package pybuiltins

// format(value, spec): Python's format() for ints, floats, strings and
// bools, with CPython's output and errors.

import (
	"math"
	"math/big"
	"strconv"
	"strings"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/pytypes"
)

// Format returns format(v, s) as Python computes it.
func Format(v starlark.Value, s string) (string, error) {
	switch v := v.(type) {
	case starlark.Bool:
		if s == "" {
			return v.String(), nil
		}
		n := 0
		if v {
			n = 1
		}
		return formatTyped(starlark.MakeInt(n), s, "bool")
	case starlark.Int, starlark.Float, starlark.String:
		return formatTyped(v, s, pytypes.TypeName(v))
	}
	if s != "" {
		return "", exceptions.TypeError.Errorf("unsupported format string passed to %s.__format__", pytypes.TypeName(v))
	}
	if str, ok := v.(starlark.String); ok {
		return string(str), nil
	}
	return v.String(), nil
}

// defaultTypes are the presentation types an empty type means.
var defaultTypes = map[string]byte{"int": 'd', "bool": 'd', "str": 's'}

func formatTyped(v starlark.Value, s, typeName string) (string, error) {
	sp, err := parseSpec(s, defaultTypes[typeName], typeName)
	if err != nil {
		return "", err
	}
	switch v := v.(type) {
	case starlark.Int:
		return sp.formatInt(v.BigInt(), typeName)
	case starlark.Float:
		return sp.formatFloat(float64(v), typeName)
	}
	return sp.formatString(string(v.(starlark.String)))
}

func unknownCode(c byte, typeName string) error {
	return exceptions.ValueError.Errorf("Unknown format code '%c' for object of type '%s'", c, typeName)
}

// formatString formats a str: only alignment, width and precision apply.
func (sp *spec) formatString(s string) (string, error) {
	switch {
	case sp.typ != 0 && sp.typ != 's':
		return "", unknownCode(sp.typ, "str")
	case sp.sign != 0:
		return "", exceptions.ValueError.New("Sign not allowed in string format specifier")
	case sp.alt:
		return "", exceptions.ValueError.New("Alternate form (#) not allowed in string format specifier")
	case sp.align == '=':
		return "", exceptions.ValueError.New("'=' alignment not allowed in string format specifier")
	}
	if sp.prec >= 0 {
		if r := []rune(s); len(r) > sp.prec {
			s = string(r[:sp.prec])
		}
	}
	return sp.pad("", "", s, '<'), nil
}

// intBases are the presentation types of ints that change the base.
var intBases = map[byte]struct {
	base   int
	prefix string
}{'b': {2, "0b"}, 'o': {8, "0o"}, 'x': {16, "0x"}, 'X': {16, "0X"}, 'd': {10, ""}, 'n': {10, ""}}

// formatInt formats an int.
func (sp *spec) formatInt(n *big.Int, typeName string) (string, error) {
	if sp.typ != 0 && strings.IndexByte("eEfFgG%", sp.typ) >= 0 {
		f, _ := new(big.Float).SetInt(n).Float64()
		return sp.formatFloat(f, typeName)
	}
	if err := sp.checkInt(typeName); err != nil {
		return "", err
	}
	sp.numeric()
	if sp.typ == 'c' {
		if !n.IsInt64() {
			return "", exceptions.OverflowError.New("Python int too large to convert to C long")
		}
		if n.Sign() < 0 || n.Cmp(big.NewInt(0x10ffff)) > 0 {
			return "", exceptions.OverflowError.New("%c arg not in range(0x110000)")
		}
		return sp.pad("", "", string(rune(n.Int64())), '>'), nil
	}
	b := intBases[sp.typ]
	ds := new(big.Int).Abs(n).Text(b.base)
	if sp.typ == 'X' {
		ds = strings.ToUpper(ds)
	}
	prefix := ""
	if sp.alt {
		prefix = b.prefix
	}
	sign := sp.signOf(n.Sign() < 0)
	if sp.grouping != 0 {
		size := 3
		if b.base != 10 {
			size = 4
		}
		min := 0
		if sp.zeroGrouped() {
			min = sp.width - len(sign) - len(prefix)
		}
		ds = group(ds, sp.grouping, size, min)
	}
	return sp.pad(sign, prefix, ds, '>'), nil
}

// checkInt refuses the options an int's presentation type does not take.
func (sp *spec) checkInt(typeName string) error {
	switch {
	case sp.typ != 'c' && intBases[sp.typ].base == 0:
		return unknownCode(sp.typ, typeName)
	case sp.prec >= 0:
		return exceptions.ValueError.New("Precision not allowed in integer format specifier")
	case sp.z:
		return exceptions.ValueError.New("Negative zero coercion (z) not allowed in integer format specifier")
	case sp.typ == 'c' && sp.sign != 0:
		return exceptions.ValueError.New("Sign not allowed with integer format specifier 'c'")
	case sp.typ == 'c' && sp.alt:
		return exceptions.ValueError.New("Alternate form (#) not allowed with integer format specifier 'c'")
	}
	return nil
}

// formatFloat formats a float.
func (sp *spec) formatFloat(f float64, typeName string) (string, error) {
	if sp.typ != 0 && strings.IndexByte("eEfFgGn%", sp.typ) < 0 {
		return "", unknownCode(sp.typ, typeName)
	}
	sp.numeric()
	negative := math.Signbit(f)
	body := sp.floatBody(math.Abs(f))
	if sp.z && negative && strings.Trim(body, "0.%") == "" {
		negative = false
	}
	sign := sp.signOf(negative && !math.IsNaN(f))
	if sp.grouping != 0 && !math.IsInf(f, 0) && !math.IsNaN(f) {
		end := strings.IndexFunc(body, func(r rune) bool { return r < '0' || r > '9' })
		if end < 0 {
			end = len(body)
		}
		min := 0
		if sp.zeroGrouped() {
			min = sp.width - len(sign) - (len(body) - end)
		}
		body = group(body[:end], sp.grouping, 3, min) + body[end:]
	}
	return sp.pad(sign, "", body, '>'), nil
}

// floatBody formats a non-negative float by the presentation type.
func (sp *spec) floatBody(f float64) string {
	prec := sp.prec
	if prec < 0 && sp.typ != 0 {
		prec = 6
	}
	if sp.typ == '%' {
		f *= 100
	}
	var s string
	switch {
	case math.IsInf(f, 0):
		s = "inf"
	case math.IsNaN(f):
		s = "nan"
	case sp.typ == 'e' || sp.typ == 'E':
		s = strconv.FormatFloat(f, 'e', prec, 64)
		if sp.alt && prec == 0 {
			s = strings.Replace(s, "e", ".e", 1)
		}
	case sp.typ == 'f' || sp.typ == 'F' || sp.typ == '%':
		s = strconv.FormatFloat(f, 'f', prec, 64)
		if sp.alt && prec == 0 {
			s += "."
		}
	case sp.typ == 'g' || sp.typ == 'G' || sp.typ == 'n':
		s = general(f, max(prec, 1), sp.alt, false)
	case prec >= 0: // no type, with a precision: 'g' with at least one decimal
		s = general(f, max(prec, 1), sp.alt, true)
	default: // no type or precision: repr
		s = shortest(f)
	}
	if sp.typ == '%' {
		s += "%"
	}
	if sp.typ == 'E' || sp.typ == 'F' || sp.typ == 'G' {
		s = strings.ToUpper(s)
	}
	return s
}

// general formats f with p significant digits as 'g' does: scientific
// when the exponent is below -4 or at least p (p-1 with addDot0, Python's
// rule for the empty presentation type, which also keeps a ".0").
func general(f float64, p int, alt, addDot0 bool) string {
	mant, exp := decimal(strconv.FormatFloat(f, 'e', p-1, 64))
	limit := p
	if addDot0 {
		limit = p - 1
	}
	if !alt {
		mant = strings.TrimRight(mant, "0")
		if mant == "" {
			mant = "0"
		}
	}
	if exp < -4 || exp >= limit {
		return scientific(mant, exp, alt)
	}
	return fixed(mant, exp, alt || addDot0, addDot0)
}

// shortest is repr(f): the shortest digits that read back as f, in fixed
// notation from 1e-4 up to 1e16.
func shortest(f float64) string {
	mant, exp := decimal(strconv.FormatFloat(f, 'e', -1, 64))
	if exp < -4 || exp >= 16 {
		return scientific(mant, exp, false)
	}
	return fixed(mant, exp, true, true)
}

// decimal splits Go's d.ddde±XX into its digits and exponent.
func decimal(s string) (digits string, exp int) {
	m, e, _ := strings.Cut(s, "e")
	exp, _ = strconv.Atoi(e)
	return strings.Replace(m, ".", "", 1), exp
}

// scientific writes digits d.ddd with the exponent as Python does (e+05).
func scientific(digits string, exp int, point bool) string {
	s := digits[:1]
	if len(digits) > 1 || point {
		s += "." + digits[1:]
	}
	sign := "+"
	if exp < 0 {
		sign, exp = "-", -exp
	}
	e := strconv.Itoa(exp)
	if len(e) < 2 {
		e = "0" + e
	}
	return s + "e" + sign + e
}

// fixed places the decimal point in digits for exponent exp; point keeps
// a trailing ".", dot0 makes it ".0".
func fixed(digits string, exp int, point, dot0 bool) string {
	var intPart, frac string
	switch {
	case exp < 0:
		intPart, frac = "0", strings.Repeat("0", -exp-1)+digits
	case exp+1 >= len(digits):
		intPart = digits + strings.Repeat("0", exp+1-len(digits))
	default:
		intPart, frac = digits[:exp+1], digits[exp+1:]
	}
	switch {
	case frac != "":
		return intPart + "." + frac
	case dot0:
		return intPart + ".0"
	case point:
		return intPart + "."
	}
	return intPart
}
