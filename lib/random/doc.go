// Package random is mpstar's random module, seedable as Python's: the
// sequence differs from CPython's Mersenne Twister (scripts rely on seeding,
// not on the values). Each run gets its own generator from New, so hosts
// running several interpreters don't share a stream.
package random
