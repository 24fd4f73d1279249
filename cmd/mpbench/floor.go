package main

// The raw-Go floors: each workload that has one, done by Go processes with
// nothing in between, timed the way the workload times itself. A floor does
// exactly the system calls the workload cannot avoid (one write per message,
// a fresh buffer per received 1 MiB message) and no batching the workload
// could not do.

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// floorChildEnv selects the child role when mpbench re-executes itself as
// the other process of a floor.
const floorChildEnv = "MPBENCH_FLOOR_CHILD"

// childFD is where a floor child finds its end of the socketpair (the first
// of exec.Cmd.ExtraFiles).
const childFD = 3

// warmupRoundTrips and warmupProcs match the workloads' untimed warm-up.
const (
	warmupRoundTrips = 100
	warmupProcs      = 2
)

const mib = 1 << 20

// floorEnv is what a floor needs besides N.
type floorEnv struct {
	self    string        // this executable, re-executed as the floor child
	mpstar  string        // the mpstar binary; "" when there is none
	timeout time.Duration // limit for a stuck peer
}

// floorFunc measures a floor for N operations.
type floorFunc func(env floorEnv, n int) result

// floorChild runs the floor child role named by MPBENCH_FLOOR_CHILD and
// exits; in an ordinary run it returns at once. main calls it first.
func floorChild() {
	role := os.Getenv(floorChildEnv)
	if role == "" {
		return
	}
	if err := runFloorChild(role); err != nil {
		fmt.Fprintf(os.Stderr, "mpbench floor child %s: %v\n", role, err)
		os.Exit(1)
	}
	os.Exit(0)
}

func runFloorChild(role string) error {
	switch role {
	case "exit":
		return nil
	case "echo":
		return childEcho(newFDConn(childFD))
	case "count":
		return childCount(newFDConn(childFD))
	case "bytes":
		return childBytes(newFDConn(childFD))
	}
	return fmt.Errorf("unknown role %q", role)
}

// childEcho answers every 8-byte integer i with i+1 until an empty message
// (pipe_pingpong_small's child).
func childEcho(c *fdConn) error {
	var reply [8]byte
	for {
		m, err := c.recvSmall()
		if err != nil {
			return err
		}
		if len(m) == 0 {
			return nil
		}
		binary.LittleEndian.PutUint64(reply[:], binary.LittleEndian.Uint64(m)+1)
		if err := c.sendSmall(reply[:]); err != nil {
			return err
		}
	}
}

// childCount says "ready", then counts the messages (i, 'x') and sums i
// until an empty message, and sends back (count, sum)
// (pipe_stream_small's child).
func childCount(c *fdConn) error {
	if err := c.sendSmall([]byte("ready")); err != nil {
		return err
	}
	var count, sum uint64
	for {
		m, err := c.recvSmall()
		if err != nil {
			return err
		}
		if len(m) == 0 {
			break
		}
		if len(m) != 9 || m[8] != 'x' {
			sum = 1 << 62 // poison the sum
		}
		count++
		sum += binary.LittleEndian.Uint64(m)
	}
	return c.sendSmall(pair(count, sum))
}

// childBytes says "ready", then receives 1 MiB messages into fresh buffers
// until an empty one, checking length and first and last byte, and sends
// back (count, bad) (pipe_bytes_1mib's child).
func childBytes(c *fdConn) error {
	if err := c.sendSmall([]byte("ready")); err != nil {
		return err
	}
	var count, bad uint64
	for {
		m, err := c.recvAlloc()
		if err != nil {
			return err
		}
		if len(m) == 0 {
			break
		}
		if len(m) != mib || m[0] != 0 || m[len(m)-1] != 255 {
			bad++
		}
		count++
	}
	return c.sendSmall(pair(count, bad))
}

func pair(a, b uint64) []byte {
	p := binary.LittleEndian.AppendUint64(nil, a)
	return binary.LittleEndian.AppendUint64(p, b)
}

func unpair(p []byte) (a, b uint64, err error) {
	if len(p) != 16 {
		return 0, 0, fmt.Errorf("reply of %d bytes, want 16", len(p))
	}
	return binary.LittleEndian.Uint64(p), binary.LittleEndian.Uint64(p[8:]), nil
}

