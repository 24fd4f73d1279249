package file

// input(prompt): a line of standard input.

import (
	"strings"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
)

// Input returns the predeclared input(prompt="") reading from stdin (the
// script's sys.stdin, so the two share one buffer) and writing the prompt
// with writePrompt.
func Input(stdin *File, writePrompt func(string)) *starlark.Builtin {
	return starlark.NewBuiltin("input", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var prompt starlark.Value = starlark.String("")
		if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0, &prompt); err != nil {
			return nil, err
		}
		if s, ok := prompt.(starlark.String); ok {
			writePrompt(string(s))
		} else {
			writePrompt(prompt.String())
		}
		if err := stdin.check(stdin.readable, "not readable"); err != nil {
			return nil, err
		}
		line, err := stdin.readline(-1)
		if err != nil {
			return nil, err
		}
		if len(line) == 0 {
			return nil, exceptions.EOFError.New("EOF when reading a line")
		}
		return starlark.String(strings.TrimSuffix(string(line), "\n")), nil
	})
}
