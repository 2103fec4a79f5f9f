package storagetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
	"github.com/switchboardkit/switchboard/tenancy/tenancytest"
)

// complianceEnv is one company with a dialer actor on the backend under test.
type complianceEnv struct {
	svc     *compliance.Service
	clock   *storage.ManualClock
	dir     *tenancytest.Directory
	company tenancy.CompanyRef
	admin   tenancy.Actor
	dialer  tenancy.Actor
}

func newComplianceEnv(t *testing.T, h *Harness, p compliance.Policy) *complianceEnv {
	t.Helper()
	dir := tenancytest.NewDirectory()
	co := dir.AddCompany(tenancy.CompanyRef{})
	// Noon in Moscow on an ordinary Wednesday.
	clock := storage.NewManualClock(time.Date(2026, 3, 18, 9, 0, 0, 0, time.UTC))
	svc := compliance.NewService(h.Tx, h.Compliance, dir, audit.NewLog(h.Audit, audit.WithClock(clock)),
		compliance.WithClock(clock), compliance.WithReservationTTL(5*time.Minute))
	e := &complianceEnv{svc: svc, clock: clock, dir: dir, company: co,
		admin: dir.AddMember(co, tenancy.RoleAdministrator, ""), dialer: dir.AddMember(co, tenancy.RoleOperator, "")}
	_, err := svc.SetSettings(context.Background(), e.admin, co.ID, true, p)
	require.NoError(t, err)
	return e
}

// allDay is a policy open around the clock, with a daily cap of answered calls.
func allDay(capPerDay, inFlight int) compliance.Policy {
	w := compliance.Window{Start: 0, End: compliance.Clock(24, 0, 0)}
	return compliance.Policy{Name: "test", Windows: compliance.Windows{Working: w, Weekend: w, Holiday: w},
		Caps:        []compliance.Cap{{Period: compliance.PeriodDay, Limit: capPerDay, Counts: compliance.ClassAnswered}},
		MaxInFlight: inFlight}
}

func (e *complianceEnv) call() compliance.Call {
	return compliance.Call{CompanyID: e.company.ID, Phone: "+74951234567", Zone: "Europe/Moscow"}
}

// race runs n concurrent Reserves and returns the granted reservations;
// every refusal must be a limit refusal.
func (e *complianceEnv) race(t *testing.T, n int) []compliance.Reservation {
	t.Helper()
	var mu sync.Mutex
	var got []compliance.Reservation
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, d, err := e.svc.Reserve(context.Background(), e.dialer, e.call())
			mu.Lock()
			defer mu.Unlock()
			if !assert.NoError(t, err) || !d.Allowed {
				return
			}
			got = append(got, r)
		}()
	}
	wg.Wait()
	return got
}

func runCompliance(t *testing.T, h *Harness) {
	if h.Compliance == nil {
		t.Skip("backend has no compliance store")
	}
	t.Run("in-flight limit holds under 50 concurrent reservations", func(t *testing.T) { complianceInFlightLimit(t, h) })
	t.Run("daily cap holds under 50 concurrent reservations", func(t *testing.T) { complianceDailyCap(t, h) })
	t.Run("complete is idempotent and guarded", func(t *testing.T) { complianceCompleteIdempotent(t, h) })
	t.Run("concurrent reports of one outcome are one completion", func(t *testing.T) { complianceConcurrentCompletion(t, h) })
	t.Run("settings round trip and version conflict", func(t *testing.T) { complianceSettings(t, h) })
	t.Run("history order and pruning", func(t *testing.T) { complianceHistory(t, h) })
	t.Run("lock outside a transaction is refused", func(t *testing.T) { complianceLockOutsideTx(t, h) })
}

func complianceInFlightLimit(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	e := newComplianceEnv(t, h, allDay(2, 0))
	got := e.race(t, 50)
	require.Len(t, got, 1, "one call in flight per subscriber")
	d, err := e.svc.Check(ctx, e.dialer, e.call())
	require.NoError(t, err)
	assert.False(t, d.Allowed)
	assert.True(t, d.Reasons.Has(compliance.ReasonInFlight))
	assert.Equal(t, got[0].ExpiresAt, d.NextAllowed, "the hold drains at its expiry at the latest")
}

