package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"hash"
	"slices"
	"strconv"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// leafVersion opens every leaf's encoding so the scheme can evolve.
const leafVersion = "sb-audit-2"

// LeafData is the canonical encoding of an event that its leaf hash covers:
// every field but Hash itself — ID, company, position (Seq), time (UTC
// microseconds, the precision every backend stores), actor, action, entity,
// each change (field, before, after, redacted), the request metadata (keys
// sorted) and, for a carried-over event, its V1 link. Numbers are varints
// and each string is prefixed by its length (a uvarint), so no two
// different events encode alike.
func LeafData(e *Event) []byte { return appendLeafData(nil, e) }

// appendLeafData appends LeafData(e) to b.
func appendLeafData(b []byte, e *Event) []byte {
	n := len(leafVersion) + len(e.ID) + len(e.CompanyID) + len(e.Actor.UserID) + len(e.Actor.CompanyID) + len(e.Actor.Role) +
		len(e.Action) + len(e.EntityType) + len(e.EntityID) + 16*10
	for _, c := range e.Changes {
		n += len(c.Field) + len(c.Before) + len(c.After) + 4*10
	}
	for k, v := range e.Metadata {
		n += len(k) + len(v) + 2*10
	}
	b = slices.Grow(b, n)
	b = putStr(b, leafVersion)
	b = putStr(b, e.ID)
	b = putStr(b, e.CompanyID)
	b = binary.AppendVarint(b, e.Seq)
	b = binary.AppendVarint(b, e.OccurredAt.UTC().Truncate(time.Microsecond).UnixMicro())
	b = putStr(b, e.Actor.UserID)
	b = putStr(b, e.Actor.CompanyID)
	b = putStr(b, e.Actor.Role)
	b = putStr(b, e.Action)
	b = putStr(b, e.EntityType)
	b = putStr(b, e.EntityID)
	b = binary.AppendUvarint(b, uint64(len(e.Changes)))
	for _, c := range e.Changes {
		b = putStr(b, c.Field)
		b = putRaw(b, c.Before)
		b = putRaw(b, c.After)
		if c.Redacted {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(e.Metadata)))
	if len(e.Metadata) > 0 {
		keys := make([]string, 0, len(e.Metadata))
		for k := range e.Metadata {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			b = putStr(b, k)
			b = putStr(b, e.Metadata[k])
		}
	}
	if e.V1 == nil {
		b = append(b, 0)
	} else {
		b = append(b, 1)
		b = binary.AppendVarint(b, e.V1.Seq)
		b = putStr(b, e.V1.PrevHash)
		b = putStr(b, e.V1.Hash)
	}
	return b
}

// LeafHash is the event's RFC 6962 leaf hash: SHA-256 of 0x00 and LeafData.
func LeafHash(e *Event) tlog.Hash { return tlog.RecordHash(LeafData(e)) }

// leafHasher computes leaf hashes reusing one buffer: the RFC 6962 leaf
// prefix 0x00 followed by LeafData, hashed at once.
type leafHasher struct{ buf []byte }

func (h *leafHasher) hash(e *Event) tlog.Hash {
	h.buf = appendLeafData(append(h.buf[:0], 0), e)
	return sha256.Sum256(h.buf)
}

func putStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// putRaw distinguishes an absent value (nil) from an empty one.
func putRaw(b []byte, r json.RawMessage) []byte {
	if r == nil {
		return append(b, 0)
	}
	b = binary.AppendUvarint(append(b, 1), uint64(len(r)))
	return append(b, r...)
}

// v1HashVersion prefixed the bytes the former hash chain hashed.
const v1HashVersion = "switchboard-audit-v1"

// V1Hash is the former hash chain's hash of a carried-over event: the hex
// SHA-256 over its content, its V1 sequence number and the previous event's
// chain hash (e.V1.PrevHash). Sealing a carried-over chain checks every link
// with it before the events join the log. It returns "" for an event without
// a V1 link.
func V1Hash(e *Event) string {
	if e.V1 == nil {
		return ""
	}
	h := sha256.New()
	put := func(s string) { putField(h, []byte(s)) }
	put(v1HashVersion)
	put(e.V1.PrevHash)
	put(e.ID)
	put(e.CompanyID)
	put(strconv.FormatInt(e.V1.Seq, 10))
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

// EncodeChanges is the canonical JSON of a change list, as stored.
func EncodeChanges(cs []Change) []byte {
	if len(cs) == 0 {
		return []byte("[]")
	}
	b, _ := json.Marshal(cs) // Record checked that every RawMessage is valid JSON
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
