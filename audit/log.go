package audit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"slices"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/observe"
)

// Log writes, seals, reads, proves and verifies the audit log.
type Log struct {
	obs      observe.Observer // logger and tracer (observe.WithLogger, observe.WithTracerProvider)
	store    Store
	clock    storage.Clock
	signer   note.Signer
	verifier note.Verifier
	origin   string
	inline   bool
	batch    int
}

// Option configures a Log. It is observe.Option, so the shared observe.WithLogger and
// observe.WithTracerProvider are accepted too.
type Option = observe.Option

// WithClock sets the clock events and checkpoints are stamped with (default:
// the system clock).
func WithClock(c storage.Clock) Option { return observe.For(func(l *Log) { l.clock = c }) }

// WithSigner sets the key every seal signs its checkpoint with (NewSigner
// adapts an Ed25519 crypto.Signer, e.g. a KMS key). Without one the log is
// sealed and verifiable but its checkpoints are unsigned, so nothing
// survives whoever holds the database.
func WithSigner(s note.Signer) Option { return observe.For(func(l *Log) { l.signer = s }) }

// WithVerifier sets the public key Verify checks the head's checkpoint
// with: a head rewritten without the signing key is then reported.
func WithVerifier(v note.Verifier) Option { return observe.For(func(l *Log) { l.verifier = v }) }

// WithOrigin sets the prefix of every log's origin line (default
// DefaultOrigin): name the deployment, e.g. "audit.example.com", so
// checkpoints of two deployments never look alike.
func WithOrigin(prefix string) Option { return observe.For(func(l *Log) { l.origin = prefix }) }

// WithInlineSeal makes Record seal inside the use case's own transaction:
// every committed event is in the log and under a signed checkpoint at
// once, at the price of one lock on the company's log head per use case
// (concurrent writers of one company queue on it). Without it, events are
// sealed by Seal.
func WithInlineSeal() Option { return observe.For(func(l *Log) { l.inline = true }) }

// WithSealBatch sets how many events one sealing transaction takes at most
// (default 5000).
func WithSealBatch(n int) Option {
	return observe.For(func(l *Log) {
		if n > 0 {
			l.batch = n
		}
	})
}

// NewLog returns a Log over store.
func NewLog(store Store, opts ...Option) *Log {
	l := &Log{store: store, clock: storage.SystemClock{}, origin: DefaultOrigin, batch: 5000}
	observe.Apply("github.com/switchboardkit/switchboard/audit", l, &l.obs, opts)
	return l
}

// Origin is the origin line of companyID's log.
func (l *Log) Origin(companyID string) string { return LogOrigin(l.origin, companyID) }

// Record stores an event for e in the log of e.CompanyID. It must run
// inside the use case's transaction (storage.Transactor.InTx): the event
// commits or rolls back with the change. It locks nothing other writers
// use; the event is unsealed (Seq 0) until Seal gives it its place, unless
// the Log was built WithInlineSeal, when it is sealed in this transaction
// and returned with its Seq and Hash. Request metadata is taken from ctx
// (WithMetadata). Changes flagged Redacted carry the redaction marker
// whatever values they were built with; change values are stored as
// compact JSON.
//
// Errors: *storage.ValidationError when Action, EntityType or Actor.Role is
// empty or a change value is not JSON, or when called outside a
// transaction (storage.ErrInvalid).
func (l *Log) Record(ctx context.Context, e Entry) (_ *Event, err error) {
	const op = "audit.Record"
	observe.Annotate(ctx, e.CompanyID) // the calling use case's span names the company it acted on
	ctx, uc := l.obs.Start(ctx, op, e.CompanyID, e.Action)
	defer func() { uc.End(err) }()
	if err := storage.MustBeInTx(ctx, op); err != nil {
		return nil, err
	}
	ev, err := l.event(ctx, op, e, storage.Timestamp(l.clock.Now()))
	if err != nil {
		return nil, err
	}
	if err := l.store.Insert(ctx, ev); err != nil {
		return nil, storage.Reop(op, err)
	}
	if l.inline {
		res, _, err := l.sealOnce(ctx, op, ev.CompanyID)
		if err != nil {
			return nil, err
		}
		if s, ok := res.seqOf[ev.ID]; ok {
			ev.Seq, ev.Hash = s.Seq, s.Hash
		}
	}
	return ev, nil
}

// event builds the unsealed event of e, occurred at now, checking it as
// Record documents.
func (l *Log) event(ctx context.Context, op string, e Entry, now time.Time) (*Event, error) {
	ev := new(Event)
	if err := fill(MetadataFrom(ctx), &storage.ValidationError{Op: op}, ev, storage.NewID(), e, now, nil); err != nil {
		return nil, err
	}
	return ev, nil
}

