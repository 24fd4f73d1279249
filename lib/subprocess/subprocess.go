// Package subprocess is Python's subprocess module for mpstar scripts: run
// commands, feed them input, capture or redirect their output.
//
// Module subprocess is a Starlark module of the functions and constants
// below.
//
//	subprocess = module(
//	    run, check_output, call, check_call,
//	    CompletedProcess, PIPE, STDOUT, DEVNULL,
//	    SubprocessError, CalledProcessError, TimeoutExpired,
//	)
//
//	def run(args, stdin=None, input=None, stdout=None, stderr=None,
//	        capture_output=False, shell=False, cwd=None, timeout=None,
//	        check=False, encoding=None, errors=None, text=None, env=None,
//	        universal_newlines=None) -> CompletedProcess
//	def check_output(args, **kwargs)   # run(..., stdout=PIPE, check=True).stdout
//	def call(args, **kwargs)           # run(...).returncode
//	def check_call(args, **kwargs)     # run(..., check=True).returncode
//	CompletedProcess(args, returncode, stdout=None, stderr=None)
//	    .args .returncode .stdout .stderr .check_returncode()
//	PIPE = -1; STDOUT = -2; DEVNULL = -3
//
// args is a list of strings (the program and its arguments, found on PATH
// as CPython finds it); a string is the program alone, or with shell=True a
// command line for /bin/sh -c. stdin, stdout and stderr take None (inherit
// this process's), PIPE, DEVNULL, a file object from open(), or a
// descriptor number; stderr also takes STDOUT. Output is bytes, or str with
// text=True (or an encoding), whose "\r\n" become "\n".
//
// Failures are CPython's: FileNotFoundError or PermissionError when the
// program cannot start; subprocess.CalledProcessError for a non-zero exit
// status under check=True ("Command '['false']' returned non-zero exit
// status 1."; exc.args is (returncode, cmd)); subprocess.TimeoutExpired
// after timeout seconds (exc.args is (cmd, timeout)).
//
// Differences from CPython: a command run with a timeout is started in its
// own process group, and at the timeout the whole group is killed, so
// nothing it started outlives it (CPython kills the command alone); a
// command without a timeout stays in the script's group, so Ctrl-C reaches
// it as in CPython. There is no Popen. The error values carry cmd,
// returncode and timeout in exc.args rather than as attributes.
package subprocess

import (
	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/value"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
)

// The special values of stdin, stdout and stderr, as CPython numbers them.
const (
	pipe    = -1
	stdout  = -2
	devnull = -3
)

// Module is the subprocess module.
var Module = value.NewModule("subprocess", func() starlark.StringDict {
	return starlark.StringDict{
		"run":              starlark.NewBuiltin("subprocess.run", run),
		"check_output":     starlark.NewBuiltin("subprocess.check_output", checkOutput),
		"call":             starlark.NewBuiltin("subprocess.call", call),
		"check_call":       starlark.NewBuiltin("subprocess.check_call", checkCall),
		"CompletedProcess": starlark.NewBuiltin("subprocess.CompletedProcess", newCompletedProcess),
		"PIPE":             starlark.MakeInt(pipe),
		"STDOUT":           starlark.MakeInt(stdout),
		"DEVNULL":          starlark.MakeInt(devnull),

		"SubprocessError":    exceptions.SubprocessError,
		"CalledProcessError": exceptions.CalledProcessError,
		"TimeoutExpired":     exceptions.TimeoutExpired,
	}
})
