package manager

// Errors of the manager engine. Messages name the object and the cause;
// the builtins layer maps them onto Python exceptions.

import "fmt"

// ProtocolError reports a request or reply that does not follow the wire
// format (PROTOCOL.md): a peer of another version, or garbage.
type ProtocolError struct {
	Reason string
}

// Error says what was wrong with the message.
func (e *ProtocolError) Error() string { return "bad manager message: " + e.Reason }

// VersionError reports a message of another protocol version.
type VersionError struct {
	Version byte
}

// Error names the version and the likely cause.
func (e *VersionError) Error() string {
	return fmt.Sprintf("unsupported manager protocol version %d (want %d); the peer runs a different mpstar", e.Version, Version)
}

// UnknownReferentError reports a request for a referent id the server does
// not hold: it was released, or never existed.
type UnknownReferentError struct {
	ID uint64
}

// Error names the id.
func (e *UnknownReferentError) Error() string {
	return fmt.Sprintf("the manager holds no object with id %#x: it was released (every proxy to it was dropped) or never existed", e.ID)
}

// FailureError is a KindFailure reply: the server could not run a request
// (an unknown id, an unknown operation). CPython raises these as
// RemoteError.
type FailureError struct {
	Msg string
}

// Error returns the server's message.
func (e *FailureError) Error() string { return e.Msg }

// MessageTooLargeError reports a request a client refused to send, or a
// reply a server refused to send, because it is longer than the
// connection's limit (MaxMessage). Nothing was sent: the connection and
// every object the client holds are as they were.
type MessageTooLargeError struct {
	What string // "request" or "reply"
	Size int    // its length in bytes
	Max  int    // the limit
}

// Error names the sizes and what to do.
func (e *MessageTooLargeError) Error() string {
	return fmt.Sprintf("manager %s of %d bytes exceeds the limit of %d bytes; send the value in smaller pieces", e.What, e.Size, e.Max)
}
