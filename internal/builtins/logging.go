package builtins

// multiprocessing's logger (CPython: util.py get_logger, log_to_stderr and
// the SUBDEBUG/SUBWARNING levels; the pieces of Lib/logging it relies on:
// Logger levels, the stderr StreamHandler, the last-resort handler). The
// logging module of level names is lib/logging.
//
//	def get_logger():              # the process's logger, named "multiprocessing"
//	def log_to_stderr(level=None): # add a stderr handler; returns the logger
//	logger.debug/info/warning/error/critical(msg, *args)
//	logger.log(level, msg, *args), logger.setLevel(level),
//	logger.getEffectiveLevel(), logger.isEnabledFor(level), .name, .level
//
// Each line reaches stderr with one write, so lines of several processes
// never interleave within a line. A child starts with its parent's
// handler and effective level, as CPython's spawn preparation data carries
// log_to_stderr and log_level.

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"sync"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/value"
	"github.com/mpstar/mpstar/internal/pyquote"
)

// The logging levels, as Python's logging and multiprocessing.util.
const (
	LevelNotset     = 0
	LevelSubdebug   = 5
	LevelDebug      = 10
	LevelInfo       = 20
	LevelSubwarning = 25
	LevelWarning    = 30
	LevelError      = 40
	LevelCritical   = 50
)

// levelNames are the names Python's logging knows. SUBDEBUG and SUBWARNING
// are not among them: CPython prints those as "Level 5" and "Level 25".
var levelNames = map[int]string{
	LevelCritical: "CRITICAL", LevelError: "ERROR", LevelWarning: "WARNING",
	LevelInfo: "INFO", LevelDebug: "DEBUG", LevelNotset: "NOTSET",
}

// LevelByName are the level names setLevel accepts, as logging._nameToLevel.
var LevelByName = map[string]int{
	"CRITICAL": LevelCritical, "FATAL": LevelCritical, "ERROR": LevelError, "WARN": LevelWarning,
	"WARNING": LevelWarning, "INFO": LevelInfo, "DEBUG": LevelDebug, "NOTSET": LevelNotset,
}

// logExtraKey names the logger state children receive in Prep.Extra.
const logExtraKey = "logging"

// Logger is the multiprocessing logger of one runtime.
type Logger struct {
	value.Object
	rt *Runtime

	mu       sync.Mutex
	level    int // 0 = NOTSET: the root logger's WARNING applies
	handlers int // stderr handlers added by log_to_stderr
}

var _ starlark.HasAttrs = (*Logger)(nil)

// Logger returns the runtime's multiprocessing logger, creating it on first
// use with the state its parent process passed on, if any.
func (rt *Runtime) Logger() *Logger {
	rt.mu.Lock()
	lg := rt.logger
	rt.mu.Unlock()
	if lg != nil {
		return lg
	}
	lg = &Logger{rt: rt}
	if extra := rt.ParentExtra(logExtraKey); len(extra) > 0 {
		lg.handlers = int(extra[0])
		if level, n := binary.Varint(extra[1:]); n > 0 {
			lg.level = int(level)
		}
	}
	rt.mu.Lock()
	if rt.logger != nil { // made meanwhile by another goroutine
		lg = rt.logger
		rt.mu.Unlock()
		return lg
	}
	rt.logger = lg
	rt.mu.Unlock()
	rt.AtExit(math.MinInt, lg.logShutdown)
	rt.AtExit(math.MaxInt, lg.logLastExit)
	lg.passOn()
	return lg
}

// Log writes one of the runtime's own messages ("process shutting down")
// at level, as CPython's util.info and friends: only if this process has a
// logger (the script asked for one, or the parent passed one on) and the
// level is enabled.
func (rt *Runtime) Log(level int, format string, args ...any) {
	rt.mu.Lock()
	has := rt.logger != nil
	rt.mu.Unlock()
	if !has && rt.ParentExtra(logExtraKey) == nil {
		return
	}
	lg := rt.Logger()
	if lg.IsEnabledFor(level) {
		lg.emit(level, fmt.Sprintf(format, args...))
	}
}

// passOn records the logger state children start with: whether it logs to
// stderr and its effective level (CPython's log_to_stderr and log_level).
func (lg *Logger) passOn() {
	lg.mu.Lock()
	extra := binary.AppendVarint([]byte{byte(min(lg.handlers, 1))}, int64(lg.effectiveLevel()))
	lg.mu.Unlock()
	lg.rt.SetChildExtra(logExtraKey, extra)
}

