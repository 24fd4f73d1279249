package pytypes

import "testing"

func TestArrayBuffers(t *testing.T) {
	a, err := NewTypedArray('H', []byte{1, 0, 2, 0})
	if err != nil {
		t.Fatal(err)
	}
	w, err := a.WritableBytes()
	if err != nil {
		t.Fatal(err)
	}
	w[2] = 7 // writes land in the value, as recv_bytes_into needs
	if got := a.String(); got != "array('H', [1, 7])" {
		t.Fatalf("got %s", got)
	}
	if _, err := NewTypedArray('H', []byte{1}); err == nil {
		t.Fatal("an odd byte count made an 'H' array")
	}
}
