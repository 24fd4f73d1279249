// Command mpstar-cluster runs Starlark scripts as mpstar does, with
// Pool(cluster=...) and get_context("cluster") backed by NATS JetStream,
// and serves those pools on a host with its worker subcommand.
//
//	mpstar-cluster script.star [args...]   run a script (see mpstar)
//	mpstar-cluster -c CODE [args...]       run a string
//	mpstar-cluster worker nats://host:4222 [-j N] [options]
//	                                       serve every pool on the server
//
// The worker's options: -j N (local worker processes per pool; default
// the cgroup-aware CPU count), -prefetch K (tasks held per worker process,
// default 1: only what it can start now), -trust KEY (serve only pools
// whose code is signed with the seed of this public nkey; scripts sign
// with the seed file in MPSTAR_CLUSTER_SIGNING_KEY), -name NAME (the host's name in errors),
// -creds FILE, -nkey FILE, -tls-cert FILE -tls-key FILE, -tls-ca FILE.
// A script's connection takes the same files from MPSTAR_CLUSTER_CREDS,
// MPSTAR_CLUSTER_NKEY, MPSTAR_CLUSTER_TLS_CERT, MPSTAR_CLUSTER_TLS_KEY and
// MPSTAR_CLUSTER_TLS_CA. docs/cluster.md is the guide.
//
// It is a separate command so that mpstar itself links no network client
// and stays a static binary whose children start fast.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/mpstar/mpstar/cluster"
	"github.com/mpstar/mpstar/interp"
	"github.com/mpstar/mpstar/mpcore/sandbox"
)

const usage = `usage: mpstar-cluster [-c CODE | script.star] [args...]
       mpstar-cluster worker nats://host:4222 [-j N] [-prefetch K] [-trust KEY] [-name NAME] [-creds FILE]
                      [-nkey FILE] [-tls-cert FILE -tls-key FILE] [-tls-ca FILE]
Runs a Starlark script whose pools and queues may span hosts, or serves
those pools on this host.
`

func main() {
	cluster.Install()
	interp.ChildMain(interp.Options{})
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		fmt.Fprint(os.Stderr, usage)
		return 2
	}
	switch args[0] {
	case "worker":
		return worker(args[1:])
	case "-c":
		if len(args) < 2 {
			fmt.Fprint(os.Stderr, "mpstar-cluster: -c needs an argument\n"+usage)
			return 2
		}
		return interp.ExitCode(interp.RunString("<string>", args[1], interp.Options{Args: args[2:], Permissions: sandbox.AllowAll()}))
	}
	err := interp.RunFile(args[0], interp.Options{Args: args[1:], Permissions: sandbox.AllowAll()})
	if _, reported := err.(*interp.ExitError); err != nil && !reported {
		fmt.Fprintf(os.Stderr, "mpstar-cluster: %v\n", err)
		return 2
	}
	return interp.ExitCode(err)
}

// worker is the worker subcommand: it serves pools until SIGINT or
// SIGTERM, then gives the tasks it runs back to the server.
func worker(args []string) int {
	if len(args) == 0 || args[0] == "" || args[0][0] == '-' {
		fmt.Fprint(os.Stderr, "mpstar-cluster worker: the server URL comes first\n"+usage)
		return 2
	}
	var o cluster.HostOptions
	o.URL = args[0]
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.IntVar(&o.Slots, "j", 0, "local worker processes per pool (default: the CPU count)")
	fs.IntVar(&o.Prefetch, "prefetch", 1, "tasks held per worker process (1: only tasks it can start now)")
	fs.StringVar(&o.Host, "name", "", "this host's name in error messages (default: hostname:pid)")
	fs.StringVar(&o.Trust, "trust", "", "serve only pools whose code is signed by this public nkey")
	fs.StringVar(&o.Creds, "creds", "", "NATS credentials file")
	fs.StringVar(&o.NKey, "nkey", "", "NATS nkey seed file")
	fs.StringVar(&o.TLSCert, "tls-cert", "", "TLS client certificate file")
	fs.StringVar(&o.TLSKey, "tls-key", "", "TLS client key file")
	fs.StringVar(&o.TLSCA, "tls-ca", "", "CA file for the server's certificate")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := cluster.Serve(ctx, o); err != nil {
		fmt.Fprintf(os.Stderr, "mpstar-cluster worker: %v\n", err)
		return 1
	}
	return 0
}
