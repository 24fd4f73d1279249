// Package cluster runs multiprocessing pools and queues across many hosts
// on NATS JetStream: Pool(cluster="nats://host:4222") and
// get_context("cluster") in scripts run by mpstar-cluster, and the worker
// command that serves them on every host. docs/cluster.md is the user's
// guide; this is the design.
//
// JetStream does the hard parts. A pool is a work-queue stream of task
// messages (each a batch of tasks) with one pull consumer that every
// worker host shares:
// explicit acks, redelivery after AckWait, MaxDeliver = retries+1 and
// MaxAckPending bound how a task travels, and the parent acknowledges a
// task only once it holds the result, so a task whose worker, host or
// network was lost runs again elsewhere and map still returns each
// result once (duplicates are dropped by task id). The stream's way to a
// host is several hand-offs inside the server, most of a lone task's
// round trip, so a task submitted while the pool has nothing else out
// goes straight to one host over core NATS instead, and the parent keeps
// it as the server would: to the stream when no host takes it, when its
// worker is lost, or when its host is silent for a heartbeat. The pieces,
// one file each:
//
//   - conn.go: connecting, with credentials, nkeys and TLS.
//   - names.go: the subjects, streams and buckets, and the small binary
//     messages between a parent and the hosts.
//   - code.go: code by content. The script, every file it loaded and the
//     programs the parent compiled go into an object store under their
//     SHA-256; a host fetches them once, checks every hash, and hands
//     them to its local workers in memory.
//   - pool.go: engine, the parent's side of a cluster Pool: a bounded
//     window of unfinished tasks in the stream, fed from a queue in the
//     parent as results come back, many small tasks to a message.
//   - host.go: Serve, the worker command: it watches for pools, runs each
//     pool's tasks through a local engine (mpcore/pool) of -j processes,
//     fetches only as many batches as it has idle slots, keeps them alive
//     with in-progress acks, and sends their outcomes many to a message.
//   - queue.go: named cross-host Queue, JoinableQueue and SimpleQueue.
//   - backend.go: Install, which puts the cluster behind the scripts'
//     Pool(cluster=...) and get_context("cluster").
//
// A parent that dies stops sending heartbeats; the hosts then stop
// serving its pool and remove its stream.
package cluster
