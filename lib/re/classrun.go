package re

// A fast path for the commonest tokenizing patterns, one character class
// repeated (\w+, [a-z]+, \d+, [^,]+), optionally as the only group: they
// are scanned rune by rune, several times faster than RE2's general
// matcher, with the same matches.

import (
	"regexp/syntax"
	"sort"
	"unicode/utf8"
)

// classRun is a pattern C+ (or (C+)) for a character class C.
type classRun struct {
	ranges []rune    // lo, hi pairs, sorted
	ascii  [2]uint64 // membership of the ASCII characters, a bit each
	group  bool      // the run is group 1
}

// newClassRun returns the fast path for a parsed pattern, or nil.
func newClassRun(re *syntax.Regexp) *classRun {
	re = re.Simplify()
	group := false
	if re.Op == syntax.OpCapture && re.Cap == 1 {
		re, group = re.Sub[0], true
	}
	if re.Op != syntax.OpPlus || re.Flags&syntax.NonGreedy != 0 || re.Sub[0].Op != syntax.OpCharClass {
		return nil
	}
	c := &classRun{ranges: re.Sub[0].Rune, group: group}
	for r := rune(0); r < utf8.RuneSelf; r++ {
		if c.inRanges(r) {
			c.ascii[r/64] |= 1 << (r % 64)
		}
	}
	return c
}

// contains reports whether r is in the class.
func (c *classRun) contains(r rune) bool {
	if r < utf8.RuneSelf {
		return c.ascii[r/64]&(1<<(r%64)) != 0
	}
	return c.inRanges(r)
}

func (c *classRun) inRanges(r rune) bool {
	n := len(c.ranges) / 2
	i := sort.Search(n, func(i int) bool { return c.ranges[2*i+1] >= r })
	return i < n && c.ranges[2*i] <= r
}

// each calls f with each maximal run of class characters in s[pos:end],
// at most limit (no limit if limit <= 0), until f returns false.
func (c *classRun) each(s string, pos, end, limit int, f func(loc []int) bool) {
	count := 0
	for i := pos; i < end && (limit <= 0 || count < limit); {
		r, w := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, w = utf8.DecodeRuneInString(s[i:end])
		}
		if !c.contains(r) {
			i += w
			continue
		}
		start := i
		for i += w; i < end; i += w {
			r, w = rune(s[i]), 1
			if r >= utf8.RuneSelf {
				r, w = utf8.DecodeRuneInString(s[i:end])
			}
			if !c.contains(r) {
				break
			}
		}
		loc := []int{start, i}
		if c.group {
			loc = append(loc, start, i)
		}
		count++
		if !f(loc) {
			return
		}
	}
}
