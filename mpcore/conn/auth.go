package conn

// The authkey handshake. Mirrors deliver_challenge, answer_challenge and
// their helpers in CPython's Lib/multiprocessing/connection.py: the 3.12+
// form ({digest}-prefixed challenge and response) and the HMAC-MD5 form of
// CPython <= 3.11, told apart by message length. PROTOCOL.md has the bytes.

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"time"

	"github.com/mpstar/mpstar/internal/pyquote"
)

// DefaultHandshakeTimeout bounds a whole handshake unless a Listener or
// Dialer says otherwise, so a silent peer cannot block forever. It matches
// CPython's CONNECTION_TIMEOUT.
const DefaultHandshakeTimeout = 20 * time.Second

const (
	challengePrefix = "#CHALLENGE#"
	welcomeMsg      = "#WELCOME#"
	failureMsg      = "#FAILURE#"
	// challengeRandomLen is the random part of a modern challenge (CPython's
	// MESSAGE_LENGTH); it must differ from legacyChallengeLen.
	challengeRandomLen = 40
	// legacyChallengeLen is the whole challenge of CPython <= 3.11.
	legacyChallengeLen = 20
	// md5Len is the length of an unprefixed HMAC-MD5 response.
	md5Len = 16
	// authFrameMax is CPython's limit on every frame received in a handshake.
	authFrameMax = 256
	// challengeDigest is the digest our challenges ask for, as CPython 3.12.
	challengeDigest = "sha256"
)

// digests are the HMAC digests CPython 3.12 accepts, by their wire names.
var digests = map[string]func() hash.Hash{
	"md5":      md5.New,
	"sha256":   sha256.New,
	"sha384":   sha512.New384,
	"sha3_256": func() hash.Hash { return sha3.New256() },
	"sha3_384": func() hash.Hash { return sha3.New384() },
}

// maxDigestNameLen is the longest name in digests.
const maxDigestNameLen = len("sha3_256")

// DeliverChallenge proves that the peer knows authkey: it sends a
// {sha256} challenge, checks the HMAC the peer answers with and sends
// #WELCOME# or #FAILURE#. It accepts the raw HMAC-MD5 answer of a CPython
// <= 3.11 peer, as CPython 3.12 does. The handshake must finish within
// DefaultHandshakeTimeout.
func DeliverChallenge(c *Conn, authkey []byte) error {
	return handshake(c, authkey, DefaultHandshakeTimeout, deliverChallenge)
}

// AnswerChallenge proves to the peer that we know authkey by answering its
// challenge, in the modern or the legacy form as the challenge asks. The
// handshake must finish within DefaultHandshakeTimeout.
func AnswerChallenge(c *Conn, authkey []byte) error {
	return handshake(c, authkey, DefaultHandshakeTimeout, answerChallenge)
}

// handshake runs steps on c with every read bounded by timeout from now.
func handshake(c *Conn, authkey []byte, timeout time.Duration, steps ...func(*Conn, []byte) error) error {
	c.setDeadline(time.Now().Add(timeout))
	defer c.setDeadline(time.Time{})
	for _, step := range steps {
		if err := step(c, authkey); err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return &AuthenticationError{
					Msg: fmt.Sprintf("authentication handshake did not finish within %v", timeout),
					Err: err,
				}
			}
			return err
		}
	}
	return nil
}

func deliverChallenge(c *Conn, authkey []byte) error {
	return deliverChallengeFrom(c, authkey, rand.Reader)
}

// deliverChallengeFrom is deliverChallenge with the challenge's random bytes
// read from random.
func deliverChallengeFrom(c *Conn, authkey []byte, random io.Reader) error {
	message := append([]byte("{"+challengeDigest+"}"), make([]byte, challengeRandomLen)...)
	if _, err := io.ReadFull(random, message[len(message)-challengeRandomLen:]); err != nil {
		return err
	}
	if err := c.SendBytes(append([]byte(challengePrefix), message...)); err != nil {
		return err
	}
	response, err := c.RecvBytes(authFrameMax)
	if err != nil {
		return err
	}
	if err := verifyResponse(authkey, message, response); err != nil {
		if sendErr := c.SendBytes([]byte(failureMsg)); sendErr != nil {
			return errors.Join(err, sendErr)
		}
		return err
	}
	return c.SendBytes([]byte(welcomeMsg))
}

func answerChallenge(c *Conn, authkey []byte) error {
	message, err := c.RecvBytes(authFrameMax)
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(message, []byte(challengePrefix)) {
		return &AuthenticationError{Msg: "Protocol error, expected challenge: message=" + pyquote.Bytes(message)}
	}
	message = message[len(challengePrefix):]
	if len(message) < legacyChallengeLen {
		return &AuthenticationError{Msg: fmt.Sprintf("challenge too short: %d bytes", len(message))}
	}
	response, err := createResponse(authkey, message)
	if err != nil {
		return err
	}
	if err := c.SendBytes(response); err != nil {
		return err
	}
	reply, err := c.RecvBytes(authFrameMax)
	if err != nil {
		return err
	}
	if string(reply) != welcomeMsg {
		return &AuthenticationError{Msg: "digest sent was rejected"}
	}
	return nil
}

// splitDigest returns the digest name and payload of a challenge or a
// response. A legacy message (20-byte challenge, 16-byte HMAC-MD5 response)
// has no prefix and gives the name "".
func splitDigest(message []byte) (string, []byte, error) {
	if len(message) == legacyChallengeLen || len(message) == md5Len {
		return "", message, nil
	}
	if len(message) > 0 && message[0] == '{' {
		end := bytes.IndexByte(message[1:min(len(message), maxDigestNameLen+2)], '}')
		if end > 0 {
			name := string(message[1 : 1+end])
			if _, ok := digests[name]; ok {
				return name, message[2+end:], nil
			}
		}
	}
	return "", nil, &AuthenticationError{Msg: "unsupported message length, missing digest prefix, " +
		"or unsupported digest: message=" + pyquote.Bytes(message)}
}

// createResponse computes the answer to a challenge message: a raw
// HMAC-MD5 for a legacy challenge, else "{name}" and the HMAC with the
// digest it names. The MAC covers the whole message, prefix included.
func createResponse(authkey, message []byte) ([]byte, error) {
	name, _, err := splitDigest(message)
	if err != nil {
		return nil, err
	}
	if name == "" {
		return mac("md5", authkey, message), nil
	}
	return append([]byte("{"+name+"}"), mac(name, authkey, message)...), nil
}

// verifyResponse checks a peer's response to our challenge message. A legacy
// unprefixed response is taken as HMAC-MD5.
func verifyResponse(authkey, message, response []byte) error {
	name, got, err := splitDigest(response)
	if err != nil {
		return err
	}
	if name == "" {
		name = "md5"
	}
	want := mac(name, authkey, message)
	if len(want) != len(got) {
		return &AuthenticationError{Msg: fmt.Sprintf("expected '%s' of length %d got %d", name, len(want), len(got))}
	}
	if !hmac.Equal(want, got) {
		return &AuthenticationError{Msg: "digest received was wrong"}
	}
	return nil
}

// mac returns the HMAC of message under authkey with the named digest,
// which must be a key of digests.
func mac(name string, authkey, message []byte) []byte {
	h := hmac.New(digests[name], authkey)
	h.Write(message)
	return h.Sum(nil)
}
