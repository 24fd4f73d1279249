package builtins

import (
	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/mpcore"
	"github.com/mpstar/mpstar/mpcore/manager"
)

// Shareable is implemented by runtime objects (locks, queues, connections,
// shared values, proxies) that cross a process boundary by handle rather
// than by value. The codec calls Share when encoding and the decoder
// registered for ShareKind when decoding.
type Shareable interface {
	starlark.Value
	// ShareKind names the decoder registered with RegisterShareKind.
	ShareKind() string
	// Share returns the handle payload. Descriptors the handle needs go into
	// sc.FDs; when sc.FDs is nil the channel cannot carry descriptors, and an
	// object that needs them returns CPython's error for that case, e.g.
	// "RuntimeError: Lock objects should only be shared between processes
	// through inheritance".
	Share(sc *ShareContext) ([]byte, error)
}

// ShareContext is what an encoder offers to Shareable values.
type ShareContext struct {
	// FDs receives descriptors to carry; nil when none can be carried.
	FDs *mpcore.FDTable
}

// UnshareContext is what a decoder offers to share-kind decoders.
type UnshareContext struct {
	// FDs are the received descriptors, indexed as the sender's FDTable.
	FDs []int
	// Decode decodes a nested codec payload (a Barrier's action) with the
	// same context; nil where no nested payloads can occur.
	Decode func([]byte) (starlark.Value, error)
	// Authkey is the decoding process's authkey, which a manager proxy
	// that crossed without its own uses (CPython: current_process().authkey).
	Authkey []byte
	// Warn writes a warning line to the decoding run's stderr (a lock
	// taken back from a dead holder); nil: the process's stderr.
	Warn func(line string)
	// Managers are the decoding run's manager clients and servers, which
	// a decoded proxy uses; nil: the proxy gets a client of its own.
	Managers *manager.Registry
}

// ShareDecoder rebuilds a value from its handle payload.
type ShareDecoder func(uc *UnshareContext, payload []byte) (starlark.Value, error)

var shareKinds = map[string]ShareDecoder{}

// RegisterShareKind registers the decoder for a kind. It is called from
// init functions only, so the map is never written concurrently.
func RegisterShareKind(kind string, dec ShareDecoder) {
	if _, dup := shareKinds[kind]; dup {
		panic("builtins: share kind registered twice: " + kind)
	}
	shareKinds[kind] = dec
}