func complianceDailyCap(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	e := newComplianceEnv(t, h, allDay(2, 10))
	got := e.race(t, 50)
	require.Len(t, got, 2, "in-flight reservations count against the cap")

	// A no-answer outcome does not count as answered: one slot frees.
	_, err := e.svc.Complete(ctx, e.dialer, got[0].ID, compliance.OutcomeNoAnswer)
	require.NoError(t, err)
	more := e.race(t, 50)
	require.Len(t, more, 1)

	// Answered calls count; the remaining in-flight one expires and counts too.
	_, err = e.svc.Complete(ctx, e.dialer, more[0].ID, compliance.OutcomeAnsweredHuman)
	require.NoError(t, err)
	e.clock.Advance(6 * time.Minute)
	assert.Empty(t, e.race(t, 50), "an expired reservation counts as answered")
	d, err := e.svc.Check(ctx, e.dialer, e.call())
	require.NoError(t, err)
	assert.Equal(t, compliance.ReasonCapDay, d.Reasons.Blocking())
	moscow, _ := time.LoadLocation("Europe/Moscow")
	assert.True(t, d.NextAllowed.Equal(time.Date(2026, 3, 19, 0, 0, 0, 0, moscow)), "next: local midnight, got %s", d.NextAllowed)

	// Its late outcome replaces the worst case.
	_, err = e.svc.Complete(ctx, e.dialer, got[1].ID, compliance.OutcomeBusy)
	require.NoError(t, err)
	require.Len(t, e.race(t, 50), 1)
}

func complianceCompleteIdempotent(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	e := newComplianceEnv(t, h, allDay(5, 1))
	r, _, err := e.svc.Reserve(ctx, e.dialer, e.call())
	require.NoError(t, err)
	c1, err := e.svc.Complete(ctx, e.dialer, r.ID, compliance.OutcomeAnsweredHuman)
	require.NoError(t, err)
	c2, err := e.svc.Complete(ctx, e.dialer, r.ID, compliance.OutcomeAnsweredHuman)
	require.NoError(t, err)
	assert.Equal(t, c1, c2)
	_, err = e.svc.Complete(ctx, e.dialer, r.ID, compliance.OutcomeBusy)
	require.ErrorIs(t, err, storage.ErrConflict)
	_, err = e.svc.Release(ctx, e.dialer, r.ID)
	require.ErrorIs(t, err, storage.ErrConflict)
	_, err = e.svc.Complete(ctx, e.dialer, storage.NewID(), compliance.OutcomeBusy)
	require.ErrorIs(t, err, storage.ErrNotFound)
	_, err = e.svc.Complete(ctx, e.dialer, r.ID, "hung_up")
	require.ErrorIs(t, err, storage.ErrInvalid)

	other := e.dir.AddCompany(tenancy.CompanyRef{})
	stranger := e.dir.AddMember(other, tenancy.RoleAdministrator, "")
	_, err = e.svc.Complete(ctx, stranger, r.ID, compliance.OutcomeAnsweredHuman)
	require.ErrorIs(t, err, storage.ErrNotFound, "a foreign reservation is not found, as a missing one")

	// One audit event per reservation and per completion, none for the repeat.
	page, err := audit.NewLog(h.Audit).Query(ctx, audit.Scope{All: true},
		audit.Filter{CompanyID: e.company.ID, EntityID: r.ID}, storage.PageRequest{})
	require.NoError(t, err)
	require.Len(t, page.Items, 2)
	assert.Equal(t, "compliance.call.complete", page.Items[0].Action)
	assert.Equal(t, "compliance.call.reserve", page.Items[1].Action)

	// Released calls do not count; releasing twice is a no-op.
	r2, _, err := e.svc.Reserve(ctx, e.dialer, e.call())
	require.NoError(t, err)
	// A stranger's report on a pending reservation is "not found" too, and
	// leaves it pending with nothing audited.
	_, err = e.svc.Complete(ctx, stranger, r2.ID, compliance.OutcomeAnsweredHuman)
	require.ErrorIs(t, err, storage.ErrNotFound, "a foreign pending reservation is not found")
	_, err = e.svc.Release(ctx, stranger, r2.ID)
	require.ErrorIs(t, err, storage.ErrNotFound, "a foreign pending reservation is not found")
	stored, err := h.Compliance.Reservation(ctx, r2.ID)
	require.NoError(t, err)
	assert.Equal(t, compliance.StatusPending, stored.Status)
	assert.Empty(t, stored.Outcome)
	_, err = e.svc.Release(ctx, e.dialer, r2.ID)
	require.NoError(t, err)
	_, err = e.svc.Release(ctx, e.dialer, r2.ID)
	require.NoError(t, err)
	page, err = audit.NewLog(h.Audit).Query(ctx, audit.Scope{All: true},
		audit.Filter{CompanyID: e.company.ID, EntityID: r2.ID}, storage.PageRequest{})
	require.NoError(t, err)
	require.Len(t, page.Items, 2)
	assert.Equal(t, "compliance.call.release", page.Items[0].Action)
	hist, err := h.Compliance.History(ctx, e.company.ID, "+74951234567", time.Time{})
	require.NoError(t, err)
	require.Len(t, hist, 1)
	assert.Equal(t, r.ID, hist[0].ID)
}

