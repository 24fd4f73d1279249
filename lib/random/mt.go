package random

// MT19937, the generator of CPython's random module, seeded as CPython
// seeds it, so a seeded script draws CPython's numbers.

import (
	"crypto/sha512"
	"math/big"
)

const (
	mtN       = 624
	mtM       = 397
	upperMask = 0x80000000
	lowerMask = 0x7fffffff
)

// mt is a Mersenne Twister state.
type mt struct {
	state [mtN]uint32
	index int
}

func (m *mt) initGenrand(s uint32) {
	m.state[0] = s
	for i := 1; i < mtN; i++ {
		prev := m.state[i-1]
		m.state[i] = 1812433253*(prev^(prev>>30)) + uint32(i)
	}
	m.index = mtN
}

// initByArray is CPython's init_by_array.
func (m *mt) initByArray(key []uint32) {
	m.initGenrand(19650218)
	i, j := 1, 0
	k := max(mtN, len(key))
	for ; k > 0; k-- {
		prev := m.state[i-1]
		m.state[i] = (m.state[i] ^ ((prev ^ (prev >> 30)) * 1664525)) + key[j] + uint32(j)
		i++
		j++
		if i >= mtN {
			m.state[0] = m.state[mtN-1]
			i = 1
		}
		if j >= len(key) {
			j = 0
		}
	}
	for k = mtN - 1; k > 0; k-- {
		prev := m.state[i-1]
		m.state[i] = (m.state[i] ^ ((prev ^ (prev >> 30)) * 1566083941)) - uint32(i)
		i++
		if i >= mtN {
			m.state[0] = m.state[mtN-1]
			i = 1
		}
	}
	m.state[0] = 0x80000000
	m.index = mtN
}

// seedInt seeds from a non-negative integer as CPython does: its 32-bit
// words, least significant first.
func (m *mt) seedInt(n *big.Int) {
	n = new(big.Int).Abs(n)
	var key []uint32
	for _, w := range n.Bits() {
		key = append(key, uint32(w))
		if wordBits := 32 << (^uint(0) >> 63); wordBits == 64 {
			key = append(key, uint32(uint64(w)>>32))
		}
	}
	for len(key) > 1 && key[len(key)-1] == 0 {
		key = key[:len(key)-1]
	}
	if len(key) == 0 {
		key = []uint32{0}
	}
	m.initByArray(key)
}

// seedBytes seeds from a str or bytes as CPython's version 2 seeding:
// the integer of the bytes followed by their SHA-512.
func (m *mt) seedBytes(b []byte) {
	sum := sha512.Sum512(b)
	m.seedInt(new(big.Int).SetBytes(append(append([]byte(nil), b...), sum[:]...)))
}

// next returns the next 32 random bits.
func (m *mt) next() uint32 {
	if m.index >= mtN {
		m.twist()
	}
	y := m.state[m.index]
	m.index++
	y ^= y >> 11
	y ^= (y << 7) & 0x9d2c5680
	y ^= (y << 15) & 0xefc60000
	y ^= y >> 18
	return y
}

func (m *mt) twist() {
	for i := 0; i < mtN; i++ {
		y := (m.state[i] & upperMask) | (m.state[(i+1)%mtN] & lowerMask)
		v := m.state[(i+mtM)%mtN] ^ (y >> 1)
		if y&1 != 0 {
			v ^= 0x9908b0df
		}
		m.state[i] = v
	}
	m.index = 0
}

// random is CPython's random(): 53 random bits in [0, 1).
func (m *mt) random() float64 {
	a, b := m.next()>>5, m.next()>>6
	return (float64(a)*67108864.0 + float64(b)) * (1.0 / 9007199254740992.0)
}

// getrandbits returns k random bits, as CPython assembles them from
// 32-bit words, least significant first.
func (m *mt) getrandbits(k int) *big.Int {
	if k <= 32 {
		return big.NewInt(int64(m.next() >> (32 - uint(k))))
	}
	words := (k-1)/32 + 1
	buf := make([]byte, words*4)
	for i := 0; i < words; i++ {
		r := m.next()
		if k < 32 {
			r >>= 32 - uint(k)
		}
		// little-endian words, each little-endian
		buf[i*4], buf[i*4+1], buf[i*4+2], buf[i*4+3] = byte(r), byte(r>>8), byte(r>>16), byte(r>>24)
		k -= 32
	}
	for i, j := 0, len(buf)-1; i < j; i, j = i+1, j-1 {
		buf[i], buf[j] = buf[j], buf[i]
	}
	return new(big.Int).SetBytes(buf)
}

// randbelow returns a uniform int in [0, n) by rejection, as CPython's
// _randbelow_with_getrandbits.
func (m *mt) randbelow(n *big.Int) *big.Int {
	k := n.BitLen()
	for {
		r := m.getrandbits(k)
		if r.Cmp(n) < 0 {
			return r
		}
	}
}
