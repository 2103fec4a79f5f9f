package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"hash"
	"strconv"
	"time"
)

// hashVersion prefixes the hashed bytes so the scheme can evolve.
const hashVersion = "switchboard-audit-v1"

// ComputeHash returns the hex SHA-256 of the event's content and PrevHash.
// Every field but Hash itself is covered; each is length-prefixed so no two
// different events encode alike. Times are hashed as UTC microseconds, the
// precision every backend stores.
func ComputeHash(e *Event) string {
	h := sha256.New()
	put := func(s string) { putField(h, []byte(s)) }
	put(hashVersion)
	put(e.PrevHash)
	put(e.ID)
	put(e.CompanyID)
	put(strconv.FormatInt(e.Seq, 10))
	put(strconv.FormatInt(e.OccurredAt.UTC().Truncate(time.Microsecond).UnixMicro(), 10))
	put(e.Actor.UserID)
	put(e.Actor.CompanyID)
	put(e.Actor.Role)
	put(e.Action)
	put(e.EntityType)
	put(e.EntityID)
	putField(h, EncodeChanges(e.Changes))
	putField(h, EncodeMetadata(e.Metadata))
	return hex.EncodeToString(h.Sum(nil))
}

func putField(h hash.Hash, b []byte) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(b)))
	h.Write(n[:])
	h.Write(b)
}

// EncodeChanges is the canonical JSON of a change list, as stored and hashed.
func EncodeChanges(cs []Change) []byte {
	if len(cs) == 0 {
		return []byte("[]")
	}
	b, _ := json.Marshal(cs) // RawMessage values were produced by json.Marshal
	return b
}

// DecodeChanges reads EncodeChanges' output.
func DecodeChanges(b []byte) ([]Change, error) {
	var cs []Change
	if err := json.Unmarshal(b, &cs); err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, nil
	}
	return cs, nil
}

// EncodeMetadata is the canonical JSON of request metadata (keys sorted).
func EncodeMetadata(m map[string]string) []byte {
	if len(m) == 0 {
		return []byte("{}")
	}
	b, _ := json.Marshal(m)
	return b
}

// DecodeMetadata reads EncodeMetadata's output.
func DecodeMetadata(b []byte) (map[string]string, error) {
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

// Verification is the verdict on one company's chain.
type Verification struct {
	CompanyID string
	Checked   int64 // events checked
	OK        bool
	// When !OK: the first broken link. BrokenSeq is the sequence position at
	// which the chain stops being trustworthy; EventID is the event found
	// there ("" when it is missing).
	BrokenSeq int64
	EventID   string
	Reason    string
}