// childCommand is this executable in a floor child role.
func childCommand(env floorEnv, role string) *exec.Cmd {
	cmd := exec.Command(env.self)
	cmd.Env = append(os.Environ(), floorChildEnv+"="+role)
	cmd.Stderr = os.Stderr
	return cmd
}

// peer is a running floor child and the parent's end of its socketpair.
type peer struct {
	*fdConn
	cmd *exec.Cmd
}

// startPeer starts a floor child in role with one end of a new socketpair
// as its descriptor 3.
func startPeer(env floorEnv, role string) (*peer, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("socketpair: %w", err)
	}
	childEnd := os.NewFile(uintptr(fds[1]), "floor-socket")
	cmd := childCommand(env, role)
	cmd.ExtraFiles = []*os.File{childEnd}
	err = cmd.Start()
	childEnd.Close()
	if err != nil {
		unix.Close(fds[0])
		return nil, fmt.Errorf("starting the floor child: %w", err)
	}
	p := &peer{fdConn: newFDConn(fds[0]), cmd: cmd}
	if err := p.setDeadline(env.timeout); err != nil {
		p.finish()
		return nil, fmt.Errorf("setting socket timeouts: %w", err)
	}
	return p, nil
}

// finish closes the parent's end, which ends a child still reading, and
// waits for the child.
func (p *peer) finish() error {
	unix.Close(p.fd)
	if err := p.cmd.Wait(); err != nil {
		return fmt.Errorf("floor child: %w", err)
	}
	return nil
}

// fail ends the child and reports err.
func (p *peer) fail(err error) result {
	p.finish()
	return failed("%v", err)
}

// collect ends a run that began at t0: it sends the empty end message,
// reads the child's (a, b) reply and waits for the child to exit. secs is
// the time from t0 to the reply.
func (p *peer) collect(t0 time.Time) (a, b uint64, secs float64, err error) {
	reply, err := p.request(nil)
	secs = time.Since(t0).Seconds()
	if err == nil {
		a, b, err = unpair(reply)
	}
	if err != nil {
		p.finish()
		return 0, 0, 0, err
	}
	return a, b, secs, p.finish()
}

// request sends msg and returns the child's reply.
func (p *peer) request(msg []byte) ([]byte, error) {
	if err := p.sendSmall(msg); err != nil {
		return nil, err
	}
	return p.recvSmall()
}

// awaitReady reads the child's "ready" message.
func (p *peer) awaitReady() error {
	m, err := p.recvSmall()
	if err != nil {
		return err
	}
	if string(m) != "ready" {
		return fmt.Errorf("got %q instead of the ready message", m)
	}
	return nil
}

// floorProcessStartJoin: N sequential start+wait of a Go child that exits at
// once; processes/s and the median per start+wait.
func floorProcessStartJoin(env floorEnv, n int) result {
	startJoin := func() error { return childCommand(env, "exit").Run() }
	for range warmupProcs {
		if err := startJoin(); err != nil {
			return failed("warm-up child: %v", err)
		}
	}
	lat := make([]float64, 0, n)
	t0 := time.Now()
	for range n {
		s := time.Now()
		if err := startJoin(); err != nil {
			return failed("child: %v", err)
		}
		lat = append(lat, time.Since(s).Seconds())
	}
	secs := time.Since(t0).Seconds()
	return result{OpsPerS: float64(n) / secs, P50us: median(lat) * 1e6, Unit: "processes/s"}
}

