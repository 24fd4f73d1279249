package exceptions

// The table: every exception type mpstar raises, with its base class as in
// Python (CPython's Objects/exceptions.c, Lib/multiprocessing/context.py,
// managers.py and pool.py, Lib/queue.py, Lib/threading.py). A base is
// declared before the types deriving from it.

// The roots.
var (
	BaseException     = newType("BaseException", nil)
	SystemExit        = newType("SystemExit", BaseException)
	KeyboardInterrupt = newType("KeyboardInterrupt", BaseException)
	Exception         = newType("Exception", BaseException)
)

// StarlarkError is the type of a plain Starlark failure, fail("text"),
// which scripts see as Error.
var StarlarkError = newType("Error", Exception)

// Python's built-in exceptions.
var (
	ArithmeticError   = newType("ArithmeticError", Exception)
	OverflowError     = newType("OverflowError", ArithmeticError)
	ZeroDivisionError = newType("ZeroDivisionError", ArithmeticError)

	AssertionError = newType("AssertionError", Exception)
	AttributeError = newType("AttributeError", Exception)
	EOFError       = newType("EOFError", Exception)
	MemoryError    = newType("MemoryError", Exception)
	NameError      = newType("NameError", Exception)
	StopIteration  = newType("StopIteration", Exception)
	TypeError      = newType("TypeError", Exception)

	LookupError = newType("LookupError", Exception)
	IndexError  = newType("IndexError", LookupError)
	KeyError    = newType("KeyError", LookupError)

	OSError                = newType("OSError", Exception)
	BlockingIOError        = newType("BlockingIOError", OSError)
	ChildProcessError      = newType("ChildProcessError", OSError)
	ConnectionError        = newType("ConnectionError", OSError)
	BrokenPipeError        = newType("BrokenPipeError", ConnectionError)
	ConnectionAbortedError = newType("ConnectionAbortedError", ConnectionError)
	ConnectionRefusedError = newType("ConnectionRefusedError", ConnectionError)
	ConnectionResetError   = newType("ConnectionResetError", ConnectionError)
	FileExistsError        = newType("FileExistsError", OSError)
	FileNotFoundError      = newType("FileNotFoundError", OSError)
	InterruptedError       = newType("InterruptedError", OSError)
	IsADirectoryError      = newType("IsADirectoryError", OSError)
	NotADirectoryError     = newType("NotADirectoryError", OSError)
	PermissionError        = newType("PermissionError", OSError)
	ProcessLookupError     = newType("ProcessLookupError", OSError)

	RuntimeError        = newType("RuntimeError", Exception)
	NotImplementedError = newType("NotImplementedError", RuntimeError)
	RecursionError      = newType("RecursionError", RuntimeError)

	ValueError         = newType("ValueError", Exception)
	UnicodeError       = newType("UnicodeError", ValueError)
	UnicodeDecodeError = newType("UnicodeDecodeError", UnicodeError)
	UnicodeEncodeError = newType("UnicodeEncodeError", UnicodeError)
)

// multiprocessing's exceptions (context.py, managers.py, pool.py), and
// WorkerLostError, which mpstar's Pool raises for a task whose worker died
// (CPython's pool waits forever instead).
var (
	ProcessError        = newType("ProcessError", Exception, "multiprocessing.ProcessError")
	AuthenticationError = newType("AuthenticationError", ProcessError, "multiprocessing.AuthenticationError")
	BufferTooShort      = newType("BufferTooShort", ProcessError, "multiprocessing.BufferTooShort")
	TimeoutError        = newType("TimeoutError", ProcessError, "multiprocessing.TimeoutError")
	WorkerLostError     = newType("WorkerLostError", ProcessError)
	RemoteError         = newType("RemoteError", Exception)
	MaybeEncodingError  = newType("MaybeEncodingError", Exception)
)

// The queue module's and the threading module's.
var (
	Empty              = newType("queue.Empty", Exception, "Empty")
	Full               = newType("queue.Full", Exception, "Full")
	BrokenBarrierError = newType("BrokenBarrierError", RuntimeError, "threading.BrokenBarrierError")
)

// The subprocess, shutil and io modules' (Lib/subprocess.py, Lib/shutil.py,
// Lib/io.py). UnsupportedOperation derives from OSError and ValueError in
// Python; the table keeps its first base.
var (
	SubprocessError      = newType("subprocess.SubprocessError", Exception, "SubprocessError")
	CalledProcessError   = newType("subprocess.CalledProcessError", SubprocessError, "CalledProcessError")
	TimeoutExpired       = newType("subprocess.TimeoutExpired", SubprocessError, "TimeoutExpired")
	ShutilError          = newType("shutil.Error", OSError)
	SameFileError        = newType("shutil.SameFileError", ShutilError, "SameFileError")
	UnsupportedOperation = newType("io.UnsupportedOperation", OSError, "UnsupportedOperation")
)

// The errors of the text and data modules: re.error, csv.Error,
// binascii.Error (which base64 raises) and json's JSONDecodeError, named as
// Python's tracebacks show them.
var (
	ReError         = newType("re.error", Exception)
	CSVError        = newType("_csv.Error", Exception, "csv.Error")
	BinasciiError   = newType("binascii.Error", ValueError)
	JSONDecodeError = newType("json.decoder.JSONDecodeError", ValueError, "json.JSONDecodeError", "JSONDecodeError")
)
