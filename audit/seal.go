package audit

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/switchboardkit/switchboard/storage"
)

// ErrTampered marks a log whose stored state contradicts itself where
// sealing must trust it: a carried-over hash chain with a broken link, or a
// head whose frontier does not hash to its root. Nothing is sealed on top
// of it. Checked with errors.Is.
var ErrTampered = errors.New("audit: log tampered")

// SealResult is what one company's seal did.
type SealResult struct {
	CompanyID string
	Sealed    int  // events this call gave a place
	Head      Head // the head afterwards; Head.Checkpoint is its signed checkpoint
}

type sealed struct {
	Seq  int64
	Hash string
}

type onceResult struct {
	SealResult
	seqOf map[string]sealed
}

// Seal appends every committed, unsealed event of the named companies (of
// every company with one, when none is named) to its company's log and
// signs a checkpoint of the new head. The host drives it — a ticker, a job
// queue, after a batch of use cases; the SDK starts nothing by itself —
// and any number of sealers may run at once: sealers of one company take
// turns on its head, and each event gets exactly one place.
//
// Each company is sealed in transactions of at most WithSealBatch events,
// on tx. Within a company, carried-over events (V1) come first, in their
// chain's order, after their links have been checked; then the others in
// the order their transactions committed as the sealer sees it: an event
// that commits after a seal read the pending events joins the next seal,
// even when its OccurredAt is earlier. OccurredAt is therefore not
// monotonic along a log; Seq is.
//
// A company whose carried-over chain is broken is not sealed (its error
// wraps ErrTampered); the others are, and every failure is returned
// joined.
func (l *Log) Seal(ctx context.Context, tx storage.Transactor, companyIDs ...string) (_ []SealResult, err error) {
	const op = "audit.Seal"
	ctx, uc := l.obs.Start(ctx, op, "", "audit.log.seal")
	defer func() { uc.End(err) }()
	if len(companyIDs) == 0 {
		after := ""
		for {
			ids, err := l.store.Pending(ctx, after, 500)
			if err != nil {
				return nil, storage.Reop(op, err)
			}
			companyIDs = append(companyIDs, ids...)
			if len(ids) < 500 {
				break
			}
			after = ids[len(ids)-1]
		}
	}
	var out []SealResult
	var errs []error
	for _, c := range companyIDs {
		res := SealResult{CompanyID: c}
		for {
			var once onceResult
			var more bool
			err := tx.InTx(ctx, func(ctx context.Context) error {
				var err error
				once, more, err = l.sealOnce(ctx, op, c)
				return err
			})
			if err != nil {
				errs = append(errs, err)
				break
			}
			res.Sealed += once.Sealed
			res.Head = once.Head
			if !more {
				break
			}
		}
		out = append(out, res)
	}
	return out, errors.Join(errs...)
}

// sealOnce seals up to one batch of companyID's pending events inside the
// caller's transaction.
func (l *Log) sealOnce(ctx context.Context, op, companyID string) (onceResult, bool, error) {
	head, err := l.store.LockHead(ctx, companyID)
	if err != nil {
		return onceResult{}, false, storage.Reop(op, err)
	}
	res := onceResult{SealResult: SealResult{CompanyID: companyID, Head: head}}
	f, err := newFrontier(head)
	if err != nil {
		return res, false, storage.Wrap(op, ErrTampered, fmt.Errorf("log of company %q: %w", companyID, err))
	}
	evs, err := l.store.Unsealed(ctx, companyID, l.batch+1) // one more: is there a next batch, and what starts it
	if err != nil {
		return res, false, storage.Reop(op, err)
	}
	if len(evs) == 0 {
		return res, false, nil
	}
	var next *Event
	if len(evs) > l.batch {
		evs, next = evs[:l.batch], evs[l.batch]
	}
	if err := l.checkV1(ctx, op, head, evs, next); err != nil {
		return res, false, err
	}
	res.seqOf = make(map[string]sealed, len(evs))
	for i, e := range evs {
		e.Seq = head.Size + int64(i) + 1
		leaf := LeafHash(e)
		e.Hash = hex.EncodeToString(leaf[:])
		f.push(leaf)
		res.seqOf[e.ID] = sealed{e.Seq, e.Hash}
	}
	nh := Head{CompanyID: companyID, Size: f.n, Root: f.root(), Frontier: f.nodes, SealedAt: storage.Timestamp(l.clock.Now())}
	if l.signer != nil {
		cp := Checkpoint{Origin: l.Origin(companyID), CompanyID: companyID, Size: nh.Size, Root: nh.Root, Time: nh.SealedAt}
		if nh.Checkpoint, err = SignCheckpoint(cp, l.signer); err != nil {
			return res, false, storage.Unavailable(op, fmt.Errorf("sign checkpoint: %w", err))
		}
	}
	if err := l.store.Seal(ctx, nh, evs); err != nil {
		return res, false, storage.Reop(op, err)
	}
	res.Sealed, res.Head = len(evs), nh
	return res, next != nil, nil
}

// checkV1 verifies the carried-over events of a batch against their former
// hash chain: positions equal to their chain numbers, each link pointing at
// the previous event's chain hash, each chain hash matching the content,
// and, once the last carried-over event is in the batch, that event being
// the chain's recorded head (so a chain cut short before it was carried
// over is refused too).
func (l *Log) checkV1(ctx context.Context, op string, head Head, evs []*Event, next *Event) error {
	if evs[0].V1 == nil {
		return nil
	}
	broken := func(seq int64, why string) error {
		return storage.Wrap(op, ErrTampered, fmt.Errorf("carried-over chain of company %q broken at %d: %s", head.CompanyID, seq, why))
	}
	prev := ""
	if head.Size > 0 {
		last, err := l.store.Chain(ctx, head.CompanyID, head.Size-1, 1)
		if err != nil {
			return storage.Reop(op, err)
		}
		if len(last) != 1 || last[0].V1 == nil {
			return broken(head.Size+1, "a carried-over event follows events recorded since")
		}
		prev = last[0].V1.Hash
	}
	var lastV1 *V1Link
	for i, e := range evs {
		if e.V1 == nil {
			break
		}
		want := head.Size + int64(i) + 1
		switch {
		case e.V1.Seq != want:
			return broken(want, "event missing from the chain")
		case e.V1.PrevHash != prev:
			return broken(want, "previous-hash link does not match the preceding event")
		case V1Hash(e) != e.V1.Hash:
			return broken(want, "content does not match its hash")
		}
		prev, lastV1 = e.V1.Hash, e.V1
	}
	if evs[len(evs)-1].V1 != nil && next != nil && next.V1 != nil {
		return nil // the chain goes on in the next batch
	}
	seq, hash, err := l.store.V1Head(ctx, head.CompanyID)
	if err != nil {
		return storage.Reop(op, err)
	}
	if seq != lastV1.Seq || hash != lastV1.Hash {
		return broken(lastV1.Seq+1, "chain ends before its recorded head")
	}
	return nil
}
