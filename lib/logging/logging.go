package logging

import (
	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/value"

	"github.com/mpstar/mpstar/internal/builtins"
)

// Module is the logging module: the level names, for
// multiprocessing.get_logger().setLevel and log_to_stderr.
//
//	CRITICAL = FATAL = 50
//	ERROR = 40
//	WARNING = WARN = 30
//	INFO = 20
//	DEBUG = 10
//	NOTSET = 0
var Module = value.NewModule("logging", levels)

func levels() starlark.StringDict {
	members := starlark.StringDict{}
	for name, level := range builtins.LevelByName {
		members[name] = starlark.MakeInt(level)
	}
	return members
}
