package cluster

// Code by content: what a parent publishes so hosts can run its tasks,
// and what a host accepts.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mpstar/mpstar/internal/builtins"
)

// manifest lists a script's code by hash; its own hash names it.
type manifest struct {
	Filename string            `json:"filename"`
	Argv     []string          `json:"argv"`
	Source   string            `json:"source"`   // hash of the main script
	Files    map[string]string `json:"files"`    // loaded file -> hash
	Programs map[string]string `json:"programs"` // Prep.Extra key -> hash
}

func hashOf(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func codeStore(ctx context.Context, js jetstream.JetStream) (jetstream.ObjectStore, error) {
	return js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{Bucket: codeBucket,
		Description: "mpstar scripts and compiled programs by SHA-256"})
}

// publishCode stores c's parts and manifest under their hashes (parts
// already there are not sent again) and returns the manifest's hash.
func publishCode(ctx context.Context, js jetstream.JetStream, c builtins.Code) (string, error) {
	obs, err := codeStore(ctx, js)
	if err != nil {
		return "", err
	}
	put := func(b []byte) (string, error) {
		h := hashOf(b)
		if _, err := obs.GetInfo(ctx, h); err == nil {
			return h, nil
		}
		_, err := obs.PutBytes(ctx, h, b)
		return h, err
	}
	m := manifest{Filename: c.Filename, Argv: c.Argv, Files: map[string]string{}, Programs: map[string]string{}}
	if m.Source, err = put(c.Source); err != nil {
		return "", err
	}
	for _, set := range []struct {
		from map[string][]byte
		to   map[string]string
	}{{c.Files, m.Files}, {c.Programs, m.Programs}} {
		for k, b := range set.from {
			if set.to[k], err = put(b); err != nil {
				return "", err
			}
		}
	}
	mb, err := json.Marshal(m)
	if err != nil {
		return "", err
	}
	return put(mb)
}

// codeCache is a host's copy of the code it fetched, by hash; every entry
// was checked against its hash.
type codeCache struct {
	mu    sync.Mutex
	items map[string][]byte
}

var errHashMismatch = errors.New("content does not match its hash")

// get returns the object named by hash h, from the cache or the store.
func (cc *codeCache) get(ctx context.Context, obs jetstream.ObjectStore, h string) ([]byte, error) {
	cc.mu.Lock()
	b, ok := cc.items[h]
	cc.mu.Unlock()
	if ok {
		return b, nil
	}
	b, err := obs.GetBytes(ctx, h)
	if err != nil {
		return nil, fmt.Errorf("code object %s: %w", h, err)
	}
	// Only code the parent named by its hash runs: an object that was
	// replaced in the store is refused.
	if hashOf(b) != h {
		return nil, fmt.Errorf("code object %s: %w", h, errHashMismatch)
	}
	cc.mu.Lock()
	if cc.items == nil {
		cc.items = map[string][]byte{}
	}
	cc.items[h] = b
	cc.mu.Unlock()
	return b, nil
}

// load fetches the code a manifest hash names.
func (cc *codeCache) load(ctx context.Context, js jetstream.JetStream, h string) (builtins.Code, error) {
	obs, err := js.ObjectStore(ctx, codeBucket)
	if err != nil {
		return builtins.Code{}, err
	}
	mb, err := cc.get(ctx, obs, h)
	if err != nil {
		return builtins.Code{}, err
	}
	var m manifest
	if err := json.Unmarshal(mb, &m); err != nil {
		return builtins.Code{}, fmt.Errorf("code manifest %s: %w", h, err)
	}
	c := builtins.Code{Filename: m.Filename, Argv: m.Argv, Files: map[string][]byte{}, Programs: map[string][]byte{}}
	if c.Source, err = cc.get(ctx, obs, m.Source); err != nil {
		return c, err
	}
	for _, set := range []struct {
		from map[string]string
		to   map[string][]byte
	}{{m.Files, c.Files}, {m.Programs, c.Programs}} {
		for k, oh := range set.from {
			if set.to[k], err = cc.get(ctx, obs, oh); err != nil {
				return c, err
			}
		}
	}
	return c, nil
}