func complianceConcurrentCompletion(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	e := newComplianceEnv(t, h, allDay(5, 1))
	r, _, err := e.svc.Reserve(ctx, e.dialer, e.call())
	require.NoError(t, err)
	const n = 8
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			_, err := e.svc.Complete(ctx, e.dialer, r.ID, compliance.OutcomeNoAnswer)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err, "a repeated report of the same outcome is idempotent, also when concurrent")
	}
	page, err := audit.NewLog(h.Audit).Query(ctx, audit.Scope{All: true},
		audit.Filter{CompanyID: e.company.ID, EntityID: r.ID, Action: "compliance.call.complete"}, storage.PageRequest{})
	require.NoError(t, err)
	assert.Len(t, page.Items, 1)
}

func complianceSettings(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	e := newComplianceEnv(t, h, compliance.RegF())
	st, err := e.svc.Settings(ctx, e.admin, e.company.ID)
	require.NoError(t, err)
	assert.True(t, st.FZ230)
	assert.Equal(t, compliance.RegF(), st.Policy)
	st.Version = 1 // stale
	err = h.Tx.InTx(ctx, func(ctx context.Context) error { return h.Compliance.SaveSettings(ctx, st) })
	require.ErrorIs(t, err, storage.ErrConflict)
	_, err = e.svc.SetSettings(ctx, e.dialer, e.company.ID, false, compliance.RegF())
	require.ErrorIs(t, err, storage.ErrForbidden)
}

func complianceHistory(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	co, key := storage.NewID(), "debt-1"
	base := time.Date(2025, 1, 10, 12, 0, 0, 0, time.UTC)
	var ids []string
	err := h.Tx.InTx(ctx, func(ctx context.Context) error {
		require.NoError(t, h.Compliance.LockSubject(ctx, co, key))
		for i, at := range []time.Time{base.Add(2 * time.Hour), base, base.Add(time.Hour)} {
			r := compliance.Reservation{ID: storage.NewID(), CompanyID: co, Key: key, Phone: "+74951234567",
				ReservedAt: at, ExpiresAt: at.Add(time.Minute), Status: compliance.StatusPending, ReservedBy: "u"}
			if i == 1 {
				r.Status, r.Outcome, r.CompletedAt = compliance.StatusCompleted, compliance.OutcomeBusy, at.Add(time.Minute)
			}
			require.NoError(t, h.Compliance.InsertReservation(ctx, r))
			ids = append(ids, r.ID)
		}
		return nil
	})
	require.NoError(t, err)
	hist, err := h.Compliance.History(ctx, co, key, base.Add(30*time.Minute))
	require.NoError(t, err)
	require.Len(t, hist, 2)
	assert.Equal(t, []string{ids[2], ids[0]}, []string{hist[0].ID, hist[1].ID})
	all, err := h.Compliance.History(ctx, co, key, time.Time{})
	require.NoError(t, err)
	require.Len(t, all, 3)
	assert.Equal(t, compliance.OutcomeBusy, all[0].Outcome)
	assert.Equal(t, base.Add(time.Minute), all[0].CompletedAt)
	assert.True(t, all[1].CompletedAt.IsZero())
	if rr, ok := h.Compliance.(compliance.RecordReader); ok { // the optional power agrees with History
		recs, err := rr.HistoryRecords(ctx, co, key, base.Add(30*time.Minute), nil)
		require.NoError(t, err)
		require.Equal(t, []compliance.Record{hist[0].Record(), hist[1].Record()}, recs)
	}

	// Prune through the service: everything older than the retention goes, nothing newer.
	dir := tenancytest.NewDirectory()
	clock := storage.NewManualClock(base.Add(compliance.RetainDays*24*time.Hour + 90*time.Minute))
	svc := compliance.NewService(h.Tx, h.Compliance, dir, audit.NewLog(h.Audit), compliance.WithClock(clock))
	_, err = svc.Prune(ctx, tenancy.Actor{UserID: "x", CompanyID: co, Role: tenancy.RoleOwner})
	require.ErrorIs(t, err, storage.ErrForbidden)
	n, err := svc.Prune(ctx, tenancy.Platform("root"))
	require.NoError(t, err)
	assert.GreaterOrEqual(t, n, int64(2))
	left, err := h.Compliance.History(ctx, co, key, time.Time{})
	require.NoError(t, err)
	require.Len(t, left, 1)
	assert.Equal(t, ids[0], left[0].ID)
}

func complianceLockOutsideTx(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	err := h.Compliance.LockSubject(ctx, storage.NewID(), "k")
	require.Error(t, err)
	require.True(t, errors.Is(err, storage.ErrInvalid))
}
