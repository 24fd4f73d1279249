package main

// The workloads of scripts/bench/WORKLOADS.md, in its order, with the units
// and sizes of its §2 table (the floors need N) and the floor each one has.

import (
	"fmt"
	"strings"
)

// workload is one benchmark workload.
type workload struct {
	name        string
	unit        string    // the unit of ops_per_s
	full, quick int       // N in full and in quick mode
	floor       floorFunc // nil when the workload has no floor
	extra       string    // the start-up or connect field it reports, if any
}

// n is the workload's N in the given mode.
func (w workload) n(quick bool) int {
	if quick {
		return w.quick
	}
	return w.full
}

var workloads = []workload{
	{"process_start_join", "processes/s", 160, 16, floorProcessStartJoin, ""},
	{"pipe_pingpong_small", "round trips/s", 250000, 25000, floorPipePingpong, ""},
	{"pipe_stream_small", "messages/s", 2500000, 250000, floorPipeStream, ""},
	{"pipe_bytes_1mib", "MiB/s", 15000, 1500, floorPipeBytes, ""},
	{"queue_throughput", "items/s", 2000000, 200000, nil, ""},
	{"queue_mpmc", "items/s", 2000000, 200000, nil, ""},
	{"joinable_queue_task_done", "items/s", 2000000, 200000, nil, ""},
	{"lock_uncontended", "acquire+release/s", 20000000, 2000000, floorStarlarkCalls, ""},
	{"value_increment_contended", "increments/s", 6000000, 600000, nil, ""},
	{"array_sum", "elements/s", 200, 20, nil, ""},
	{"manager_dict_ops", "proxy ops/s", 100000, 10000, nil, "manager_start_s"},
	{"pool_map_small", "tasks/s", 10000000, 1000000, nil, "pool_startup_s"},
	{"pool_apply_async_latency", "calls/s", 40000, 4000, nil, ""},
	{"event_pingpong", "round trips/s", 70000, 7000, nil, ""},
	{"listener_client_pingpong", "round trips/s", 100000, 10000, nil, "connect_p50_us"},
	{"files_hash_big", "files/s", 2000, 200, floorFilesHash("files_hash_big"), ""},
	{"files_hash_small", "files/s", 20000, 2000, floorFilesHash("files_hash_small"), ""},
}

// extraFields are the start-up and connect figures shown in the second
// table, with their units.
var extraFields = map[string]string{
	"pool_startup_s":  "s",
	"manager_start_s": "s",
	"connect_p50_us":  "µs",
	ceilingField:      "files/s",
}

// selectWorkloads returns the workloads named in a comma-separated list, in
// table order; an empty list selects all of them.
func selectWorkloads(only string) ([]workload, error) {
	if strings.TrimSpace(only) == "" {
		return workloads, nil
	}
	want := map[string]bool{}
	for _, name := range strings.Split(only, ",") {
		if name = strings.TrimSpace(name); name != "" {
			want[name] = true
		}
	}
	var sel []workload
	for _, w := range workloads {
		if want[w.name] {
			sel = append(sel, w)
			delete(want, w.name)
		}
	}
	if len(want) > 0 {
		var unknown []string
		for name := range want {
			unknown = append(unknown, name)
		}
		return nil, fmt.Errorf("unknown workload(s) %s; known: %s", strings.Join(unknown, ","), workloadNames())
	}
	return sel, nil
}

func workloadNames() string {
	names := make([]string, len(workloads), len(workloads)+1)
	for i, w := range workloads {
		names[i] = w.name
	}
	names = append(names, interruptName)
	return strings.Join(names, ",")
}