// eventArena is where fill puts the changes and their JSON values of the
// events of one RecordAll, so that a batch takes two allocations for them,
// not a few per event. Every event gets its own capped slices of them.
type eventArena struct {
	changes []Change
	values  []byte
}

// newEventArena sizes an arena for the changes of es.
func newEventArena(es []Entry) *eventArena {
	n, size := 0, 0
	for i := range es {
		n += len(es[i].Changes)
		for j := range es[i].Changes {
			size += len(es[i].Changes[j].Before) + len(es[i].Changes[j].After)
		}
	}
	return &eventArena{changes: make([]Change, 0, n), values: make([]byte, 0, size)}
}

// cloneChanges is slices.Clone(cs), from the arena when there is one.
func (a *eventArena) cloneChanges(cs []Change) []Change {
	if a == nil || cs == nil {
		return slices.Clone(cs)
	}
	from := len(a.changes)
	a.changes = append(a.changes, cs...)
	return a.changes[from:len(a.changes):len(a.changes)]
}

// clone is bytes.Clone(r) (r not empty), from the arena when there is one.
func (a *eventArena) clone(r []byte) []byte {
	if a == nil {
		return bytes.Clone(r)
	}
	from := len(a.values)
	a.values = append(a.values, r...)
	return a.values[from:len(a.values):len(a.values)]
}

// fill makes *ev the unsealed event id of e, occurred at now, with (a copy
// of) the request metadata md, checking it as Record documents (adding what
// is wrong to verr, which holds nothing yet, and returning it); its changes
// and their values come from arena (nil: of their own).
func fill(md map[string]string, verr *storage.ValidationError, ev *Event, id string, e Entry, now time.Time, arena *eventArena) error {
	if e.Action == "" {
		verr.Add("action", "required", "is required")
	}
	if e.EntityType == "" {
		verr.Add("entity_type", "required", "is required")
	}
	if e.Actor.Role == "" {
		verr.Add("actor.role", "required", "is required")
	}
	*ev = Event{
		ID:         id,
		CompanyID:  e.CompanyID,
		OccurredAt: now,
		Actor:      e.Actor,
		Action:     e.Action,
		EntityType: e.EntityType,
		EntityID:   e.EntityID,
		Changes:    arena.cloneChanges(e.Changes),
		Metadata:   maps.Clone(md),
	}
	for i := range ev.Changes {
		c := &ev.Changes[i]
		if c.Redacted { // never store a secret, whoever built the change
			if c.Before != nil {
				c.Before = Redacted
			}
			if c.After != nil {
				c.After = Redacted
			}
		}
		var ok bool
		if c.Before, ok = arena.canonicalJSON(c.Before); !ok {
			verr.Add("changes", "json", "before value of "+c.Field+" is not JSON")
		}
		if c.After, ok = arena.canonicalJSON(c.After); !ok {
			verr.Add("changes", "json", "after value of "+c.Field+" is not JSON")
		}
	}
	return verr.Err()
}

// RecordAll is Record for several entries of one use case at once: every
// entry is checked first (the first invalid one is the error, and nothing is
// stored), then the events, all occurred at the same instant, are stored
// together (Store.InsertAll: one statement where the backend allows) and,
// WithInlineSeal, each company's log is sealed once, in company order. The
// events are returned in the order of es. Events are hashed and sealed
// exactly as Record's are: by Seal (or the inline seal) in (OccurredAt, ID)
// order, and their IDs increase in the order of es.
func (l *Log) RecordAll(ctx context.Context, es []Entry) (_ []*Event, err error) {
	const op = "audit.RecordAll"
	if len(es) == 0 {
		return nil, nil
	}
	company := es[0].CompanyID // the one company the entries act on, "" when they span several
	for _, e := range es {
		if e.CompanyID != company {
			company = ""
			break
		}
	}
	observe.Annotate(ctx, company)
	ctx, uc := l.obs.Start(ctx, op, company, es[0].Action)
	defer func() { uc.End(err) }()
	if err := storage.MustBeInTx(ctx, op); err != nil {
		return nil, err
	}
	now := storage.Timestamp(l.clock.Now())
	evs := make([]*Event, len(es))
	all := make([]Event, len(es)) // the events, in one allocation
	arena := newEventArena(es)
	ids := storage.NewIDs(len(es))
	verr := &storage.ValidationError{Op: op} // the first invalid entry's: the others leave it empty
	md := MetadataFrom(ctx)
	for i, e := range es {
		if err := fill(md, verr, &all[i], ids[i], e, now, arena); err != nil {
			return nil, err
		}
		evs[i] = &all[i]
	}
	if err := l.store.InsertAll(ctx, evs); err != nil {
		return nil, storage.Reop(op, err)
	}
	if l.inline {
		var companies []string
		for _, ev := range evs {
			companies = append(companies, ev.CompanyID)
		}
		slices.Sort(companies)
		for _, c := range slices.Compact(companies) {
			res, _, err := l.sealOnce(ctx, op, c)
			if err != nil {
				return nil, err
			}
			for _, ev := range evs {
				if s, ok := res.seqOf[ev.ID]; ok {
					ev.Seq, ev.Hash = s.Seq, s.Hash
				}
			}
		}
	}
	return evs, nil
}

