package compliance

import (
	"context"
	"errors"
	"iter"
	"slices"
	"time"

	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/observe"
	"github.com/switchboardkit/switchboard/tenancy"
)

// CheckAt answers like Check, at the instant at instead of the clock's now:
// for planning ("may this call start tomorrow at 10:00?"). The history and
// the reservations in flight are those stored now; calls made between now
// and at are not foreseen. A zero at means now.
func (s *Service) CheckAt(ctx context.Context, by tenancy.Actor, c Call, at time.Time) (_ Decision, err error) {
	const op = "compliance.CheckAt"
	ctx, uc := s.obs.Start(ctx, op, c.CompanyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	var d Decision
	now := s.instant(at)
	var p prepared
	err = s.prepare(ctx, op, by, &c, now, &p, &d)
	if err == nil && !p.done {
		err = s.decide(ctx, &p, now, &d)
	}
	if err != nil {
		return Decision{}, err
	}
	return d, nil
}

func (s *Service) instant(at time.Time) time.Time {
	if at.IsZero() {
		return s.clock.Now()
	}
	return at
}

// Checked is one record's answer in a batch: the decision, or the error of
// that record alone (a malformed number, an unknown zone, a company the
// actor may not see).
type Checked struct {
	Decision
	Err error
}

// BatchSize is how many subjects' histories CheckBatch reads in one query.
const BatchSize = 1000

// CheckBatch decides every call at the instant at (zero: now), as Check
// decides each — the same decisions, which a property test holds it to —
// at a fraction of the cost: each company's facts (authorisation,
// suspension, settings, policy) are read once for the batch, and the
// histories of up to BatchSize subjects in one query. Result i answers
// calls[i]. An error of one record (bad input, a company the actor may not
// see: storage.ErrNotFound, storage.ErrForbidden) is that record's Err; a
// failure of the store is the returned error, with no results.
// Authorised as tenancy.ActDial per company. Read-only.
func (s *Service) CheckBatch(ctx context.Context, by tenancy.Actor, calls []Call, at time.Time) (_ []Checked, err error) {
	const op = "compliance.CheckBatch"
	ctx, uc := s.obs.Start(ctx, op, "", observe.ActionRead)
	defer func() { uc.End(err) }()
	now := s.instant(at)
	calls = slices.Clone(calls) // validation normalises each call: never the caller's slice
	out := make([]Checked, len(calls))
	companies := map[string]*batchCompany{}
	var order []string
	for i := range calls {
		c := &calls[i]
		if err := validateCall(op, c); err != nil {
			out[i].Err = err
			continue
		}
		bc := companies[c.CompanyID]
		if bc == nil {
			bc = &batchCompany{}
			if err := s.prepareCompany(ctx, op, by, c.CompanyID, &bc.p); err != nil {
				if failure(err) {
					return nil, err
				}
				bc.err = err
			}
			companies[c.CompanyID] = bc
			order = append(order, c.CompanyID)
		}
		if bc.err != nil {
			out[i].Err = bc.err
			continue
		}
		bc.items = append(bc.items, i)
	}
	for _, id := range order {
		bc := companies[id]
		if bc.err == nil {
			if err := s.decideBatch(ctx, op, bc, calls, now, out); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// failure reports whether err is a failure of the store rather than an
// answer about the record.
func failure(err error) bool {
	return errors.Is(err, storage.ErrUnavailable) || errors.Is(err, storage.ErrInternal) || errors.Is(err, storage.ErrRetryable)
}

type batchCompany struct {
	p     prepared // the company's facts, shared by its calls
	err   error
	items []int // indexes of its calls
}

// decideBatch resolves the company's calls, reads their histories in
// chunks of BatchSize keys and evaluates each.
func (s *Service) decideBatch(ctx context.Context, op string, bc *batchCompany, calls []Call, now time.Time, out []Checked) error {
	type pending struct {
		i int
		p prepared
	}
	var todo []pending
	for _, i := range bc.items {
		p := bc.p // copy the company facts; prepareCall sets the subject
		if err := s.prepareCall(op, &calls[i], now, &p, &out[i].Decision); err != nil {
			out[i] = Checked{Err: err}
			continue
		}
		if !p.done {
			todo = append(todo, pending{i, p})
		}
	}
	if len(todo) == 0 {
		return nil
	}
	since := s.since(now, bc.p.rules)
	for start := 0; start < len(todo); start += BatchSize {
		chunk := todo[start:min(start+BatchSize, len(todo))]
		byKey := make(map[string][]int, len(chunk)) // key → indexes into chunk
		keys := make([]string, 0, len(chunk))
		for j, t := range chunk {
			k := out[t.i].Key
			if _, ok := byKey[k]; !ok {
				keys = append(keys, k)
			}
			byKey[k] = append(byKey[k], j)
		}
		err := s.store.HistoryBatch(ctx, bc.p.ref.ID, keys, since, func(key string, recs []Record) {
			for _, j := range byKey[key] {
				t := &chunk[j]
				t.p.subject.History = recs
				s.evaluate(&t.p, now, &out[t.i].Decision)
				t.p.done = true // decided
			}
		})
		if err != nil {
			return err
		}
		for j := range chunk { // no history at all
			if t := &chunk[j]; !t.p.done {
				s.evaluate(&t.p, now, &out[t.i].Decision)
			}
		}
	}
	return nil
}

// CheckSeq is CheckBatch over a stream: it checks calls BatchSize at a time
// and yields each call's answer in order, with the index of the call in the
// stream. A store failure is yielded once as the error and ends the stream.
func (s *Service) CheckSeq(ctx context.Context, by tenancy.Actor, calls iter.Seq[Call], at time.Time) iter.Seq2[int, Checked] {
	return func(yield func(int, Checked) bool) {
		base := 0
		buf := make([]Call, 0, BatchSize)
		flush := func() bool {
			res, err := s.CheckBatch(ctx, by, buf, at)
			if err != nil {
				yield(base, Checked{Err: err})
				return false
			}
			for i, r := range res {
				if !yield(base+i, r) {
					return false
				}
			}
			base += len(buf)
			buf = buf[:0]
			return true
		}
		for c := range calls {
			buf = append(buf, c)
			if len(buf) == BatchSize && !flush() {
				return
			}
		}
		if len(buf) > 0 {
			flush()
		}
	}
}

// Slot is one call of a schedule: the index of the call in the list and the
// earliest instant it may start.
type Slot struct {
	Index int
	At    time.Time
}

// Schedule plans a whole list: every call's earliest allowed instant at or
// after at (zero: now), ascending by instant then by index; calls that are
// never allowed on their own (a suspended company, no zone, every window
// closed) or whose record is bad are left out and their results returned
// for the caller to report. Same contract as CheckBatch; the history is the
// one stored now (a schedule does not foresee the calls it plans).
func (s *Service) Schedule(ctx context.Context, by tenancy.Actor, calls []Call, at time.Time) ([]Slot, []Checked, error) {
	res, err := s.CheckBatch(ctx, by, calls, at)
	if err != nil {
		return nil, nil, err
	}
	slots := make([]Slot, 0, len(res))
	for i, r := range res {
		if r.Err == nil && !r.NextAllowed.IsZero() {
			slots = append(slots, Slot{Index: i, At: r.NextAllowed})
		}
	}
	slices.SortStableFunc(slots, func(a, b Slot) int { return a.At.Compare(b.At) })
	return slots, res, nil
}
