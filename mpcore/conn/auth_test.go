package conn

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// Golden values computed with CPython's hmac module:
// hmac.new(b'golden-key', m, d).hexdigest().
var (
	goldenKey = []byte("golden-key")
	// m = b'{sha256}' + bytes(range(40)), d = 'sha256'
	goldenSHA256 = "544a9003a614fe933dc2786bf96ec9f00d10ceea87344ff6238b14d590b2550f"
	// m = bytes(range(20)), d = 'md5'
	goldenLegacyMD5 = "e43d145eda065600596ea6d999dd965e"
	// m = b'{sha256}' + bytes(range(40)), d = 'md5': a 3.11 peer's answer
	goldenModernMD5 = "de82b0cc71060e05625c8416837c273c"
)

func counting(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func unhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// peerScript plays the other side of a handshake on c: it sends each
// "send" frame and checks each "expect" frame, in order.
type step struct {
	send, expect []byte
}

func runPeer(t *testing.T, c *Conn, steps []step) chan error {
	errc := make(chan error, 1)
	go func() {
		for _, s := range steps {
			if s.send != nil {
				if err := c.SendBytes(s.send); err != nil {
					errc <- err
					return
				}
				continue
			}
			got, err := c.RecvBytes(-1)
			if err != nil {
				errc <- err
				return
			}
			if !bytes.Equal(got, s.expect) {
				errc <- fmt.Errorf("peer got %q, want %q", got, s.expect)
				return
			}
		}
		errc <- nil
	}()
	return errc
}

// TestGoldenDeliver delivers our {sha256} challenge and accepts the
// answers of both kinds of peer: a CPython 3.12 peer's {sha256} HMAC, and
// a CPython 3.11 peer's raw HMAC-MD5 of the whole message, which CPython
// 3.12 accepts, and so do we.
func TestGoldenDeliver(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer []byte
	}{
		{"modern", append([]byte("{sha256}"), unhex(goldenSHA256)...)},
		{"legacy peer", unhex(goldenModernMD5)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ours, peer := mustPipe(t, true)
			errc := runPeer(t, peer, []step{
				{expect: append([]byte("#CHALLENGE#{sha256}"), counting(40)...)},
				{send: tc.answer},
				{expect: []byte("#WELCOME#")},
			})
			within(t, 10*time.Second, func() {
				if err := deliverChallengeFrom(ours, goldenKey, bytes.NewReader(counting(40))); err != nil {
					t.Errorf("deliver: %v", err)
				}
				if err := <-errc; err != nil {
					t.Error(err)
				}
			})
		})
	}
}

func TestGoldenAnswer(t *testing.T) {
	for _, tc := range []struct {
		name      string
		challenge []byte
		response  []byte
	}{
		{"modern", append([]byte("{sha256}"), counting(40)...), append([]byte("{sha256}"), unhex(goldenSHA256)...)},
		{"legacy", counting(20), unhex(goldenLegacyMD5)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ours, peer := mustPipe(t, true)
			errc := runPeer(t, peer, []step{
				{send: append([]byte("#CHALLENGE#"), tc.challenge...)},
				{expect: tc.response},
				{send: []byte("#WELCOME#")},
			})
			within(t, 10*time.Second, func() {
				if err := AnswerChallenge(ours, goldenKey); err != nil {
					t.Errorf("answer: %v", err)
				}
				if err := <-errc; err != nil {
					t.Error(err)
				}
			})
		})
	}
}

func TestAuthRightAndWrongKey(t *testing.T) {
	for _, keys := range [][2]string{{"secret", "secret"}, {"secret", "wrong"}, {"", ""}} {
		a, b := mustPipe(t, true)
		var deliverErr, answerErr error
		within(t, 10*time.Second, func() {
			done := make(chan struct{})
			go func() {
				deliverErr = DeliverChallenge(a, []byte(keys[0]))
				close(done)
			}()
			answerErr = AnswerChallenge(b, []byte(keys[1]))
			<-done
		})
		if keys[0] == keys[1] {
			if deliverErr != nil || answerErr != nil {
				t.Fatalf("keys %q: %v, %v", keys, deliverErr, answerErr)
			}
			continue
		}
		if e := errorAs[*AuthenticationError](t, deliverErr); e.Msg != "digest received was wrong" {
			t.Fatalf("deliver side: %v", e)
		}
		if e := errorAs[*AuthenticationError](t, answerErr); e.Msg != "digest sent was rejected" {
			t.Fatalf("answer side: %v", e)
		}
	}
}

func TestAnswerRejectsBadChallenges(t *testing.T) {
	for _, tc := range []struct {
		name, frame, msg string
	}{
		{"no prefix", "HELLO", "Protocol error, expected challenge: message=b'HELLO'"},
		{"short", "#CHALLENGE#abc", "challenge too short: 3 bytes"},
		{"unknown digest", "#CHALLENGE#{sha1}0123456789abcdef0123", "unsupported message length, missing digest prefix, or unsupported digest: message=b'{sha1}0123456789abcdef0123'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ours, peer := mustPipe(t, true)
			peer.SendBytes([]byte(tc.frame))
			err := AnswerChallenge(ours, goldenKey)
			if e := errorAs[*AuthenticationError](t, err); e.Msg != tc.msg {
				t.Fatalf("got %q, want %q", e.Msg, tc.msg)
			}
		})
	}
}

func TestHandshakeFrameLimit(t *testing.T) {
	ours, peer := mustPipe(t, true)
	peer.SendBytes(append([]byte("#CHALLENGE#"), make([]byte, 300)...))
	err := AnswerChallenge(ours, goldenKey)
	if e := errorAs[*FrameTooLargeError](t, err); e.Max != 256 {
		t.Fatalf("got %v", err)
	}
}

func TestDeliverRejectsWrongLengthResponse(t *testing.T) {
	ours, peer := mustPipe(t, true)
	errc := runPeer(t, peer, []step{
		{expect: append([]byte("#CHALLENGE#{sha256}"), counting(40)...)},
		{send: []byte("{sha256}short")},
		{expect: []byte("#FAILURE#")},
	})
	err := deliverChallengeFrom(ours, goldenKey, bytes.NewReader(counting(40)))
	if e := errorAs[*AuthenticationError](t, err); e.Msg != "expected 'sha256' of length 32 got 5" {
		t.Fatalf("got %q", e.Msg)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

func TestHandshakeDeadline(t *testing.T) {
	ours, _ := mustPipe(t, true) // the peer never speaks
	start := time.Now()
	var err error
	within(t, 10*time.Second, func() {
		err = handshake(ours, goldenKey, 100*time.Millisecond, answerChallenge)
	})
	e := errorAs[*AuthenticationError](t, err)
	if !errors.Is(err, os.ErrDeadlineExceeded) || !strings.Contains(e.Msg, "100ms") {
		t.Fatalf("got %v", err)
	}
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Fatalf("gave up after %v", d)
	}
	if !ours.deadline.IsZero() {
		t.Fatalf("the deadline outlived the handshake")
	}
}
