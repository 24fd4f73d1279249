package manager

// One run's clients and servers (CPython keeps them per process: the
// BaseProxy._address_to_local cache and the Server of a manager process).

import (
	"sync"

	"github.com/mpstar/mpstar/mpcore/conn"
)

// Registry is one run's shared clients, one per server address and
// authkey, and the servers the run listens with, so that a proxy decoded
// where its server runs takes its reference there directly (CPython:
// RebuildProxy's manager_owned). Two runs in one process each have their
// own Registry and never share a connection or a server. Its methods are
// safe for concurrent use.
type Registry struct {
	mu      sync.Mutex
	clients map[string]*Client
	served  map[conn.Address]*Server
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{clients: map[string]*Client{}, served: map[conn.Address]*Server{}}
}

// Client returns the registry's shared client of the server at addr with
// authkey, making it on first use.
func (r *Registry) Client(addr conn.Address, authkey []byte) *Client {
	key := addr.String() + "\x00" + string(authkey)
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.clients[key]
	if c == nil {
		c = NewClient(addr, authkey)
		r.clients[key] = c
	}
	return c
}

// NewServer is the package's NewServer, and records the server as served
// by this registry's run until it is closed.
func (r *Registry) NewServer(address conn.Address, authkey []byte, h Handler) (*Server, error) {
	s, err := NewServer(address, authkey, h)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.served[s.address] = s
	r.mu.Unlock()
	s.unregister = func() {
		r.mu.Lock()
		if r.served[s.address] == s {
			delete(r.served, s.address)
		}
		r.mu.Unlock()
	}
	return s, nil
}

// Served returns the open server of this registry listening on address,
// or nil.
func (r *Registry) Served(address conn.Address) *Server {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.served[address]
}