// floorPipePingpong: 100 untimed then N timed round trips of an 8-byte
// integer, each timed; round trips/s and the median round trip.
func floorPipePingpong(env floorEnv, n int) result {
	p, err := startPeer(env, "echo")
	if err != nil {
		return failed("%v", err)
	}
	var msg [8]byte
	roundTrip := func(i uint64) error {
		binary.LittleEndian.PutUint64(msg[:], i)
		r, err := p.request(msg[:])
		if err != nil {
			return err
		}
		if len(r) != 8 || binary.LittleEndian.Uint64(r) != i+1 {
			return fmt.Errorf("round trip %d: bad reply %x", i, r)
		}
		return nil
	}
	for i := range warmupRoundTrips {
		if err := roundTrip(uint64(i)); err != nil {
			return p.fail(err)
		}
	}
	lat := make([]float64, 0, n)
	t0 := time.Now()
	for i := range n {
		s := time.Now()
		if err := roundTrip(uint64(i)); err != nil {
			return p.fail(err)
		}
		lat = append(lat, time.Since(s).Seconds())
	}
	secs := time.Since(t0).Seconds()
	if err := p.sendSmall(nil); err != nil {
		return p.fail(err)
	}
	if err := p.finish(); err != nil {
		return failed("%v", err)
	}
	return result{OpsPerS: float64(n) / secs, P50us: median(lat) * 1e6, Unit: "round trips/s"}
}

// floorPipeStream: from the child's "ready", N messages (i, 'x') one write
// each, an empty message, and the (count, sum) reply; messages/s.
func floorPipeStream(env floorEnv, n int) result {
	p, err := startPeer(env, "count")
	if err != nil {
		return failed("%v", err)
	}
	if err := p.awaitReady(); err != nil {
		return p.fail(err)
	}
	var msg [9]byte
	msg[8] = 'x'
	t0 := time.Now()
	for i := range n {
		binary.LittleEndian.PutUint64(msg[:], uint64(i))
		if err := p.sendSmall(msg[:]); err != nil {
			return p.fail(err)
		}
	}
	count, sum, secs, err := p.collect(t0)
	if err != nil {
		return failed("%v", err)
	}
	if want := uint64(n) * uint64(n-1) / 2; count != uint64(n) || sum != want {
		return failed("child counted %d messages summing to %d, want %d and %d", count, sum, n, want)
	}
	return result{OpsPerS: float64(n) / secs, Unit: "messages/s"}
}

// floorPipeBytes: from the child's "ready", N 1 MiB messages, an empty one,
// and the (count, bad) reply; MiB/s.
func floorPipeBytes(env floorEnv, n int) result {
	payload := make([]byte, mib)
	for i := range payload {
		payload[i] = byte(i)
	}
	p, err := startPeer(env, "bytes")
	if err != nil {
		return failed("%v", err)
	}
	if err := p.awaitReady(); err != nil {
		return p.fail(err)
	}
	t0 := time.Now()
	for range n {
		if err := p.sendLarge(payload); err != nil {
			return p.fail(err)
		}
	}
	count, bad, secs, err := p.collect(t0)
	if err != nil {
		return failed("%v", err)
	}
	if count != uint64(n) || bad != 0 {
		return failed("child got %d messages, %d bad; want %d, 0 bad", count, bad, n)
	}
	return result{OpsPerS: float64(n) / secs, Unit: "MiB/s"}
}

// starlarkCallsCode is the interpreter floor of lock_uncontended: the same
// loop with two no-op builtin method calls in place of acquire and release.
const starlarkCallsCode = `
def run(n):
    l = []
    f = l.clear
    g = l.clear
    perf = time.perf_counter
    t0 = perf()
    for _ in range(n):
        f()
        g()
    return perf() - t0

print(json.encode({"seconds": run(int(sys.argv[-1]))}))
`

// floorStarlarkCalls runs starlarkCallsCode with mpstar -c; pairs of calls
// per second. Without a working mpstar the floor is not available.
func floorStarlarkCalls(env floorEnv, n int) result {
	if env.mpstar == "" {
		return result{Skipped: "no mpstar binary"}
	}
	out, errOut, err := runCommand([]string{env.mpstar, "-c", starlarkCallsCode, strconv.Itoa(n)}, env.timeout)
	if err != nil {
		return result{Skipped: fmt.Sprintf("mpstar -c: %v: %s", err, stderrSummary(errOut))}
	}
	var rec struct{ Seconds float64 }
	if err := json.Unmarshal(lastLine(out), &rec); err != nil || rec.Seconds <= 0 {
		return result{Skipped: fmt.Sprintf("mpstar -c printed %q, want {\"seconds\": ...}", lastLine(out))}
	}
	return result{OpsPerS: float64(n) / rec.Seconds, Unit: "pairs/s"}
}
