package pytypes

import "testing"

func TestBytearrayBuffers(t *testing.T) {
	ba := NewBytearray([]byte("abc"))
	w, err := ba.WritableBytes()
	if err != nil {
		t.Fatal(err)
	}
	w[0] = 'z' // writes land in the value, as recv_bytes_into needs
	if string(ba.ReadableBytes()) != "zbc" {
		t.Fatalf("got %s", ba)
	}
	ba.Freeze()
	if _, err := ba.WritableBytes(); err == nil {
		t.Fatal("a frozen bytearray is writable")
	}
}
