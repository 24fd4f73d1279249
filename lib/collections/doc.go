// Package collections is the part of Python's collections module Starlark
// scripts need most: Counter.
package collections
