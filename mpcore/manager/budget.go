package manager

// The server's memory budget. Go's garbage collector lets the heap grow to
// twice what is live before it collects, and every large request costs its
// receive buffer and the values decoded from it: sixteen 30 MiB calls at
// once took a server to 3 to 6 times their size. So large requests are
// received only while their sizes fit in a server-wide budget (others wait
// with their payload still in the kernel, which blocks their senders), and
// once one has been handled its memory goes back to the system.

import "sync"

// largeMessage is the size from which a request counts against the
// budget; smaller ones never wait.
const largeMessage = 1 << 20

// hugeMessage is the size from which the memory of a request goes back
// to the system as soon as it has been handled.
const hugeMessage = 16 << 20

// memoryBudget is how many bytes of large requests a server receives and
// runs at once. A request larger than the whole budget is received alone.
const memoryBudget = 128 << 20

// budget is a weighted semaphore of bytes.
type budget struct {
	mu    sync.Mutex
	cond  sync.Cond
	free  int
	total int
}

func newBudget(total int) *budget {
	b := &budget{free: total, total: total}
	b.cond.L = &b.mu
	return b
}

// acquire waits until n bytes (at most the whole budget) are free, takes
// them and returns how many it took.
func (b *budget) acquire(n int) int {
	n = min(n, b.total)
	b.mu.Lock()
	defer b.mu.Unlock()
	for b.free < n {
		b.cond.Wait()
	}
	b.free -= n
	return n
}

// release gives back what acquire took.
func (b *budget) release(n int) {
	b.mu.Lock()
	b.free += n
	b.mu.Unlock()
	b.cond.Broadcast()
}
