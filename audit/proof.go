package audit

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/observe"
)

// InclusionProof proves that an event sits at position Seq of the log of
// Size events whose root is Root: the RFC 6962 audit path, at most
// ⌈log₂ Size⌉ hashes. Checkpoint is the head's signed checkpoint of that
// size and root (nil without a signer).
type InclusionProof struct {
	EventID    string           `json:"event_id"`
	CompanyID  string           `json:"company_id"`
	Seq        int64            `json:"seq"`
	Size       int64            `json:"size"`
	Leaf       tlog.Hash        `json:"leaf"`
	Root       tlog.Hash        `json:"root"`
	Path       tlog.RecordProof `json:"path"`
	Checkpoint []byte           `json:"checkpoint,omitempty"`
}

// ErrProof marks a proof that does not prove what it claims. Checked with
// errors.Is.
var ErrProof = errors.New("audit: proof does not verify")

// Prove returns the inclusion proof of a sealed event in its company's log
// at the current head. The event must be visible in scope (otherwise, and
// when it does not exist, storage.ErrNotFound); an unsealed event is
// storage.ErrPrecondition (seal first). A log whose stored hashes do not
// rebuild its head is ErrTampered: no proof is made over it.
func (l *Log) Prove(ctx context.Context, scope Scope, eventID string) (_ InclusionProof, err error) {
	const op = "audit.Prove"
	ctx, uc := l.obs.Start(ctx, op, "", observe.ActionRead)
	defer func() { uc.End(err) }()
	e, err := l.Get(ctx, scope, eventID)
	if err != nil {
		return InclusionProof{}, storage.Reop(op, err)
	}
	if !e.Sealed() {
		return InclusionProof{}, storage.Precondition(op, "event %s is not sealed yet: run Seal first", eventID)
	}
	head, tree, err := l.tree(ctx, op, e.CompanyID, 0)
	if err != nil {
		return InclusionProof{}, err
	}
	leaf := LeafHash(e)
	if hex.EncodeToString(leaf[:]) != e.Hash || tree.hashes[tlog.StoredHashIndex(0, e.Seq-1)] != leaf {
		return InclusionProof{}, storage.Wrap(op, ErrTampered, fmt.Errorf("event %s does not match its leaf hash", eventID))
	}
	path, err := tlog.ProveRecord(head.Size, e.Seq-1, tree)
	if err != nil {
		return InclusionProof{}, storage.Internal(op, err)
	}
	return InclusionProof{EventID: e.ID, CompanyID: e.CompanyID, Seq: e.Seq, Size: head.Size, Leaf: leaf,
		Root: head.Root, Path: path, Checkpoint: head.Checkpoint}, nil
}

// tree rebuilds companyID's tree in memory from the stored leaf hashes, up
// to size (the head's size when 0), checking it against the head.
func (l *Log) tree(ctx context.Context, op, companyID string, size int64) (Head, *memTree, error) {
	head, err := l.store.Head(ctx, companyID)
	if err != nil {
		return head, nil, storage.Reop(op, err)
	}
	if size == 0 {
		size = head.Size
	}
	if size > head.Size {
		return head, nil, storage.Invalid(op, "size", "lte", fmt.Sprintf("the log has %d events", head.Size))
	}
	t := &memTree{}
	var leaf [tlog.HashSize]byte
	for t.n < head.Size {
		evs, err := l.store.Chain(ctx, companyID, t.n, 1000)
		if err != nil {
			return head, nil, storage.Reop(op, err)
		}
		if len(evs) == 0 {
			break
		}
		for _, e := range evs {
			if e.Seq != t.n+1 || t.n >= head.Size {
				return head, nil, storage.Wrap(op, ErrTampered, fmt.Errorf("log of company %q has no event at %d", companyID, t.n+1))
			}
			if n, err := hex.Decode(leaf[:], []byte(e.Hash)); err != nil || n != tlog.HashSize {
				return head, nil, storage.Wrap(op, ErrTampered, fmt.Errorf("event %s has a malformed leaf hash", e.ID))
			}
			if err := t.push(tlog.Hash(leaf)); err != nil {
				return head, nil, storage.Internal(op, err)
			}
		}
	}
	root, err := tlog.TreeHash(head.Size, t)
	if err != nil || root != head.Root {
		return head, nil, storage.Wrap(op, ErrTampered, fmt.Errorf("log of company %q does not rebuild its head", companyID))
	}
	return head, t, nil
}

// CheckInclusion verifies p for e against a checkpoint the caller trusts
// (opened with OpenCheckpoint): the same log, size and root, e's recomputed
// leaf hash at p.Seq, and the audit path leading to the root. The error
// wraps ErrProof.
func CheckInclusion(p InclusionProof, e *Event, cp Checkpoint) error {
	leaf := LeafHash(e)
	switch {
	case cp.CompanyID != e.CompanyID || p.CompanyID != e.CompanyID:
		return fmt.Errorf("%w: event, proof and checkpoint name different logs", ErrProof)
	case p.Size != cp.Size || p.Root != cp.Root:
		return fmt.Errorf("%w: the proof is for a tree of %d events, the checkpoint for %d", ErrProof, p.Size, cp.Size)
	case e.Seq != p.Seq || e.Seq < 1 || leaf != p.Leaf:
		return fmt.Errorf("%w: the event's content or position is not the proven leaf", ErrProof)
	}
	if err := tlog.CheckRecord(p.Path, cp.Size, cp.Root, p.Seq-1, leaf); err != nil {
		return fmt.Errorf("%w: %v", ErrProof, err)
	}
	return nil
}

// ProveConsistency returns the RFC 6962 consistency proof that companyID's
// log of newSize events extends its prefix of oldSize events (at most
// about 2⌈log₂ newSize⌉ hashes); 0 < oldSize <= newSize <= the head's
// size, else a *storage.ValidationError. A log that does not rebuild its
// head is ErrTampered; a company outside scope is storage.ErrNotFound.
func (l *Log) ProveConsistency(ctx context.Context, scope Scope, companyID string, oldSize, newSize int64) (_ tlog.TreeProof, err error) {
	const op = "audit.ProveConsistency"
	ctx, uc := l.obs.Start(ctx, op, companyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	if !scope.Allows(companyID) {
		return nil, outOfScope(op, companyID)
	}
	if oldSize < 1 || newSize < oldSize {
		return nil, storage.Invalid(op, "old_size", "range", "must be at least 1 and at most new_size")
	}
	_, tree, err := l.tree(ctx, op, companyID, newSize)
	if err != nil {
		return nil, err
	}
	p, err := tlog.ProveTree(newSize, oldSize, tree)
	if err != nil {
		return nil, storage.Internal(op, err)
	}
	return p, nil
}

// CheckConsistency verifies that newer extends older (checkpoints of one
// log, opened with OpenCheckpoint) by p. The error wraps ErrProof.
func CheckConsistency(older, newer Checkpoint, p tlog.TreeProof) error {
	if older.Origin != newer.Origin {
		return fmt.Errorf("%w: checkpoints of different logs", ErrProof)
	}
	if older.Size > newer.Size {
		return fmt.Errorf("%w: the older checkpoint is larger", ErrProof)
	}
	if older.Size == 0 {
		return nil
	}
	if err := tlog.CheckTree(p, newer.Size, newer.Root, older.Size, older.Root); err != nil {
		return fmt.Errorf("%w: %v", ErrProof, err)
	}
	return nil
}
