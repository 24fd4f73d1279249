// Package hashlib is Python's hashlib module for Starlark on Go's crypto
// packages.
package hashlib
