package collections

// A Counter crosses a process boundary (Queue, Pipe, Pool arguments and
// results) as its dict of counts and arrives as a Counter, as Python
// pickles it.

import (
	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins"
	"github.com/mpstar/mpstar/internal/builtins/exceptions"
)

const shareKind = "collections.Counter"

// ShareKinds are the decoders of this package's Shareable values, by kind
// (modules.ShareKinds merges them into a run's table).
var ShareKinds = map[string]builtins.ShareDecoder{shareKind: decodeCounter}

var _ builtins.Shareable = (*Counter)(nil)

// ShareKind implements builtins.Shareable.
func (c *Counter) ShareKind() string { return shareKind }

// Share implements builtins.Shareable: the encoded dict of counts.
func (c *Counter) Share(sc *builtins.ShareContext) ([]byte, error) {
	return builtins.Encode(c.d, sc)
}

// decodeCounter rebuilds a Counter from its encoded counts.
func decodeCounter(uc *builtins.UnshareContext, payload []byte) (starlark.Value, error) {
	decode := uc.Decode
	if decode == nil { // plain data: no nested runtime objects to resolve
		decode = func(b []byte) (starlark.Value, error) { return builtins.Decode(b, nil) }
	}
	v, err := decode(payload)
	if err != nil {
		return nil, err
	}
	d, ok := v.(*starlark.Dict)
	if !ok {
		return nil, exceptions.ValueError.Errorf("bad Counter payload: %s, not a dict", v.Type())
	}
	return &Counter{d: d}, nil
}
