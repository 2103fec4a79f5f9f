package storagetest

import (
	"context"
	"encoding/json"
	"fmt"
	"math/bits"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/mod/sumdb/note"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
)

// AuditTamper edits a backend's stored audit log directly, as whoever holds
// the database could; the tamper tests use it to prove every edit is
// detected. memory.Store.AuditTamper and bunstore.Store.AuditTamper
// implement it.
type AuditTamper interface {
	// Put overwrites (or creates) the stored event e.ID with every field of
	// e, its company, position and hash included; Seq 0 makes it unsealed.
	Put(ctx context.Context, e *audit.Event) error
	// Delete removes stored events.
	Delete(ctx context.Context, ids ...string) error
	// SetHead overwrites a company's log head; DeleteHead removes it.
	SetHead(ctx context.Context, h audit.Head) error
	DeleteHead(ctx context.Context, companyID string) error
}

func runAuditLog(t *testing.T, h *Harness) {
	t.Run("inclusion and consistency proofs", func(t *testing.T) { auditProofs(t, h) })
	t.Run("inline sealing", func(t *testing.T) { auditInlineSeal(t, h) })
	t.Run("every tampering is detected", func(t *testing.T) { auditTampering(t, h) })
}

// testKey is a signing key and its public verifier.
type testKey struct {
	signer   note.Signer
	verifier note.Verifier
}

func newTestKey(t testing.TB, name string) testKey {
	t.Helper()
	pub, priv, err := audit.GenerateKey()
	require.NoError(t, err)
	s, err := audit.NewSigner(name, priv)
	require.NoError(t, err)
	v, err := audit.NewVerifier(name, pub)
	require.NoError(t, err)
	return testKey{s, v}
}

func auditProofs(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	all := audit.Scope{All: true}
	key := newTestKey(t, "audit.test")
	log := audit.NewLog(h.Audit, audit.WithSigner(key.signer), audit.WithVerifier(key.verifier))
	c := storage.NewID()
	var ids []string
	for i := range 5 {
		ids = append(ids, record(t, h, log, c, fmt.Sprintf("x.a%d", i)).ID)
	}
	_, err := log.Prove(ctx, all, ids[0])
	require.ErrorIs(t, err, storage.ErrPrecondition, "unsealed")
	res, err := log.Seal(ctx, h.Tx)
	require.NoError(t, err)
	var mine *audit.SealResult
	for i := range res {
		if res[i].CompanyID == c {
			mine = &res[i]
		}
	}
	require.NotNil(t, mine, "Seal without names seals every pending company")
	assert.Equal(t, 5, mine.Sealed)
	older, err := audit.OpenCheckpoint(audit.DefaultOrigin, mine.Head.Checkpoint, key.verifier)
	require.NoError(t, err)
	assert.EqualValues(t, 5, older.Size)
	assert.Equal(t, c, older.CompanyID)

	for i := range 12 {
		ids = append(ids, record(t, h, log, c, fmt.Sprintf("x.b%d", i)).ID)
	}
	_, err = log.Seal(ctx, h.Tx, c)
	require.NoError(t, err)
	signed, err := log.Checkpoint(ctx, all, c)
	require.NoError(t, err)
	newer, err := audit.OpenCheckpoint(audit.DefaultOrigin, signed, key.verifier)
	require.NoError(t, err)
	require.EqualValues(t, 17, newer.Size)

	maxPath := bits.Len64(uint64(newer.Size - 1)) // ⌈log₂ n⌉
	for _, id := range ids {
		p, err := log.Prove(ctx, all, id)
		require.NoError(t, err)
		assert.LessOrEqual(t, len(p.Path), maxPath, "proof size is O(log n)")
		e := mustGet(t, log, all, id)
		require.NoError(t, audit.CheckInclusion(p, e, newer))
		forged := *e
		forged.Action = "x.forged"
		require.ErrorIs(t, audit.CheckInclusion(p, &forged, newer), audit.ErrProof)
		require.ErrorIs(t, audit.CheckInclusion(p, e, older), audit.ErrProof, "a proof for another tree size")
	}
	b, err := json.Marshal(mustProve(t, log, ids[3]))
	require.NoError(t, err)
	var back audit.InclusionProof
	require.NoError(t, json.Unmarshal(b, &back))
	require.NoError(t, audit.CheckInclusion(back, mustGet(t, log, all, ids[3]), newer), "a proof survives JSON")

	cp, err := log.ProveConsistency(ctx, all, c, older.Size, newer.Size)
	require.NoError(t, err)
	assert.LessOrEqual(t, len(cp), 2*maxPath)
	require.NoError(t, audit.CheckConsistency(older, newer, cp))
	bogus := older
	bogus.Root[0] ^= 1
	require.ErrorIs(t, audit.CheckConsistency(bogus, newer, cp), audit.ErrProof)
	_, err = log.ProveConsistency(ctx, all, c, 3, 99)
	require.ErrorIs(t, err, storage.ErrInvalid)
	_, err = log.Prove(ctx, audit.Scope{CompanyIDs: []string{storage.NewID()}}, ids[0])
	require.ErrorIs(t, err, storage.ErrNotFound)

	v, err := log.VerifyAgainst(ctx, all, mine.Head.Checkpoint, key.verifier)
	require.NoError(t, err)
	assert.True(t, v.OK, "%+v", v)
	assert.EqualValues(t, 17, v.Checked)
}

