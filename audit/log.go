package audit

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"maps"
	"slices"

	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/observe"
)

// Log writes, reads and verifies the audit trail.
type Log struct {
	obs   observe.Observer // logger and tracer (observe.WithLogger, observe.WithTracerProvider)
	store Store
	clock storage.Clock
}

// Option configures a Log. It is observe.Option, so the shared observe.WithLogger and
// observe.WithTracerProvider are accepted too.
type Option = observe.Option

// WithClock sets the clock events are stamped with (default: the system clock).
func WithClock(c storage.Clock) Option { return observe.For(func(l *Log) { l.clock = c }) }

// NewLog returns a Log over store.
func NewLog(store Store, opts ...Option) *Log {
	l := &Log{store: store, clock: storage.SystemClock{}}
	observe.Apply("github.com/switchboardkit/switchboard/audit", l, &l.obs, opts)
	return l
}

// Record appends an event for e to the chain of e.CompanyID. It must run
// inside the use case's transaction (storage.Transactor.InTx): it locks the
// chain's head, so concurrent writers on one company queue up and the chain
// never forks. Request metadata is taken from ctx (WithMetadata).
//
// Errors: *storage.ValidationError when Action, EntityType or Actor.Role is
// empty, or when called outside a transaction (storage.ErrInvalid).
func (l *Log) Record(ctx context.Context, e Entry) (_ *Event, err error) {
	const op = "audit.Record"
	observe.Annotate(ctx, e.CompanyID) // the calling use case's span names the company it acted on
	ctx, uc := l.obs.Start(ctx, op, e.CompanyID, e.Action)
	defer func() { uc.End(err) }()
	if err := storage.MustBeInTx(ctx, op); err != nil {
		return nil, err
	}
	verr := &storage.ValidationError{Op: op}
	if e.Action == "" {
		verr.Add("action", "required", "is required")
	}
	if e.EntityType == "" {
		verr.Add("entity_type", "required", "is required")
	}
	if e.Actor.Role == "" {
		verr.Add("actor.role", "required", "is required")
	}
	if err := verr.Err(); err != nil {
		return nil, err
	}
	head, err := l.store.LockHead(ctx, e.CompanyID)
	if err != nil {
		return nil, err
	}
	ev := &Event{
		ID:         storage.NewID(),
		CompanyID:  e.CompanyID,
		Seq:        head.Seq + 1,
		OccurredAt: storage.Timestamp(l.clock.Now()),
		Actor:      e.Actor,
		Action:     e.Action,
		EntityType: e.EntityType,
		EntityID:   e.EntityID,
		Changes:    slices.Clone(e.Changes),
		Metadata:   maps.Clone(MetadataFrom(ctx)),
		PrevHash:   head.Hash,
	}
	for i := range ev.Changes {
		if c := &ev.Changes[i]; c.Redacted { // never store a secret, whoever built the change
			if c.Before != nil {
				c.Before = Redacted
			}
			if c.After != nil {
				c.After = Redacted
			}
		}
	}
	ev.Hash = ComputeHash(ev)
	if err := l.store.Append(ctx, ev); err != nil {
		return nil, err
	}
	return ev, nil
}

// Query returns one page of events visible in scope and matching f, newest
// first. Pagination is by keyset on (OccurredAt, ID): every event that
// existed when the first page was read is returned exactly once however many
// events arrive meanwhile. A company filter outside the scope yields an empty
// page, not an error, so existence does not leak. The filter's strings are
// trimmed and must be single-line text (IDs at most 64 characters, the
// others 255); From and To, when set, must be within storage.ValidTime and
// From before To: otherwise a *storage.ValidationError.
func (l *Log) Query(ctx context.Context, scope Scope, f Filter, p storage.PageRequest) (_ storage.Page[*Event], err error) {
	const op = "audit.Query"
	ctx, uc := l.obs.Start(ctx, op, "", observe.ActionRead)
	defer func() { uc.End(err) }()
	var after *Cursor
	if p.After != "" {
		after = new(Cursor)
		if err := storage.DecodeCursor(op, p.After, after); err != nil {
			return storage.Page[*Event]{}, err
		}
	}
	f.CompanyID, f.ActorID, f.Action = storage.NormalizeText(f.CompanyID), storage.NormalizeText(f.ActorID), storage.NormalizeText(f.Action)
	f.EntityType, f.EntityID = storage.NormalizeText(f.EntityType), storage.NormalizeText(f.EntityID)
	verr := &storage.ValidationError{Op: op}
	verr.CheckText("company_id", f.CompanyID, 64, false).CheckText("actor_id", f.ActorID, 64, false).
		CheckText("action", f.Action, 255, false).CheckText("entity_type", f.EntityType, 255, false).
		CheckText("entity_id", f.EntityID, 255, false)
	if !f.From.IsZero() {
		verr.CheckTime("from", f.From)
	}
	if !f.To.IsZero() {
		verr.CheckTime("to", f.To)
	}
	if err := verr.Err(); err != nil {
		return storage.Page[*Event]{}, err
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return storage.Page[*Event]{}, storage.Invalid(op, "to", "gtfield", "must be after from")
	}
	size := p.Size()
	evs, err := l.store.List(ctx, scope, f, after, size+1)
	if err != nil {
		return storage.Page[*Event]{}, err
	}
	page := storage.Page[*Event]{Items: evs}
	if len(evs) > size {
		page.Items = evs[:size]
		last := page.Items[size-1]
		page.NextCursor = storage.EncodeCursor(Cursor{At: last.OccurredAt, ID: last.ID})
	}
	return page, nil
}

