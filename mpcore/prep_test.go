package mpcore

import (
	"errors"
	"reflect"
	"testing"
)

func fullPrep() *Prep {
	return &Prep{
		Version:     prepVersion,
		Name:        "Process-1:2",
		Identity:    []int{1, -2, 300000},
		Authkey:     []byte("key\x00bytes"),
		Daemon:      true,
		ParentPID:   4242,
		ParentName:  "MainProcess",
		StartMethod: "forkserver",
		Filename:    "script.star",
		Source:      []byte("print('hé')\n"),
		Argv:        []string{"script.star", "", "--flag"},
		Dir:         "/tmp/work",
		Payload:     []byte{0, 1, 2, 255},
		NumFDs:      3,
		Extra:       map[string][]byte{"level": []byte("10"), "compiled:ab": {9, 9}},
	}
}

func TestPrepRoundTrip(t *testing.T) {
	for _, want := range []*Prep{fullPrep(), {Version: prepVersion}, {Version: prepVersion, NumFDs: 300}} {
		got, err := decodePrep(appendPrep(nil, want))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("decoded %+v\nwant %+v", got, want)
		}
	}
}

func TestPrepOfAnotherVersionNamesTheCause(t *testing.T) {
	p := fullPrep()
	p.Version = prepVersion + 1
	_, err := decodePrep(appendPrep(nil, p))
	if !errors.Is(err, errPrepVersion) {
		t.Fatalf("got %v, want the different-builds error", err)
	}
}

func TestTruncatedOrPaddedPrepIsRefused(t *testing.T) {
	b := appendPrep(nil, fullPrep())
	for n := range len(b) {
		if _, err := decodePrep(b[:n]); err == nil {
			t.Fatalf("the first %d of %d bytes decoded without an error", n, len(b))
		}
	}
	if _, err := decodePrep(append(b, 0)); err == nil {
		t.Fatal("a trailing byte decoded without an error")
	}
}

// FuzzDecodePrep feeds the decoder garbage: it must refuse it or decode a
// Prep that survives encoding and decoding again, and never panic.
func FuzzDecodePrep(f *testing.F) {
	f.Add(appendPrep(nil, fullPrep()))
	f.Add(appendPrep(nil, &Prep{Version: prepVersion}))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := decodePrep(b)
		if err != nil {
			return
		}
		if _, err := decodePrep(appendPrep(nil, p)); err != nil {
			t.Fatalf("a decoded Prep does not decode again: %v", err)
		}
	})
}