// canonicalJSON is the compact form of a JSON value as every backend
// stores it (json.Marshal's, HTML-escaped), never sharing r's bytes; nil
// stays nil, an empty value becomes nil.
func canonicalJSON(r json.RawMessage) (json.RawMessage, bool) {
	return (*eventArena)(nil).canonicalJSON(r)
}

// canonicalJSON is canonicalJSON(r), copied into the arena when r is
// already canonical.
func (a *eventArena) canonicalJSON(r json.RawMessage) (json.RawMessage, bool) {
	if len(r) == 0 {
		return nil, true
	}
	if isCanonical(r) { // what audit.Set and Diff produce: skip compacting it twice
		return a.clone(r), true
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, r); err != nil {
		return nil, false
	}
	b, err := json.Marshal(json.RawMessage(buf.Bytes()))
	if err != nil {
		return nil, false
	}
	return b, true
}

// isCanonical reports, conservatively, that canonicalJSON would return r
// unchanged: valid JSON with no whitespace byte anywhere (so none to drop)
// and none of the bytes json.Marshal escapes ('<', '>', '&', and 0xE2, the
// lead byte of U+2028 and U+2029).
func isCanonical(r []byte) bool {
	plain := len(r) >= 2 && r[0] == '"' && r[len(r)-1] == '"' // a string of printable ASCII without escapes: valid as it is
	for i, c := range r {
		switch c {
		case ' ', '\t', '\n', '\r', '<', '>', '&', 0xE2:
			return false
		case '"', '\\':
			plain = plain && (c == '"' && (i == 0 || i == len(r)-1))
		default:
			plain = plain && c >= 0x20 && c < 0x7f
		}
	}
	return plain || json.Valid(r)
}

// Query returns one page of events visible in scope and matching f, newest
// first; unsealed events are included (Seq 0). Pagination is by keyset on
// (OccurredAt, ID): every event that existed when the first page was read
// is returned exactly once however many events arrive meanwhile. A company
// filter outside the scope yields an empty page, not an error, so
// existence does not leak. The filter's strings are trimmed and must be
// single-line text (IDs at most 64 characters, the others 255); From and
// To, when set, must be within storage.ValidTime and From before To:
// otherwise a *storage.ValidationError.
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
		return storage.Page[*Event]{}, storage.Reop(op, err)
	}
	page := storage.Page[*Event]{Items: evs}
	if len(evs) > size {
		page.Items = evs[:size]
		last := page.Items[size-1]
		page.NextCursor = storage.EncodeCursor(Cursor{At: last.OccurredAt, ID: last.ID})
	}
	return page, nil
}

// outOfScope is the answer about a company's log outside the reader's
// scope: not found, exactly as for a company that does not exist, so the
// answer tells nothing about which companies exist.
func outOfScope(op, companyID string) error { return storage.NotFound(op, "audit log", companyID) }

// Get returns one event if scope covers its company; otherwise (and when it
// does not exist) storage.ErrNotFound.
func (l *Log) Get(ctx context.Context, scope Scope, id string) (_ *Event, err error) {
	ctx, uc := l.obs.Start(ctx, "audit.Get", "", observe.ActionRead)
	defer func() { uc.End(err) }()
	ev, err := l.store.Get(ctx, id)
	if err != nil {
		return nil, storage.Reop("audit.Get", err)
	}
	if !scope.Allows(ev.CompanyID) {
		return nil, storage.NotFound("audit.Get", "audit event", id)
	}
	return ev, nil
}

// Checkpoint returns the latest signed checkpoint of companyID's log (nil
// when the log is empty or has no signer), for a witness to keep. A company
// outside scope is storage.ErrNotFound, as for Get.
func (l *Log) Checkpoint(ctx context.Context, scope Scope, companyID string) (_ []byte, err error) {
	const op = "audit.Checkpoint"
	ctx, uc := l.obs.Start(ctx, op, companyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	if !scope.Allows(companyID) {
		return nil, outOfScope(op, companyID)
	}
	h, err := l.store.Head(ctx, companyID)
	if err != nil {
		return nil, storage.Reop(op, err)
	}
	return h.Checkpoint, nil
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
