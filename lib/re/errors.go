package re

import "github.com/mpstar/mpstar/internal/builtins/exceptions"

// errorf returns re.error with a formatted message.
func errorf(format string, args ...any) error { return exceptions.ReError.Errorf(format, args...) }
