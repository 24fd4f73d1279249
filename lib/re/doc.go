// Package re is Python's re module for Starlark, on Go's regexp (RE2).
//
// Patterns are written in Python's syntax and translated (translate.go):
// RE2 spells some things differently (\Z, \uXXXX, Unicode \d \w \s, VERBOSE,
// a final $) and cannot run others at all (backreferences, lookaround),
// which fail with re.error naming the construct. Matching runs RE2
// programs anchored and started as Python's match, fullmatch and search
// from a position (pattern.go), and iterates with Python 3.7's rules for
// empty matches. The module's doc comment lists the remaining differences.
package re
