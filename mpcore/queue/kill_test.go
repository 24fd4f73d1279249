package queue

// Processes killed in the middle of moving an item larger than the ring:
// the items written completely before the death are delivered, the
// half-moved item is discarded, and the queue goes on.

import (
	"encoding/binary"
	"io"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mpstar/mpstar/mpcore/internal/childtest"
)

// getSeqs gets n items and checks that they are producer id's items
// first, first+1, ….
func getSeqs(t *testing.T, q *Queue, id uint32, first, n int) {
	t.Helper()
	for i := first; i < first+n; i++ {
		b, err := q.Get(true, 20*time.Second)
		if err != nil {
			t.Fatalf("get item %d of producer %d: %v", i, id, err)
		}
		if gotID, seq := checkItem(t, b); gotID != id || seq != uint32(i) {
			t.Fatalf("got item %d of producer %d, want %d of %d", seq, gotID, i, id)
		}
	}
}

func TestProducerKilledMidStream(t *testing.T) {
	// 100 items from a producer that exits normally, then a producer of
	// one 8 MiB item killed half-way through it, then 100 more items.
	q, err := NewQueue(Options{})
	if err != nil {
		t.Fatal(err)
	}
	startChild(t, "produce", q.Handle(), 0, 0, 100, 16, exitJoin).wait(t)
	big := startChild(t, "produce", q.Handle(), 0, 1, 1, 8<<20, exitFlush)
	// Nobody reads yet: the big item fills the ring, and its producer waits
	// for room, where it is killed.
	childtest.Until(t, "the big item's producer waits for room", func() bool {
		return atomic.LoadUint32(q.r.streamWriter) != 0 && atomic.LoadUint32(q.r.spaceEv.flag) == 1
	})
	big.kill()
	after := startChild(t, "produce", q.Handle(), 0, 2, 100, 16, exitJoin)
	getSeqs(t, q, 0, 0, 100)
	getSeqs(t, q, 2, 0, 100)
	after.wait(t)
	if !q.Empty() || q.Qsize() != 0 {
		t.Fatalf("after 200 items: Empty %v, Qsize %d; want the half-put item gone", q.Empty(), q.Qsize())
	}
}

func TestConsumerKilledMidStream(t *testing.T) {
	// A consumer killed while receiving a 32 MiB item through a 4 KiB
	// ring: the item is gone with it, and the producer and the next
	// consumer carry on.
	q, err := NewQueue(Options{Capacity: minCapacity})
	if err != nil {
		t.Fatal(err)
	}
	v := startChild(t, "victim", q.Handle(), withReport)
	for i := range 10 {
		q.Put(item(0, uint32(i), 16), true, -1)
	}
	putErr := make(chan error, 1)
	go func() { putErr <- q.r.putAll([][]byte{item(0, 10, 32<<20)}) }()
	childtest.Until(t, "the victim receives the big item", func() bool {
		return atomic.LoadUint32(q.r.streamReader) != 0
	})
	v.kill()
	if pid := atomic.LoadUint32(q.r.streamReader); pid != uint32(v.cmd.Process.Pid) {
		t.Fatalf("the victim finished the big item before it was killed (stream reader %d)", pid)
	}
	if got, _ := readPairs(v.report); len(got) != 10 {
		t.Fatalf("the victim reported %d items, want 10", len(got))
	}
	if err := <-putErr; err != nil {
		t.Fatalf("the put of the big item: %v", err)
	}
	for i := 11; i < 21; i++ {
		q.Put(item(0, uint32(i), 16), true, -1)
	}
	getSeqs(t, q, 0, 11, 10)
	if q.Qsize() != 0 {
		t.Fatalf("Qsize %d after the last item, want 0", q.Qsize())
	}
}

// reporter delivers a child's reported (producer, seq) pairs one at a
// time, and all of them once the pipe is closed.
type reporter struct {
	each chan [2]uint32
	all  chan [][2]uint32
}

func newReporter(r io.Reader) *reporter {
	rep := &reporter{each: make(chan [2]uint32, 1000), all: make(chan [][2]uint32, 1)}
	go func() {
		var pairs [][2]uint32
		var buf [8]byte
		for {
			if _, err := io.ReadFull(r, buf[:]); err != nil {
				close(rep.each)
				rep.all <- pairs
				return
			}
			pr := [2]uint32{binary.LittleEndian.Uint32(buf[:]), binary.LittleEndian.Uint32(buf[4:])}
			pairs = append(pairs, pr)
			rep.each <- pr
		}
	}()
	return rep
}

