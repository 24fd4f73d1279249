// Package quietlog drops go.starlark.net's start-up complaint when the
// process may not reserve 4 GB of address space (under ulimit -v): the
// interpreter works without the reservation, only its small integers are
// slower, and a line on stderr in every process of a script is noise.
//
// It must be initialised before go.starlark.net/starlark: Go initialises
// packages in import-path order among those ready, and this one, needing
// only the standard library, sorts first.
package quietlog

import (
	"bytes"
	"io"
	"log"
	"os"
)

// complaint identifies the line to drop.
var complaint = []byte("Starlark failed to allocate 4GB address space")

// filter writes every log line to stderr except the complaint.
type filter struct{ w io.Writer }

func (f filter) Write(p []byte) (int, error) {
	if bytes.Contains(p, complaint) {
		return len(p), nil
	}
	return f.w.Write(p)
}

func init() { log.SetOutput(filter{os.Stderr}) }
