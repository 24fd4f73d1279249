package mpcore

// Warm children for the forkserver start method (CPython: forkserver.py).
// CPython keeps a server process that forks a child per start(). Go cannot
// fork, so the pool keeps children that are already exec'd and initialised
// and wait for their preparation data; start() then costs one message, and
// the pool launches a replacement in the background.

import (
	"sync"
)

// WarmPool holds prelaunched children waiting for work. Its methods are
// safe for concurrent use.
type WarmPool struct {
	cfg  LaunchConfig
	size int

	mu      sync.Mutex
	idle    []*Child
	filling int  // launches under way
	closed  bool // Close was called: launch no more
}

// NewWarmPool returns a pool that keeps size children launched as cfg
// says (its Prep and FDs are not used). It launches them in the
// background.
func NewWarmPool(cfg LaunchConfig, size int) *WarmPool {
	w := &WarmPool{cfg: cfg, size: max(size, 1)}
	w.refill()
	return w
}

// Take returns a waiting child, or launches one when none is ready, and
// refills the pool in the background. The caller Sends it its work.
func (w *WarmPool) Take() (*Child, error) {
	w.mu.Lock()
	var c *Child
	for len(w.idle) > 0 && c == nil {
		c, w.idle = w.idle[0], w.idle[1:]
		if c.Exited() { // died while waiting (killed from outside)
			c = nil
		}
	}
	w.mu.Unlock()
	defer w.refill()
	if c != nil {
		return c, nil
	}
	return Prelaunch(w.cfg)
}

// refill starts enough launches to bring the pool back to its size.
func (w *WarmPool) refill() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for ; !w.closed && len(w.idle)+w.filling < w.size; w.filling++ {
		go w.launchOne()
	}
}

func (w *WarmPool) launchOne() {
	c, err := Prelaunch(w.cfg)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.filling--
	switch {
	case err != nil:
		// Take launches on demand, and reports the error there.
	case w.closed:
		c.Kill()
	default:
		w.idle = append(w.idle, c)
	}
}

// Close stops refilling and ends the waiting children: they never ran any
// script code, so killing them loses nothing.
func (w *WarmPool) Close() {
	w.mu.Lock()
	idle := w.idle
	w.idle, w.closed = nil, true
	w.mu.Unlock()
	for _, c := range idle {
		c.Kill()
		c.Join(-1)
		c.Close()
	}
}