func mustProve(t *testing.T, log *audit.Log, id string) audit.InclusionProof {
	t.Helper()
	p, err := log.Prove(context.Background(), audit.Scope{All: true}, id)
	require.NoError(t, err)
	return p
}

func auditInlineSeal(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	key := newTestKey(t, "audit.test")
	log := audit.NewLog(h.Audit, audit.WithInlineSeal(), audit.WithSigner(key.signer), audit.WithVerifier(key.verifier))
	c := storage.NewID()
	for i := range 3 {
		ev := record(t, h, log, c, "x.inline")
		assert.EqualValues(t, i+1, ev.Seq, "sealed in its own transaction")
		assert.NotEmpty(t, ev.Hash)
	}
	v, err := log.Verify(ctx, audit.Scope{All: true}, c)
	require.NoError(t, err)
	assert.True(t, v.OK, "%+v", v)
	assert.EqualValues(t, 3, v.Checked)
	// A rolled-back use case takes its event and the seal with it.
	err = h.Tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := log.Record(ctx, audit.Entry{Actor: testActor, CompanyID: c, Action: "x.fail", EntityType: "x"}); err != nil {
			return err
		}
		return fmt.Errorf("boom")
	})
	require.Error(t, err)
	head, err := h.Audit.Head(ctx, c)
	require.NoError(t, err)
	assert.EqualValues(t, 3, head.Size)
}

// tamperWorld is one company's sealed log of eight events with a witness
// checkpoint of it, on which each tampering is tried.
type tamperWorld struct {
	h       *Harness
	log     *audit.Log
	key     testKey
	company string
	evs     []*audit.Event // as sealed
	head6   audit.Head     // the head after the first six events
	witness []byte         // the signed checkpoint at eight events
}

