package mppool_test

import (
	"testing"
	"time"
)

// TestClusterNeedsBackend: a binary without the cluster backend (this
// test binary, like mpstar) refuses Pool(cluster=...) and
// get_context("cluster") with a message naming the command that has it,
// instead of running the pool locally.
func TestClusterNeedsBackend(t *testing.T) {
	out, _ := runPoolScript(t, `
load("multiprocessing", "Pool", "get_context")

def show(f, *args):
    _, err = catch(f, *args)
    print(str(err))

show(lambda: Pool(2, cluster="nats://127.0.0.1:4222"))
show(get_context, "cluster")
`, nil, 60*time.Second)
	expectLines(t, out,
		`RuntimeError: Pool(cluster=...) needs the cluster backend, which this mpstar binary does not include: run the script with mpstar-cluster (go build ./cmd/mpstar-cluster)`,
		`RuntimeError: get_context("cluster") needs the cluster backend, which this mpstar binary does not include: run the script with mpstar-cluster (go build ./cmd/mpstar-cluster)`)
}
