// Package file is Python's built-in open() and the file objects it returns,
// sys.stdin and input():
//
//	open(file, mode="r", buffering=-1, encoding=None, errors=None, newline=None)
//	input(prompt="")         # a line of sys.stdin without its "\n"; EOFError at the end
//	f.read(size=-1)          # str in text mode, bytes in binary mode
//	f.readline(size=-1)
//	f.readlines(hint=-1)
//	for line in f: ...       # line by line, ends included
//	f.write(s)               # the number of characters (bytes) written
//	f.writelines(lines)
//	f.flush()
//	f.close()                # also with_(f, body): closed when body returns
//	f.readable(), f.writable(), f.fileno()
//	f.closed, f.name, f.mode, f.encoding
//
// Modes are CPython's: one of r w a x, with b (binary) or t (text) and +
// (read and write). Text files decode UTF-8 (also ascii and latin-1), and
// with newline=None read "\r\n" and "\r" as "\n", as CPython does.
// Failures are CPython's: FileNotFoundError, PermissionError,
// IsADirectoryError, FileExistsError (all OSErrors, with errno and
// strerror in exc.args), ValueError for a closed file.
//
// Differences from CPython: writes go straight to the operating system (no
// buffer inside the process, so nothing is lost when a script ends without
// close(), and flush() has nothing to do); a read error while a for loop
// iterates a file ends the loop, and the next readline() reports it; there is
// no seek() or tell().
package file
