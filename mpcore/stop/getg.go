//go:build amd64 || arm64

package stop

// getg returns the address of the calling goroutine's runtime record (its
// g), which identifies the goroutine while it lives: the runtime keeps it
// in thread-local storage on amd64 and in a register on arm64, so reading
// it costs a few instructions where asking the kernel for the thread's id
// cost a system call. It is written in assembly (getg_amd64.s,
// getg_arm64.s); getg_other.go serves the other architectures.
func getg() uintptr
