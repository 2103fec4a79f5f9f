package audit

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/observe"
)

// Verification is the verdict on one company's log.
type Verification struct {
	CompanyID string
	Checked   int64     // sealed events whose leaf was recomputed
	Size      int64     // the head's size
	Root      tlog.Hash // the recomputed root of the Checked events
	OK        bool
	// When !OK: where the log stops being trustworthy. BrokenSeq is the
	// position (0 when the log as a whole is at fault, e.g. its head);
	// EventID the event found there ("" when it is missing).
	BrokenSeq int64
	EventID   string
	Reason    string
}

func (v Verification) broken(seq int64, id, reason string) Verification {
	v.OK, v.BrokenSeq, v.EventID, v.Reason = false, seq, id, reason
	return v
}

// Verify recomputes companyID's log from its sealed events: every position
// from 1 present once, every event's leaf hash recomputed from its content
// and equal to the stored one, the tree rebuilt and its root and size equal
// to the head's; with WithVerifier, the head's checkpoint must also carry a
// valid signature and name that size and root. It reports the first fault.
// Unsealed events are not covered until sealed.
//
// Verify alone cannot tell an intact log from one whose holder cut the
// tail and rewound the head, deleted it whole, or rewrote it and recomputed
// every hash: VerifyAgainst a checkpoint a witness kept does.
func (l *Log) Verify(ctx context.Context, scope Scope, companyID string) (_ Verification, err error) {
	const op = "audit.Verify"
	ctx, uc := l.obs.Start(ctx, op, companyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	if !scope.Allows(companyID) {
		return Verification{CompanyID: companyID}, outOfScope(op, companyID)
	}
	head, err := l.store.Head(ctx, companyID)
	if err != nil {
		return Verification{CompanyID: companyID}, storage.Reop(op, err)
	}
	v, _, err := l.walk(ctx, op, head, -1)
	if err != nil || !v.OK || l.verifier == nil || head.Size == 0 {
		return v, err
	}
	cp, err := OpenCheckpoint(l.origin, head.Checkpoint, l.verifier)
	switch {
	case err != nil:
		return v.broken(0, "", "the head's checkpoint is not signed by the log's key"), nil
	case cp.CompanyID != companyID || cp.Size != head.Size || cp.Root != head.Root:
		return v.broken(0, "", "the head's checkpoint names another state of the log"), nil
	}
	return v, nil
}

// walk recomputes the log up to the head and compares; at mark >= 0 it also
// returns the root of the first mark leaves (zero if the log is shorter).
func (l *Log) walk(ctx context.Context, op string, head Head, mark int64) (Verification, tlog.Hash, error) {
	v := Verification{CompanyID: head.CompanyID, Size: head.Size}
	var f frontier
	var atMark tlog.Hash
	if mark == 0 {
		atMark = emptyRoot
	}
	var leaf [tlog.HashSize]byte
	var lh leafHasher
	const batch = 1000
	for {
		evs, err := l.store.Chain(ctx, head.CompanyID, f.n, batch)
		if err != nil {
			return v, atMark, storage.Reop(op, err)
		}
		for _, e := range evs {
			if e.Seq != f.n+1 {
				v.Root = f.root()
				return v.broken(f.n+1, "", "event missing from the log"), atMark, nil
			}
			h := lh.hash(e)
			if n, err := hex.Decode(leaf[:], []byte(e.Hash)); err != nil || n != tlog.HashSize || tlog.Hash(leaf) != h {
				v.Root = f.root()
				return v.broken(e.Seq, e.ID, "content does not match its leaf hash"), atMark, nil
			}
			f.push(h)
			v.Checked++
			if f.n == mark {
				atMark = f.root()
			}
		}
		if len(evs) < batch {
			break
		}
	}
	v.Root = f.root()
	switch {
	case f.n != head.Size:
		return v.broken(f.n+1, "", "the log does not end at its head"), atMark, nil
	case v.Root != head.Root && (head.Size != 0 || head.Root != tlog.Hash{}):
		return v.broken(0, "", "the recomputed root differs from the head's"), atMark, nil
	}
	v.OK = true
	return v, atMark, nil
}

// VerifyAgainst proves that the log a witness's signed checkpoint names
// still extends it. The checkpoint must carry a valid signature by v (a
// checkpoint signed by any other key is refused) and name a log in scope;
// then the log is verified as by Verify and its first Size events must
// hash to the checkpoint's root. So a log cut short and rewound, a log
// deleted whole with its head, and a log rewritten with every hash
// recomputed are all reported, however consistent they are in themselves.
// The verdict's CompanyID is the checkpoint's company.
func (l *Log) VerifyAgainst(ctx context.Context, scope Scope, signed []byte, v note.Verifier) (_ Verification, err error) {
	const op = "audit.VerifyAgainst"
	ctx, uc := l.obs.Start(ctx, op, "", observe.ActionRead)
	defer func() { uc.End(err) }()
	cp, err := OpenCheckpoint(l.origin, signed, v)
	if err != nil {
		var verdict Verification
		if errors.Is(err, ErrCheckpoint) {
			return verdict.broken(0, "", err.Error()), nil
		}
		return verdict, err
	}
	if !scope.Allows(cp.CompanyID) {
		return Verification{CompanyID: cp.CompanyID}, outOfScope(op, cp.CompanyID)
	}
	head, err := l.store.Head(ctx, cp.CompanyID)
	if err != nil {
		return Verification{CompanyID: cp.CompanyID}, storage.Reop(op, err)
	}
	verdict, atMark, err := l.walk(ctx, op, head, cp.Size)
	if err != nil {
		return verdict, err
	}
	switch {
	case verdict.Checked < cp.Size && (verdict.OK || verdict.BrokenSeq > cp.Size || verdict.BrokenSeq == 0):
		return verdict.broken(verdict.Checked+1, "", "the log is shorter than the witness's checkpoint: events were removed"), nil
	case verdict.Checked >= cp.Size && atMark != cp.Root:
		return verdict.broken(0, "", "the log does not extend the witness's checkpoint: its history was rewritten"), nil
	case !verdict.OK:
		return verdict, nil
	}
	if l.verifier != nil && head.Size > 0 && !bytes.Equal(head.Checkpoint, signed) {
		if _, err := OpenCheckpoint(l.origin, head.Checkpoint, l.verifier); err != nil {
			return verdict.broken(0, "", "the head's checkpoint is not signed by the log's key"), nil
		}
	}
	return verdict, nil
}
