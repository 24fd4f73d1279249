package builtins

import (
	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/mpcore"
	"github.com/mpstar/mpstar/mpcore/manager"
)

// Shareable is implemented by runtime objects (locks, queues, connections,
// shared values, proxies) that cross a process boundary by handle rather
// than by value. The codec calls Share when encoding and, when decoding,
// the decoder its context's ShareKinds has for ShareKind.
type Shareable interface {
	starlark.Value
	// ShareKind names the value's decoder in a ShareKinds table.
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
	// ShareKinds are the decoders of the run's kinds (Config.ShareKinds),
	// by kind: the decoder finds a handle's decoder here, and a decoder
	// that makes a context of its own (a proxy's) passes them on. Nil
	// decodes no handles.
	ShareKinds map[string]ShareDecoder
}

// ShareDecoder rebuilds a value from its handle payload.
type ShareDecoder func(uc *UnshareContext, payload []byte) (starlark.Value, error)

// ShareKinds are the decoders of this package's Shareable values, by
// kind. modules.ShareKinds merges them with the other packages' into the
// table a run decodes with.
var ShareKinds = map[string]ShareDecoder{
	"barrier":                   decodeBarrier,
	"condition":                 decodeCondition,
	"connection":                decodeConnection,
	"ctypes.local":              decodeLocalCValue,
	"ctypes.type":               decodeCType,
	"event":                     decodeEvent,
	"lock":                      decodeLock,
	"queue":                     decodeQueue,
	"semaphore":                 decodeSemaphore,
	"sharedctypes.array":        decodeSharedArray,
	"sharedctypes.synchronized": decodeSynchronized,
	"sharedctypes.value":        decodeSharedValue,
	"unavailable":               decodeUnavailable,
}
