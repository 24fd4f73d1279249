// Package conn implements the connections of Python's
// multiprocessing.connection over raw file descriptors: CPython's message
// framing, Pipe, Listener and Client (Dial), the authkey handshake, and
// wait. It mirrors CPython's Lib/multiprocessing/connection.py and is
// wire-compatible with it, so a CPython process can talk to ours.
//
// The pieces, one file each:
//
//   - frame.go: the framing as pure helpers (AppendHeader, ReadFrame,
//     WriteFrame) with named limits; errors.go: the error types.
//   - conn.go: Conn, a framed connection doing blocking read(2)/write(2)
//     on its descriptor, one write per small message and a read-ahead
//     buffer so a small message usually costs one read.
//   - spin.go: a receive first tries to read, without sleeping, for a
//     few microseconds (preadv2 with RWF_NOWAIT), because a reply usually
//     comes sooner than a sleeping reader could be woken.
//   - pipe.go: Pipe (socketpair or pipe).
//   - poll.go: poll mode, for servers: a Conn that waits on Go's network
//     poller, so that an idle connection holds neither an OS thread nor
//     a read-ahead buffer.
//   - auth.go: DeliverChallenge and AnswerChallenge, the HMAC handshake in
//     CPython 3.12's {digest} form and CPython 3.11's HMAC-MD5 form.
//   - address.go, listener.go: Address, Listener, Dial and Dialer for
//     AF_INET, AF_UNIX paths and Linux abstract names. A Listener with an
//     authkey runs handshakes concurrently, on a goroutine each, with a
//     bound on connections not yet returned by Accept (MaxPending), and
//     can refuse other users' processes before a byte is sent (OwnerOnly);
//     acceptq.go has Accept return them in the order they arrived all the
//     same.
//   - resolve.go: host names to addresses (hosts file, then DNS A and AAAA
//     queries, over TCP when a UDP reply is truncated, with
//     golang.org/x/net/dns/dnsmessage), so that the package, and mpstar
//     with it, does without package net and stays free of cgo; its limits
//     are listed at the top of the file.
//   - wait.go: Wait, poll(2) over several descriptors.
//
// PROTOCOL.md beside this file gives the framing and the handshake byte by
// byte.
//
// Errors carry CPython's messages where it has one. The builtins layer maps
// them to Python exceptions: io.EOF to EOFError; *AuthenticationError to
// AuthenticationError; *BufferTooShortError to BufferTooShort;
// *FrameTooLargeError, *MalformedFrameError, *TruncatedFrameError,
// ErrClosed, ErrReadOnly, ErrWriteOnly, ErrListenerClosed and wrapped errnos
// to OSError (or its errno subclass, such as BrokenPipeError for EPIPE).
//
// The package knows nothing of Starlark.
package conn
