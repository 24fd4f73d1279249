package mpcore

// Descriptor passing for objects that cross a process boundary by handle
// (CPython: reduction.py, resource_sharer.py). A message to a child carries
// indices into an FDTable instead of descriptor numbers; the launcher hands
// the table's files to the child, which receives them as a list of fds in
// the same order.

// FDTable collects the descriptors a message carries. The zero value is
// ready to use. Adding the same descriptor twice yields the same index, so
// an object passed twice is carried once.
type FDTable struct {
	fds   []int
	index map[int]int
}

// Add records fd (which stays owned by the caller) and returns its index in
// the table.
func (t *FDTable) Add(fd int) int {
	if i, ok := t.index[fd]; ok {
		return i
	}
	if t.index == nil {
		t.index = make(map[int]int)
	}
	t.fds = append(t.fds, fd)
	t.index[fd] = len(t.fds) - 1
	return len(t.fds) - 1
}

// FDs returns the descriptors in index order. They stay owned by whoever
// added them; the launcher duplicates them for the child.
func (t *FDTable) FDs() []int { return t.fds }
