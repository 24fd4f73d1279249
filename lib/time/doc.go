// Package time is mpstar's time module: go.starlark.net's lib/time plus
// Python's sleep, time, monotonic and perf_counter.
package time