// Get returns one event if scope covers its company; otherwise (and when it
// does not exist) storage.ErrNotFound.
func (l *Log) Get(ctx context.Context, scope Scope, id string) (_ *Event, err error) {
	ctx, uc := l.obs.Start(ctx, "audit.Get", "", observe.ActionRead)
	defer func() { uc.End(err) }()
	ev, err := l.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if !scope.Allows(ev.CompanyID) {
		return nil, storage.NotFound("audit.Get", "audit event", id)
	}
	return ev, nil
}

// Verify walks companyID's chain from its first event and reports the first
// broken link: a missing or repeated sequence number, a PrevHash that is not
// the previous event's hash, a Hash that does not match the event's content,
// or a chain shorter than its recorded head (events deleted from the end).
func (l *Log) Verify(ctx context.Context, scope Scope, companyID string) (_ Verification, err error) {
	ctx, uc := l.obs.Start(ctx, "audit.Verify", companyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	v := Verification{CompanyID: companyID}
	if !scope.Allows(companyID) {
		return v, storage.Forbidden("audit.Verify", "company outside the reader's scope")
	}
	var prevSeq int64
	var prevHash string
	const batch = 500
	for {
		evs, err := l.store.Chain(ctx, companyID, prevSeq, batch)
		if err != nil {
			return v, err
		}
		for _, e := range evs {
			switch {
			case e.Seq != prevSeq+1:
				return v.broken(prevSeq+1, "", "event missing from the chain"), nil
			case e.PrevHash != prevHash:
				return v.broken(e.Seq, e.ID, "previous-hash link does not match the preceding event"), nil
			case ComputeHash(e) != e.Hash:
				return v.broken(e.Seq, e.ID, "content does not match its hash"), nil
			}
			v.Checked++
			prevSeq, prevHash = e.Seq, e.Hash
		}
		if len(evs) < batch {
			break
		}
	}
	head, err := l.store.Head(ctx, companyID)
	if err != nil {
		return v, err
	}
	if head.Seq != prevSeq || head.Hash != prevHash {
		return v.broken(prevSeq+1, "", "chain ends before its recorded head"), nil
	}
	v.OK = true
	return v, nil
}

func (v Verification) broken(seq int64, id, reason string) Verification {
	v.OK, v.BrokenSeq, v.EventID, v.Reason = false, seq, id, reason
	return v
}

// ExportJSONL writes every event visible in scope and matching f to w, one
// JSON object per line, newest first (the Query order). It reads page by
// page, so memory use does not grow with the trail.
func (l *Log) ExportJSONL(ctx context.Context, scope Scope, f Filter, w io.Writer) (_ int, err error) {
	ctx, uc := l.obs.Start(ctx, "audit.ExportJSONL", "", observe.ActionRead)
	defer func() { uc.End(err) }()
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	n := 0
	req := storage.PageRequest{Limit: storage.MaxPageSize}
	for {
		page, err := l.Query(ctx, scope, f, req)
		if err != nil {
			return n, err
		}
		for _, e := range page.Items {
			if err := enc.Encode(e); err != nil {
				return n, err
			}
			n++
		}
		if page.NextCursor == "" {
			return n, bw.Flush()
		}
		req.After = page.NextCursor
	}
}
