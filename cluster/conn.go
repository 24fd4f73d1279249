package cluster

import (
	"fmt"
	"os"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Options say how to reach the server. The script side reads them from
// the environment (OptionsFromEnv); the worker command from its flags.
type Options struct {
	URL     string // the server's, nats://host:4222 or tls://host:4222
	Creds   string // a .creds file (JWT and nkey seed)
	NKey    string // an nkey seed file
	TLSCert string // client certificate and key files, for mutual TLS
	TLSKey  string
	TLSCA   string // the CA that signed the server's certificate
	Name    string // the connection's name, shown by the server
}

// The environment variables of OptionsFromEnv.
const (
	EnvCreds   = "MPSTAR_CLUSTER_CREDS"
	EnvNKey    = "MPSTAR_CLUSTER_NKEY"
	EnvTLSCert = "MPSTAR_CLUSTER_TLS_CERT"
	EnvTLSKey  = "MPSTAR_CLUSTER_TLS_KEY"
	EnvTLSCA   = "MPSTAR_CLUSTER_TLS_CA"
)

// OptionsFromEnv returns the options of a script's connection to url.
func OptionsFromEnv(url string) Options {
	return Options{URL: url, Creds: os.Getenv(EnvCreds), NKey: os.Getenv(EnvNKey),
		TLSCert: os.Getenv(EnvTLSCert), TLSKey: os.Getenv(EnvTLSKey), TLSCA: os.Getenv(EnvTLSCA)}
}

// natsOptions turns o into the client's options.
func (o Options) natsOptions() ([]nats.Option, error) {
	opts := []nats.Option{nats.Name(o.Name), nats.MaxReconnects(-1)}
	if o.Creds != "" {
		opts = append(opts, nats.UserCredentials(o.Creds))
	}
	if o.NKey != "" {
		opt, err := nats.NkeyOptionFromSeed(o.NKey)
		if err != nil {
			return nil, fmt.Errorf("nkey seed %s: %w", o.NKey, err)
		}
		opts = append(opts, opt)
	}
	if (o.TLSCert == "") != (o.TLSKey == "") {
		return nil, fmt.Errorf("a TLS client certificate needs both the certificate and the key file")
	}
	if o.TLSCert != "" {
		opts = append(opts, nats.ClientCert(o.TLSCert, o.TLSKey))
	}
	if o.TLSCA != "" {
		opts = append(opts, nats.RootCAs(o.TLSCA))
	}
	return opts, nil
}

// Conn is a connection to the server with its JetStream context.
type Conn struct {
	NC *nats.Conn          // core NATS: notices, heartbeats, pull requests
	JS jetstream.JetStream // streams, consumers, buckets
}

// Dial connects to the server; jsOpts configure the JetStream context.
func Dial(o Options, jsOpts ...jetstream.JetStreamOpt) (*Conn, error) {
	opts, err := o.natsOptions()
	if err != nil {
		return nil, err
	}
	nc, err := nats.Connect(o.URL, opts...)
	if err != nil {
		return nil, fmt.Errorf("cannot reach the cluster at %s: %w", o.URL, err)
	}
	js, err := jetstream.New(nc, jsOpts...)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return &Conn{NC: nc, JS: js}, nil
}

// Close closes the connection, sending what is buffered first.
func (c *Conn) Close() {
	c.NC.Flush()
	c.NC.Close()
}