// logShutdown is the start of CPython's _exit_function: it runs before
// the runtime joins the children.
func (lg *Logger) logShutdown() {
	lg.rt.Log(LevelInfo, "process shutting down")
	lg.rt.Log(LevelDebug, `running all "atexit" finalizers with priority >= 0`)
	kids := lg.rt.LiveChildren()
	for _, p := range kids {
		if p.daemon {
			lg.rt.Log(LevelInfo, "calling terminate() for daemon %s", p.name)
		}
	}
	for _, p := range kids {
		lg.rt.Log(LevelInfo, "calling join() for process %s", p.name)
	}
}

// logLastExit is the end of CPython's _exit_function.
func (lg *Logger) logLastExit() {
	lg.rt.Log(LevelDebug, `running the remaining "atexit" finalizers`)
}

// effectiveLevel is Logger.getEffectiveLevel; lg.mu must be held.
func (lg *Logger) effectiveLevel() int {
	if lg.level == LevelNotset {
		return LevelWarning
	}
	return lg.level
}

// IsEnabledFor reports whether a message at level would be handled.
func (lg *Logger) IsEnabledFor(level int) bool {
	lg.mu.Lock()
	defer lg.mu.Unlock()
	return level >= lg.effectiveLevel()
}

// emit writes one formatted record: one line per stderr handler, or with
// none, the bare message for WARNING and above (logging.lastResort).
func (lg *Logger) emit(level int, msg string) {
	lg.mu.Lock()
	handlers := lg.handlers
	lg.mu.Unlock()
	if handlers == 0 {
		if level >= LevelWarning {
			lg.rt.WriteStderr(msg + "\n")
		}
		return
	}
	line := "[" + levelName(level) + "/" + lg.rt.self.name + "] " + msg + "\n"
	for range handlers {
		lg.rt.WriteStderr(line)
	}
}

// levelName is logging.getLevelName for a number.
func levelName(level int) string {
	if name, ok := levelNames[level]; ok {
		return name
	}
	return "Level " + strconv.Itoa(level)
}

// GetLogger implements get_logger()
func GetLogger(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return RuntimeOf(thread).Logger(), nil
}

// LogToStderr implements log_to_stderr(level=None)
func LogToStderr(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var level starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "level?", &level); err != nil {
		return nil, err
	}
	lg := RuntimeOf(thread).Logger()
	lg.mu.Lock()
	lg.handlers++
	lg.mu.Unlock()
	if level.Truth() { // CPython: "if level: logger.setLevel(level)"
		if err := lg.setLevel(level); err != nil {
			return nil, err
		}
	}
	lg.passOn()
	return lg, nil
}

// setLevel is Logger.setLevel: an int, or a level name.
func (lg *Logger) setLevel(v starlark.Value) error {
	level, err := levelArg(v)
	if err != nil {
		return err
	}
	lg.mu.Lock()
	lg.level = level
	lg.mu.Unlock()
	lg.passOn()
	return nil
}

// levelArg is logging._checkLevel.
func levelArg(v starlark.Value) (int, error) {
	switch x := v.(type) {
	case starlark.Int:
		n, ok := x.Int64()
		if ok && n >= math.MinInt32 && n <= math.MaxInt32 {
			return int(n), nil
		}
	case starlark.String:
		if n, ok := LevelByName[string(x)]; ok {
			return n, nil
		}
		return 0, exceptions.ValueError.Errorf("Unknown level: %s", pyquote.Str(string(x)))
	}
	return 0, exceptions.TypeError.Errorf("Level not an integer or a valid string: %s", v)
}

// Type implements starlark.Value.
func (lg *Logger) Type() string { return "Logger" }

// Hash hashes by identity.
func (lg *Logger) Hash() (uint32, error) { return value.IdentityHash(lg), nil }

// String is repr(logger), as logging.Logger.__repr__.
func (lg *Logger) String() string {
	lg.mu.Lock()
	defer lg.mu.Unlock()
	return "<Logger multiprocessing (" + levelName(lg.effectiveLevel()) + ")>"
}

