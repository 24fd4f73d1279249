package conn

import (
	"errors"
	"testing"
	"time"
)

// TestAcceptQueueKeepsArrivalOrder: results are taken in the order the
// connections arrived whatever the order their handshakes end in; one
// that ended early waits for those before it for the grace only.
func TestAcceptQueueKeepsArrivalOrder(t *testing.T) {
	q := newAcceptQueue()
	first, second, third := q.number(), q.number(), q.number()
	errOf := func(n uint64) error { return errors.New(string(rune('a' + n))) }
	q.put(third, accepted{err: errOf(third)})
	q.put(second, accepted{err: errOf(second)})
	now := time.Now()
	if _, ok, changed, wait := q.take(now); ok || changed == nil || wait <= 0 || wait > turnGrace {
		t.Fatalf("with the first connection still in its handshake: ok %v, wait %v; want to wait up to %v", ok, wait, turnGrace)
	}
	q.put(first, accepted{err: errOf(first)})
	for _, want := range []uint64{first, second, third} {
		r, ok, _, _ := q.take(now)
		if !ok || r.err.Error() != errOf(want).Error() {
			t.Fatalf("took %v (ok %v), want connection %d's result", r.err, ok, want)
		}
	}
	if _, ok, _, wait := q.take(now); ok || wait >= 0 {
		t.Errorf("an empty queue gave a result (%v) or a time to wait (%v)", ok, wait)
	}
}

// TestAcceptQueueSkipsASilentPeerAfterTheGrace: a connection still in its
// handshake a grace after a later one ended is passed over, and its own
// result comes after the later ones when it ends.
func TestAcceptQueueSkipsASilentPeerAfterTheGrace(t *testing.T) {
	q := newAcceptQueue()
	silent, good, next := q.number(), q.number(), q.number()
	q.put(good, accepted{err: errors.New("good")})
	r, ok, _, _ := q.take(time.Now().Add(turnGrace))
	if !ok || r.err.Error() != "good" {
		t.Fatalf("after the grace: took %v (ok %v), want the good connection's", r.err, ok)
	}
	q.put(silent, accepted{err: errors.New("silent")})
	q.put(next, accepted{err: errors.New("next")})
	for _, want := range []string{"silent", "next"} {
		if r, ok, _, _ := q.take(time.Now()); !ok || r.err.Error() != want {
			t.Fatalf("took %v (ok %v), want %s", r.err, ok, want)
		}
	}
}

// TestAcceptReturnsConnectionsInArrivalOrder: a client whose handshake ends
// after that of a client that connected later is still accepted first, as
// CPython's sequential accept would (a script that connects twice and
// keeps the second connection relies on it).
func TestAcceptReturnsConnectionsInArrivalOrder(t *testing.T) {
	key := []byte("key")
	l := mustListen(t, InetAddress("127.0.0.1", 0), key)
	l.queue.grace = time.Minute // the test's own pace must not reorder them
	early, err := Dial(l.Address(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer early.Close()
	accepted := make(chan *Conn, 2)
	go func() {
		for range 2 {
			c, err := l.Accept()
			if err != nil {
				t.Error(err)
				return
			}
			accepted <- c
		}
	}()
	// The early client's handshake is still to do when the late one's ends.
	late, err := (&Dialer{AuthKey: key}).Dial(l.Address())
	if err != nil {
		t.Fatal(err)
	}
	defer late.Close()
	if err := answerChallenge(early, key); err != nil {
		t.Fatal(err)
	}
	if err := deliverChallenge(early, key); err != nil {
		t.Fatal(err)
	}
	for _, client := range []*Conn{early, late} {
		servesNext(t, accepted, client, "Accept returned another connection first")
	}
}
