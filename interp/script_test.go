package interp_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/interp"
)

const scoringScript = `
load("multiprocessing", "Pool")

WEIGHT = 3

def score(record):
    return record["qty"] * record["price"] * WEIGHT

def score_all(records, workers):
    pool = Pool(workers)
    scores = pool.map(score, records)
    pool.close()
    pool.join()
    return scores
`

// A host calls a script's function with Go values, here mapping it over
// records with a Pool, and gets the value back.
func TestScriptCallMapsOverGoRecords(t *testing.T) {
	var stderr bytes.Buffer
	opts := testOptions
	opts.Stderr = &stderr
	ctx := context.Background()
	s, err := interp.Exec(ctx, "scoring.star", scoringScript, opts)
	if err != nil {
		t.Fatalf("exec: %v\n%s", err, &stderr)
	}
	defer s.Close()
	records := []map[string]any{{"qty": 2, "price": 5}, {"qty": 1, "price": 7}, {"qty": 4, "price": 1}}
	v, err := s.Call(ctx, "score_all", records, 2)
	if err != nil {
		t.Fatalf("call: %v\n%s", err, &stderr)
	}
	if got := v.String(); got != "[30, 21, 12]" {
		t.Errorf("score_all returned %s, want [30, 21, 12]", got)
	}
	if _, err := s.Call(ctx, "no_such_function"); err == nil {
		t.Error("calling a missing function succeeded")
	}
	if err := s.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
}

// Run returns the script's globals, as starlark.ExecFile does.
func TestRunReturnsGlobals(t *testing.T) {
	globals, err := interp.Run(context.Background(), "g.star", "x = 6 * 7\nnames = ['a', 'b']\n", testOptions)
	if err != nil {
		t.Fatal(err)
	}
	if globals["x"] != starlark.MakeInt(42) || globals["names"].String() != `["a", "b"]` {
		t.Errorf("globals %v", globals)
	}
}

// A call stopped by its context fails with an error wrapping ctx.Err(),
// and the script can be called again.
func TestScriptCallStopsWithItsContext(t *testing.T) {
	var stderr bytes.Buffer
	opts := testOptions
	opts.Stderr = &stderr
	s, err := interp.Exec(context.Background(), "wait.star", `
load("multiprocessing", "Event")
def wait():
    Event().wait()
def answer():
    return 42
`, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Call(ctx, "wait"); !errors.Is(err, context.Canceled) {
		t.Errorf("the cancelled call returned %v, want context.Canceled", err)
	}
	if v, err := s.Call(context.Background(), "answer"); err != nil || v != starlark.MakeInt(42) {
		t.Errorf("the next call returned %v, %v", v, err)
	}
}

// Session.Eval returns an expression's value instead of printing it.
func TestSessionEval(t *testing.T) {
	var stdout bytes.Buffer
	opts := testOptions
	opts.Stdout = &stdout
	s := interp.NewSession(opts)
	defer s.Close()
	if err := s.Exec("def double(x):\n    return 2 * x\n"); err != nil {
		t.Fatal(err)
	}
	v, err := s.Eval("double(21)")
	if err != nil || v != starlark.MakeInt(42) {
		t.Errorf("Eval returned %v, %v", v, err)
	}
	if stdout.Len() != 0 {
		t.Errorf("Eval printed %q", &stdout)
	}
}
