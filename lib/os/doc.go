// Package os is mpstar's os module: process ids, the environment and CPU
// counts, and files and directories (listdir, scandir, walk, stat,
// makedirs, remove, rename, replace, getcwd, ...), with os.path from
// lib/ospath.
package os
