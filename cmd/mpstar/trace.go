package main

// --trace FILE: the run's events as a Chrome trace-event file.

import (
	"fmt"
	"os"
	"strings"

	"github.com/mpstar/mpstar/interp"
)

// traceFile is where --trace writes: the file is created when the flag is
// read, before the process may be confined, and written when the run ends.
type traceFile struct {
	interp.Trace
	f *os.File
}

// takeTrace consumes --trace FILE (or -trace FILE, --trace=FILE) at the
// front of *args, creating FILE and sending opts's events to the trace
// it returns; it returns nil for any other argument.
func takeTrace(args *[]string, opts *interp.Options) (*traceFile, error) {
	flag, path, hasValue := strings.Cut((*args)[0], "=")
	if flag != "--trace" && flag != "-trace" {
		return nil, nil
	}
	rest := (*args)[1:]
	if !hasValue {
		if len(rest) == 0 {
			return nil, fmt.Errorf("%s needs a file name", flag)
		}
		path, rest = rest[0], rest[1:]
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cannot write the trace: %w", err)
	}
	t := &traceFile{f: f}
	opts.Events = t.Add
	*args = rest
	return t, nil
}

// write writes the trace, once the run has ended.
func (t *traceFile) write() {
	_, err := t.WriteTo(t.f)
	if cerr := t.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "mpstar: cannot write the trace: %v\n", err)
	}
}
