//go:build amd64 || arm64

package stop

// getg returns the address of the calling goroutine's runtime record (its
// g), which identifies the goroutine while it runs: the runtime keeps it in
// thread-local storage on amd64 and in a register on arm64, so reading it
// costs a few instructions where asking the kernel for the thread's id
// cost a system call. (getg_*.s)
func getg() uintptr
