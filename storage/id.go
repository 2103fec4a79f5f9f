package storage

import (
	"crypto/rand"
	"encoding/hex"
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
	var b [16]byte
	ms, seq := nextTick()
	b[0] = byte(ms >> 40)
	b[1] = byte(ms >> 32)
	b[2] = byte(ms >> 24)
	b[3] = byte(ms >> 16)
	b[4] = byte(ms >> 8)
	b[5] = byte(ms)
	b[6] = 0x70 | byte(seq>>8)&0x0f
	b[7] = byte(seq)
	if _, err := rand.Read(b[8:]); err != nil {
		panic("storage: crypto/rand failed: " + err.Error()) // documented never to fail
	}
	b[8] = 0x80 | b[8]&0x3f
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

var idState struct {
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
	if now > idState.ms {
		idState.ms, idState.seq = now, 0
	} else {
		idState.seq++
		if idState.seq > 0x0fff { // counter exhausted: borrow the next millisecond
			idState.ms++
			idState.seq = 0
		}
	}
	return idState.ms, idState.seq
}
