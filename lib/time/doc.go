// Package time is mpstar's time module: go.starlark.net's lib/time plus
// Python's sleep, time, monotonic and perf_counter, and struct_time with
// localtime, gmtime, mktime, strftime and strptime (structtime.go,
// strftime.go, strptime.go).
package time
