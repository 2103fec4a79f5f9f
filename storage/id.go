package storage

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"sync"
	"time"
)

// NewID returns a new identifier: a UUIDv7 string (RFC 9562). Its first 48
// bits are the Unix time in milliseconds and the next 12 a counter that keeps
// IDs from one process strictly increasing even within a millisecond, so IDs
// sort by creation time and make good keyset-pagination tie-breakers and
// B-tree keys. The remaining 62 bits are random.
//
// The time part comes from the wall clock, not from a service's Clock: IDs
// are identifiers, not timestamps.
func NewID() string {
	var out [36]byte
	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		panic("storage: crypto/rand failed: " + err.Error()) // documented never to fail
	}
	ms, seq := nextTick()
	encodeID(out[:], ms, seq, rnd[:])
	return string(out[:])
}

// NewIDs returns n new identifiers, increasing, as n calls of NewID
// would: one clock reading, one read of random bytes and one allocation
// for the n strings (which share it).
func NewIDs(n int) []string {
	if n <= 0 {
		return nil
	}
	rnd := make([]byte, 8*n)
	if _, err := rand.Read(rnd); err != nil {
		panic("storage: crypto/rand failed: " + err.Error()) // documented never to fail
	}
	var buf strings.Builder // its String does not copy
	buf.Grow(36 * n)
	var out [36]byte
	now := time.Now().UnixMilli()
	idState.Lock()
	for i := range n {
		ms, seq := idState.next(now)
		encodeID(out[:], ms, seq, rnd[8*i:8*i+8])
		buf.Write(out[:])
	}
	idState.Unlock()
	all := buf.String()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = all[36*i : 36*i+36]
	}
	return ids
}

// encodeID writes the UUIDv7 of (ms, seq) and 8 random bytes (62 bits of
// them kept) to out, 36 bytes.
func encodeID(out []byte, ms int64, seq uint16, rnd []byte) {
	var b [16]byte
	b[0] = byte(ms >> 40)
	b[1] = byte(ms >> 32)
	b[2] = byte(ms >> 24)
	b[3] = byte(ms >> 16)
	b[4] = byte(ms >> 8)
	b[5] = byte(ms)
	b[6] = 0x70 | byte(seq>>8)&0x0f
	b[7] = byte(seq)
	copy(b[8:], rnd)
	b[8] = 0x80 | b[8]&0x3f
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
}

var idState idClock

// idClock is the last (millisecond, counter) pair handed out.
type idClock struct {
	sync.Mutex
	ms  int64
	seq uint16
}

// nextTick returns a (millisecond, counter) pair strictly greater than the
// previous one returned in this process.
func nextTick() (int64, uint16) {
	now := time.Now().UnixMilli()
	idState.Lock()
	defer idState.Unlock()
	return idState.next(now)
}

// next is the (millisecond, counter) pair after the last one, now being
// the clock's millisecond; the caller holds the lock.
func (st *idClock) next(now int64) (int64, uint16) {
	if now > st.ms {
		st.ms, st.seq = now, 0
	} else {
		st.seq++
		if st.seq > 0x0fff { // counter exhausted: borrow the next millisecond
			st.ms++
			st.seq = 0
		}
	}
	return st.ms, st.seq
}
