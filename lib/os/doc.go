// Package os is mpstar's os module: process ids, the environment and CPU
// counts.
package os
