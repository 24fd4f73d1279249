// Package base64 is Python's base64 module for Starlark on Go's
// encoding/base64 and encoding/hex.
package base64
