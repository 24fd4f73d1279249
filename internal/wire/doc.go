// Package wire writes and reads the fields of mpstar's own binary
// messages: unsigned varints, zig-zag varints, and byte strings with their
// length before them as a uvarint. The preparation data a child starts
// from (mpcore) and the cluster's batch and notice messages are made of
// them.
//
// A Reader keeps the first error and returns zero values after it, so a
// decoder reads every field and checks once at the end. A count it reads
// cannot exceed the bytes left (every item takes at least one), so corrupt
// data cannot make a decoder allocate more than it was sent.
package wire
