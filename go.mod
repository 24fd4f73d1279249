module github.com/mpstar/mpstar

go 1.26.8

require (
	github.com/peterh/liner v1.2.3
	github.com/vmihailenco/msgpack/v5 v5.4.1
	go.starlark.net v0.0.0-20260908191801-89a6a09411d5
	golang.org/x/sys v0.50.0
)

require (
	github.com/clipperhouse/uax29/v2 v2.7.0 // indirect
	github.com/mattn/go-runewidth v0.0.31 // indirect
	github.com/vmihailenco/tagparser/v2 v2.0.0 // indirect
)