func newTamperWorld(t *testing.T, h *Harness) *tamperWorld {
	ctx := context.Background()
	w := &tamperWorld{h: h, key: newTestKey(t, "audit.test"), company: storage.NewID()}
	clock := storage.NewManualClock(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
	w.log = audit.NewLog(h.Audit, audit.WithClock(clock), audit.WithSigner(w.key.signer))
	actx := audit.WithRequest(ctx, "req-1", "198.51.100.1", "tamper")
	for i := range 8 {
		clock.Advance(time.Second)
		require.NoError(t, h.Tx.InTx(actx, func(ctx context.Context) error {
			_, err := w.log.Record(ctx, audit.Entry{Actor: audit.Actor{UserID: "u-1", CompanyID: w.company, Role: "administrator"},
				CompanyID: w.company, Action: fmt.Sprintf("x.step%d", i), EntityType: "thing", EntityID: fmt.Sprint(i),
				Changes: []audit.Change{audit.Set("n", i, i+1)}})
			return err
		}))
		if i == 5 {
			_, err := w.log.Seal(ctx, h.Tx, w.company)
			require.NoError(t, err)
			w.head6, err = h.Audit.Head(ctx, w.company)
			require.NoError(t, err)
		}
	}
	res, err := w.log.Seal(ctx, h.Tx, w.company)
	require.NoError(t, err)
	w.witness = res[0].Head.Checkpoint
	w.evs, err = h.Audit.Chain(ctx, w.company, 0, 100)
	require.NoError(t, err)
	require.Len(t, w.evs, 8)
	v := w.verify(t)
	require.True(t, v.OK, "%+v", v)
	v = w.against(t, w.witness, w.key.verifier)
	require.True(t, v.OK, "%+v", v)
	return w
}

func (w *tamperWorld) verify(t *testing.T) audit.Verification {
	t.Helper()
	v, err := w.log.Verify(context.Background(), audit.Scope{All: true}, w.company)
	require.NoError(t, err)
	return v
}

func (w *tamperWorld) against(t *testing.T, cp []byte, v note.Verifier) audit.Verification {
	t.Helper()
	verdict, err := w.log.VerifyAgainst(context.Background(), audit.Scope{All: true}, cp, v)
	require.NoError(t, err)
	return verdict
}

func (w *tamperWorld) put(t *testing.T, e *audit.Event) {
	t.Helper()
	require.NoError(t, w.h.AuditTamper.Put(context.Background(), e))
}

func clone(e *audit.Event) *audit.Event {
	c := *e
	c.Changes = append([]audit.Change(nil), e.Changes...)
	c.Metadata = map[string]string{}
	for k, v := range e.Metadata {
		c.Metadata[k] = v
	}
	return &c
}

func auditTampering(t *testing.T, h *Harness) {
	if h.AuditTamper == nil {
		t.Skip("backend offers no AuditTamper")
	}
	edits := map[string]func(e *audit.Event){
		"occurred_at":      func(e *audit.Event) { e.OccurredAt = e.OccurredAt.Add(time.Microsecond) },
		"actor.user_id":    func(e *audit.Event) { e.Actor.UserID = "u-2" },
		"actor.company_id": func(e *audit.Event) { e.Actor.CompanyID = storage.NewID() },
		"actor.role":       func(e *audit.Event) { e.Actor.Role = "owner" },
		"action":           func(e *audit.Event) { e.Action = "x.forged" },
		"entity_type":      func(e *audit.Event) { e.EntityType = "other" },
		"entity_id":        func(e *audit.Event) { e.EntityID = "99" },
		"changes":          func(e *audit.Event) { e.Changes[0].After = json.RawMessage("100") },
		"changes.redacted": func(e *audit.Event) { e.Changes[0].Redacted = true },
		"metadata":         func(e *audit.Event) { e.Metadata["client_ip"] = "203.0.113.9" },
		"hash":             func(e *audit.Event) { e.Hash = e.Hash[:63] + "0" },
	}
	for field, edit := range edits {
		t.Run("edit "+field, func(t *testing.T) {
			t.Parallel()
			w := newTamperWorld(t, h)
			e := clone(w.evs[3])
			edit(e)
			if e.Hash == w.evs[3].Hash && field == "hash" {
				e.Hash = e.Hash[:63] + "1"
			}
			w.put(t, e)
			v := w.verify(t)
			assert.False(t, v.OK, "edit of %s undetected", field)
			assert.EqualValues(t, 4, v.BrokenSeq, "%+v", v)
			assert.False(t, w.against(t, w.witness, w.key.verifier).OK)
		})
	}
	t.Run("edit id", func(t *testing.T) {
		t.Parallel()
		w := newTamperWorld(t, h)
		e := clone(w.evs[3])
		require.NoError(t, h.AuditTamper.Delete(context.Background(), e.ID))
		e.ID = storage.NewID()
		w.put(t, e)
		v := w.verify(t)
		assert.False(t, v.OK)
		assert.EqualValues(t, 4, v.BrokenSeq, "%+v", v)
	})
	for name, i := range map[string]int{"first": 0, "middle": 4, "last": 7} {
		t.Run("delete "+name, func(t *testing.T) {
			t.Parallel()
			w := newTamperWorld(t, h)
			require.NoError(t, h.AuditTamper.Delete(context.Background(), w.evs[i].ID))
			v := w.verify(t)
			assert.False(t, v.OK)
			assert.EqualValues(t, i+1, v.BrokenSeq, "%+v", v)
			assert.False(t, w.against(t, w.witness, w.key.verifier).OK)
		})
	}
	t.Run("reorder", func(t *testing.T) {
		t.Parallel()
		w := newTamperWorld(t, h)
		a, b := clone(w.evs[2]), clone(w.evs[3])
		a.Seq, b.Seq = 0, 3
		w.put(t, a)
		w.put(t, b)
		a.Seq = 4
		w.put(t, a)
		v := w.verify(t)
		assert.False(t, v.OK)
		assert.EqualValues(t, 3, v.BrokenSeq, "%+v", v)
	})
	t.Run("move to another company", func(t *testing.T) {
		t.Parallel()
		w := newTamperWorld(t, h)
		other := newTamperWorld(t, h)
		e := clone(w.evs[5])
		e.CompanyID, e.Seq = other.company, 9
		w.put(t, e)
		v := w.verify(t)
		assert.False(t, v.OK)
		assert.EqualValues(t, 6, v.BrokenSeq, "%+v", v)
		v = other.verify(t)
		assert.False(t, v.OK, "the receiving log does not end at its head")
		assert.False(t, other.against(t, other.witness, other.key.verifier).OK)
	})
	t.Run("tail cut and rewind", func(t *testing.T) {
		t.Parallel()
		w := newTamperWorld(t, h)
		require.NoError(t, h.AuditTamper.Delete(context.Background(), w.evs[6].ID, w.evs[7].ID))
		require.NoError(t, h.AuditTamper.SetHead(context.Background(), w.head6))
		v := w.verify(t)
		require.True(t, v.OK, "consistent in itself: only a witness can tell")
		v = w.against(t, w.witness, w.key.verifier)
		assert.False(t, v.OK)
		assert.Contains(t, v.Reason, "shorter")
	})
	t.Run("whole log deleted", func(t *testing.T) {
		t.Parallel()
		w := newTamperWorld(t, h)
		var ids []string
		for _, e := range w.evs {
			ids = append(ids, e.ID)
		}
		require.NoError(t, h.AuditTamper.Delete(context.Background(), ids...))
		require.NoError(t, h.AuditTamper.DeleteHead(context.Background(), w.company))
		v := w.verify(t)
		require.True(t, v.OK, "an empty log is consistent in itself")
		assert.Zero(t, v.Checked)
		assert.False(t, w.against(t, w.witness, w.key.verifier).OK)
	})
	t.Run("full recompute", func(t *testing.T) {
		t.Parallel()
		w := newTamperWorld(t, h)
		ctx := context.Background()
		// The holder of the database rewrites an event and rebuilds the whole
		// log and its head with a key of its own.
		require.NoError(t, h.AuditTamper.DeleteHead(ctx, w.company))
		for i, e := range w.evs {
			e = clone(e)
			e.Seq, e.Hash = 0, ""
			if i == 2 {
				e.Action = "x.forged"
			}
			w.put(t, e)
		}
		forger := newTestKey(t, "audit.test")
		_, err := audit.NewLog(h.Audit, audit.WithSigner(forger.signer)).Seal(ctx, h.Tx, w.company)
		require.NoError(t, err)
		v := w.verify(t)
		require.True(t, v.OK, "consistent in itself: %+v", v)
		require.EqualValues(t, 8, v.Checked)
		v = w.against(t, w.witness, w.key.verifier)
		assert.False(t, v.OK)
		assert.Contains(t, v.Reason, "rewritten")
		// Verify with the log's real key sees the head signed by another.
		strict := audit.NewLog(h.Audit, audit.WithVerifier(w.key.verifier))
		v, err = strict.Verify(ctx, audit.Scope{All: true}, w.company)
		require.NoError(t, err)
		assert.False(t, v.OK)
	})
	t.Run("checkpoint signed by another key", func(t *testing.T) {
		t.Parallel()
		w := newTamperWorld(t, h)
		forger := newTestKey(t, "audit.test")
		cp, err := audit.OpenCheckpoint(audit.DefaultOrigin, w.witness, w.key.verifier)
		require.NoError(t, err)
		forged, err := audit.SignCheckpoint(cp, forger.signer)
		require.NoError(t, err)
		v := w.against(t, forged, w.key.verifier)
		assert.False(t, v.OK)
		assert.Contains(t, v.Reason, "untrusted checkpoint")
	})
}
