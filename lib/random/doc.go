// Package random is Python's random module for Starlark: CPython's
// Mersenne Twister (mt.go), seeded as CPython seeds it, and the functions
// drawing from it as CPython's do, so seeded scripts see CPython's numbers.
// Each run gets its own generator from New, so hosts running several
// interpreters don't share a stream; random.Random(seed) makes more.
package random
