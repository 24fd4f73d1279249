package builtins

// multiprocessing.connection.wait (CPython: connection.py wait, the POSIX
// branch over poll(2)).

import (
	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/value"
	"github.com/mpstar/mpstar/mpcore/conn"
)

// ConnectionWait implements wait(object_list, timeout=None): the objects of object_list that are
// ready to read: Connections with a message (or end of file), process
// sentinels of exited processes, and raw descriptors.
func ConnectionWait(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var objects starlark.Iterable
	var timeout value.Timeout
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "object_list", &objects, "timeout?", &timeout); err != nil {
		return nil, err
	}
	d := timeout.Duration()
	var objs []starlark.Value
	var fds []int
	var ready []starlark.Value
	it := objects.Iterate()
	defer it.Done()
	var x starlark.Value
	for it.Next(&x) {
		fd, buffered, err := waitable(x)
		if err != nil {
			return nil, err
		}
		if buffered {
			// poll(2) cannot see bytes already read ahead: ready now.
			ready = append(ready, x)
			continue
		}
		objs = append(objs, x)
		fds = append(fds, fd)
	}
	if len(ready) > 0 {
		d = 0
	}
	readyFDs, err := conn.Wait(fds, d)
	if err != nil {
		return nil, ConnErr(err)
	}
	for i, j := 0, 0; i < len(fds) && j < len(readyFDs); i++ {
		if fds[i] == readyFDs[j] {
			ready = append(ready, objs[i])
			j++
		}
	}
	return starlark.NewList(ready), nil
}

// waitable returns the descriptor wait polls for x, and whether x already
// holds unread input.
func waitable(x starlark.Value) (fd int, buffered bool, err error) {
	switch v := x.(type) {
	case *Connection:
		fd, err := v.c.Fileno()
		if err != nil {
			return 0, false, ConnErr(err)
		}
		return fd, v.c.Buffered() > 0, nil
	case starlark.Int:
		n, ok := v.Int64()
		if !ok || n < 0 {
			return 0, false, exceptions.ValueError.Errorf("invalid file descriptor %s", v)
		}
		return int(n), false, nil
	}
	return 0, false, exceptions.TypeError.Errorf("wait: cannot wait on a %s; pass Connections, sentinels or file descriptors", x.Type())
}
