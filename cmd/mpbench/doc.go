// Command mpbench runs the multiprocessing benchmark side by side: each
// workload of scripts/bench (see scripts/bench/WORKLOADS.md) as an mpstar
// script, as CPython's multiprocessing (scripts/bench/cpython_mp_bench.py),
// and, where one is defined, as a raw-Go floor that mpbench measures itself.
// It prints one table of the medians over several runs.
//
//	go run ./cmd/mpbench [-only a,b] [-quick] [-runs N] [-mpstar PATH]
//	                     [-baseline PATH] [-mpstar-flags "--sandbox ..."] [-python python3]
//	                     [-start-method spawn] [-json] [-timeout 300s]
//
// Unless -mpstar names a binary, mpbench builds one from the module it is run
// in (go build ./cmd/mpstar into a temporary directory). The CPython side is
// skipped, with a note, when the -python interpreter is not on PATH.
//
// -baseline names an earlier mpstar binary (built from an older commit) to
// tell whether a change made anything slower. Each run then measures mpstar
// and the baseline back to back, the baseline first in every other run, and
// a further table shows, per workload, the median of the per-run ratios
// mpstar/baseline with the range that holds the true median with 95%
// confidence (from the binomial distribution, so from 6 runs on), and what
// that range shows: faster, not slower by more than 5%, slower, or too
// noisy to tell. Comparing each run with its neighbour cancels the slow
// spells of a shared machine that make two separate sittings disagree.
//
// -mpstar-flags go before each script on the mpstar side, so that the
// same workloads measure a confined run (--sandbox, --allow-*, --max-*).
//
// The floors are what the same job costs without an interpreter, so
// "mpstar/floor" says how close mpstar gets to the machine:
//
//   - process_start_join: fork+exec+wait of a Go child (mpbench itself,
//     exiting at once);
//   - pipe_pingpong_small, pipe_stream_small, pipe_bytes_1mib: two Go
//     processes over a socketpair with CPython's 4-byte length framing,
//     blocking read/write system calls, one write per message;
//   - lock_uncontended: the Starlark interpreter's own floor, a loop of two
//     no-op builtin method calls run by the mpstar binary with -c;
//   - files_hash_big, files_hash_small: sha256sum over the same generated
//     tree through xargs -P <cores> (MPBENCH_FILES_DIR says where the trees
//     are; mpbench points it into its temporary directory unless it is set).
//
// The files workloads also have a ceiling, shown in a table of its own: the
// same walk and hashing done by Go in the mpbench process, a goroutine per
// core, with no interpreter and no processes to feed. It is what the
// machine's file system and SHA-256 allow; neither side can pass it.
//
// The floor children are mpbench re-executed with MPBENCH_FLOOR_CHILD set.
//
// With every workload, or when -only names interrupt_latency, mpbench also
// times Ctrl-C on each side: a script blocked for good in Queue.get,
// Process.join or Pool.map gets SIGINT in its whole process group, as from
// a terminal, and the time until its main process has exited is reported
// as p50 and p99 over ten runs per -runs, with the runs that left a
// process of the group alive or that did not end within 10 s.
//
// Exit status: 0 when every run of every selected workload passed its
// checks, 1 otherwise, 2 for a usage error.
package main
