// Package csv is Python's csv module for Starlark: readers and writers of
// delimited text with Python's dialect parameters and quoting rules.
//
// Go's encoding/csv is not used: it has no quotechar, escapechar or quoting
// modes, quotes fields that start with a space, and rejects a quote inside
// an unquoted field, where Python's csv accepts it.
package csv
