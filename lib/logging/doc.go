// Package logging is mpstar's logging module: Python's level names. The
// logger itself is multiprocessing's (get_logger, log_to_stderr), in the
// builtins core.
package logging
