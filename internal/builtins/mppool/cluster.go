package mppool

// The pool's side of the cluster seam (cluster.go in package builtins):
// Pool(cluster=URL) hands its encoded tasks to the backend's engine, and a
// cluster worker host starts local pool workers for the tasks it receives.

import (
	"github.com/mpstar/mpstar/internal/builtins"
	"github.com/mpstar/mpstar/mpcore/pool"
)

// DefaultRetries is how many more times a cluster task whose worker was
// lost runs before it fails with WorkerLostError.
const DefaultRetries = 2

// newClusterEngine starts the engine of Pool(cluster=url).
func (p *Pool) newClusterEngine(url string, retries, maxTasks int) (builtins.PoolEngine, error) {
	return builtins.NewClusterPool(p.rt, &builtins.ClusterPoolSpec{URL: url, Processes: p.size, Retries: retries,
		MaxTasksPerChild: maxTasks, Setup: p.setup.payload, Code: p.rt.Code()}, len(p.setup.fds) > 0)
}

// StartPoolWorker starts a process of rt running a pool worker on the
// far end of a connection, with a ClusterPoolSpec's Setup: a cluster
// worker host runs the tasks it receives through a local pool of them.
func StartPoolWorker(rt *builtins.Runtime, setup []byte) (*pool.Worker, error) {
	s := &poolSetup{payload: setup}
	return startPoolWorker(rt, s, "spawn")
}