// waitReports waits until n pairs have been reported or the pipe closes.
func (rep *reporter) waitReports(n int) {
	for range n {
		if _, ok := <-rep.each; !ok {
			return
		}
	}
}

// killFigures are what TestRandomKillsWithLargeItems measures.
type killFigures struct {
	tries, producerKills, consumerKills, midStream int
	delivered, lost, inVictim, duplicated, failed  int
}

func TestRandomKillsWithLargeItems(t *testing.T) {
	// 200 tries on one queue with a 64 KiB ring. Each runs a producer of
	// 100 items (items 25 and 75 of 1 MiB, streamed) and a consumer, and
	// SIGKILLs one of them, half the time right before a large item.
	// Every item the producer completed must be delivered exactly once;
	// only the item a killed consumer was itself taking may be missing.
	tries := 200
	if testing.Short() {
		tries = 20
	}
	q, err := NewQueue(Options{Capacity: 1 << 16})
	if err != nil {
		t.Fatal(err)
	}
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 13))
	var f killFigures
	for try := range tries {
		f.tries++
		runKillTry(t, q, try, rng, &f)
		if t.Failed() {
			break
		}
	}
	t.Logf("seed %d: %d tries (%d producers, %d consumers killed; %d kills mid-stream); %d items delivered, %d lost, %d duplicated, %d gone with a killed consumer; %d survivors failed or hung",
		seed, f.tries, f.producerKills, f.consumerKills, f.midStream, f.delivered, f.lost, f.duplicated, f.inVictim, f.failed)
	if f.lost+f.duplicated+f.failed != 0 {
		t.Errorf("seed %d: %d lost, %d duplicated, %d survivors failed", seed, f.lost, f.duplicated, f.failed)
	}
}

// runKillTry runs one try of TestRandomKillsWithLargeItems.
func runKillTry(t *testing.T, q *Queue, try int, rng *rand.Rand, f *killFigures) {
	const count, every, big = 100, 50, 1 << 20
	v := startChild(t, "victim", q.Handle(), withReport)
	p := startChild(t, "syncproduce", q.Handle(), withReport, try, count, every, big)
	vRep, pRep := newReporter(v.report), newReporter(p.report)
	at := rng.IntN(count)
	if rng.IntN(2) == 0 {
		at = every/2 + every*rng.IntN(count/every) // right before a large item
	}
	killProducer := try%2 == 0
	victim, rep, stream := p, pRep, q.r.streamWriter
	if !killProducer {
		victim, rep, stream = v, vRep, q.r.streamReader
	}
	rep.waitReports(at)
	if atomic.LoadUint32(stream) == uint32(victim.cmd.Process.Pid) {
		f.midStream++
	}
	victim.kill()
	survivors := []*child{v}
	if killProducer {
		f.producerKills++
	} else {
		f.consumerKills++
		survivors = []*child{p, startChild(t, "victim", q.Handle(), withReport)}
		vRep = newReporter(survivors[1].report)
		if err := childtest.Wait(p.cmd, 30*time.Second); err != nil {
			t.Errorf("try %d: the producer: %v", try, err)
			f.failed++
		}
		survivors = survivors[1:]
	}
	if err := q.Put(nil, true, -1); err != nil { // the survivor's sentinel
		t.Fatalf("try %d: %v", try, err)
	}
	for _, c := range survivors {
		if err := childtest.Wait(c.cmd, 30*time.Second); err != nil {
			t.Errorf("try %d: the consumer: %v", try, err)
			f.failed++
		}
	}
	completed := <-pRep.all
	var received [][2]uint32
	if !killProducer {
		received = <-rep.all
	}
	received = append(received, <-vRep.all...)
	countTry(t, try, completed, received, f)
}

// countTry adds one try's deliveries to f.
func countTry(t *testing.T, try int, completed, received [][2]uint32, f *killFigures) {
	seen := make(map[uint32]int)
	for _, pr := range received {
		if pr[0] != uint32(try) {
			t.Errorf("try %d received item %d of try %d", try, pr[1], pr[0])
		}
		seen[pr[1]]++
	}
	for _, n := range seen {
		f.delivered++
		f.duplicated += n - 1
	}
	missing := 0
	for _, pr := range completed {
		if seen[pr[1]] == 0 {
			missing++
		}
	}
	if try%2 == 1 && missing <= 1 { // the consumer was killed
		f.inVictim += missing
	} else {
		f.lost += missing
	}
}