var loggerMethods = value.NewMethods(func() map[string]*starlark.Builtin {
	return map[string]*starlark.Builtin{
		"debug":             starlark.NewBuiltin("debug", logAt(LevelDebug)),
		"info":              starlark.NewBuiltin("info", logAt(LevelInfo)),
		"warning":           starlark.NewBuiltin("warning", logAt(LevelWarning)),
		"error":             starlark.NewBuiltin("error", logAt(LevelError)),
		"critical":          starlark.NewBuiltin("critical", logAt(LevelCritical)),
		"log":               starlark.NewBuiltin("log", loggerLog),
		"setLevel":          starlark.NewBuiltin("setLevel", loggerSetLevel),
		"getEffectiveLevel": starlark.NewBuiltin("getEffectiveLevel", loggerGetEffectiveLevel),
		"isEnabledFor":      starlark.NewBuiltin("isEnabledFor", loggerIsEnabledFor),
	}
})

// Attr implements starlark.HasAttrs.
func (lg *Logger) Attr(name string) (starlark.Value, error) {
	switch name {
	case "name":
		return starlark.String("multiprocessing"), nil
	case "level":
		lg.mu.Lock()
		defer lg.mu.Unlock()
		return starlark.MakeInt(lg.level), nil
	}
	return value.Attr(loggerMethods, lg, name)
}

// AttrNames implements starlark.HasAttrs.
func (lg *Logger) AttrNames() []string {
	return value.AttrNames(loggerMethods, "level", "name")
}

func receiverLogger(b *starlark.Builtin) *Logger { return b.Receiver().(*Logger) }

// logAt returns the method logging at a fixed level: def info(msg, *args).
func logAt(level int) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if len(args) == 0 || len(kwargs) != 0 {
			return nil, fmt.Errorf("%s: want (msg, *args)", b.Name())
		}
		receiverLogger(b).record(level, args[0], args[1:])
		return starlark.None, nil
	}
}

// def log(level, msg, *args)
func loggerLog(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) < 2 || len(kwargs) != 0 {
		return nil, fmt.Errorf("%s: want (level, msg, *args)", b.Name())
	}
	level, ok := args[0].(starlark.Int)
	if !ok {
		return nil, exceptions.TypeError.New("level must be an integer")
	}
	n, err := levelArg(level)
	if err != nil {
		return nil, err
	}
	receiverLogger(b).record(n, args[1], args[2:])
	return starlark.None, nil
}

// record formats and emits a message if its level is enabled: msg % args
// when there are args (a lone dict argument is used as the mapping), as
// LogRecord.getMessage. A format error is reported on stderr and the
// script goes on, as logging's handleError.
func (lg *Logger) record(level int, msg starlark.Value, args starlark.Tuple) {
	if !lg.IsEnabledFor(level) {
		return
	}
	text, err := formatMessage(msg, args)
	if err != nil {
		lg.rt.WriteStderr(fmt.Sprintf("--- Logging error ---\nTypeError: %v\nMessage: %s\nArguments: %s\n", err, msg, args))
		return
	}
	lg.emit(level, text)
}

// formatMessage is LogRecord.getMessage.
func formatMessage(msg starlark.Value, args starlark.Tuple) (string, error) {
	text, ok := starlark.AsString(msg)
	if !ok {
		text = msg.String()
	}
	if len(args) == 0 {
		return text, nil
	}
	var operand starlark.Value = args
	if d, ok := args[0].(*starlark.Dict); ok && len(args) == 1 && d.Len() > 0 {
		operand = d
	}
	v, err := starlark.Binary(syntax.PERCENT, starlark.String(text), operand)
	if err != nil {
		return "", err
	}
	s, _ := starlark.AsString(v)
	return s, nil
}

// def setLevel(level)
func loggerSetLevel(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var level starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &level); err != nil {
		return nil, err
	}
	return starlark.None, receiverLogger(b).setLevel(level)
}

// def getEffectiveLevel()
func loggerGetEffectiveLevel(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	lg := receiverLogger(b)
	lg.mu.Lock()
	defer lg.mu.Unlock()
	return starlark.MakeInt(lg.effectiveLevel()), nil
}

// def isEnabledFor(level)
func loggerIsEnabledFor(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var level int
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &level); err != nil {
		return nil, err
	}
	return starlark.Bool(receiverLogger(b).IsEnabledFor(level)), nil
}
