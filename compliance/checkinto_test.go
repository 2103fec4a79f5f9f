package compliance_test

import (
	"cmp"
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/compliance/zone"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/memory"
)

// TestCheckIntoAgreesWithCheck: the same answers, one Decision reused
// across calls of every kind, errors included.
func TestCheckIntoAgreesWithCheck(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, time.Date(2026, 3, 18, 9, 0, 0, 0, time.UTC), compliance.ManualFZ230())
	calls := []compliance.Call{
		{CompanyID: e.co.ID, Phone: "+74951234567"},
		{CompanyID: e.co.ID, Phone: "+79161234567"}, // every Russian zone
		{CompanyID: e.co.ID, Phone: "+7 423 222-33-44", Key: "debt-1"},
		{CompanyID: e.co.ID, Phone: "+79161234567", Zone: "Asia/Vladivostok"},
		{CompanyID: e.co.ID, Phone: "+12125550123"},
		{CompanyID: e.co.ID, Phone: "+74951234567", SkipCaps: true},
		{CompanyID: e.co.ID, Phone: "12345"},                              // malformed
		{CompanyID: e.co.ID, Phone: "+74951234567", Zone: "Mars/Olympus"}, // unknown zone
		{CompanyID: "nope", Phone: "+74951234567"},                        // unknown company
		{CompanyID: e.co.ID}, // no phone
	}
	var d compliance.Decision
	for round := range 3 {
		if round == 1 { // a suspended company, then the flag off
			e.susp[e.co.ID] = true
		}
		if round == 2 {
			e.susp[e.co.ID] = false
			_, err := e.svc.SetSettings(ctx, e.owner, e.co.ID, false, compliance.ManualFZ230())
			require.NoError(t, err)
		}
		for _, c := range calls {
			want, wantErr := e.svc.Check(ctx, e.dialer, c)
			err := e.svc.CheckInto(ctx, e.dialer, c, &d)
			if wantErr != nil {
				require.Error(t, err)
				assert.Equal(t, wantErr.Error(), err.Error())
				assert.Empty(t, d.Zones, "an error resets the decision")
				assert.Equal(t, compliance.Decision{Zones: d.Zones}, d)
				continue
			}
			require.NoError(t, err, "%+v", c)
			if len(want.Zones) == 0 {
				want.Zones = d.Zones[:0] // nil vs empty
			}
			assert.Equal(t, want, d, "round %d, %+v", round, c)
		}
	}

	// The zones Check returns are the caller's own: changing them changes
	// no later answer.
	first, err := e.svc.Check(ctx, e.dialer, calls[0])
	require.NoError(t, err)
	first.Zones[0] = "Europe/London"
	again, err := e.svc.Check(ctx, e.dialer, calls[0])
	require.NoError(t, err)
	assert.Equal(t, []string{"Europe/Moscow"}, again.Zones)
}

func TestCheckIntoAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector drops sync.Pool items and allocates")
	}
	ctx := context.Background()
	e := newEnv(t, time.Date(2026, 3, 18, 9, 0, 0, 0, time.UTC), compliance.ManualFZ230())
	for _, c := range []compliance.Call{
		{CompanyID: e.co.ID, Phone: "+74951234567"},
		{CompanyID: e.co.ID, Phone: "+79161234567"},
		{CompanyID: e.co.ID, Phone: "8 916 123-45-67", Zone: "Asia/Vladivostok", Key: "debt-7"},
	} {
		_, _, err := e.svc.Reserve(ctx, e.dialer, c) // some history, in flight
		require.NoError(t, err)
		var d compliance.Decision
		require.NoError(t, e.svc.CheckInto(ctx, e.dialer, c, &d)) // warm the caches
		allocs := testing.AllocsPerRun(100, func() {
			if err := e.svc.CheckInto(ctx, e.dialer, c, &d); err != nil {
				t.Fatal(err)
			}
		})
		assert.Zero(t, allocs, "%+v", c)
	}
}

// TestCompiledPolicyCacheSurvivesRollback: a policy saved and used inside
// a transaction that rolls back must not be used once another policy is
// saved under the same version.
func TestCompiledPolicyCacheSurvivesRollback(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, time.Date(2026, 3, 18, 9, 0, 0, 0, time.UTC), compliance.ManualFZ230()) // 12:00 in Moscow
	call := compliance.Call{CompanyID: e.co.ID, Phone: "+74951234567"}
	narrow := compliance.ManualFZ230()
	narrow.Name = "narrow"
	w := compliance.Window{Start: compliance.Clock(9, 0, 0), End: compliance.Clock(10, 0, 0)}
	narrow.Windows = compliance.Windows{Working: w, Weekend: w, Holiday: w}

	errRollback := errors.New("roll back")
	err := e.st.InTx(ctx, func(ctx context.Context) error {
		s, err := e.svc.SetSettings(ctx, e.owner, e.co.ID, true, narrow)
		require.NoError(t, err)
		require.EqualValues(t, 2, s.Version)
		d, err := e.svc.Check(ctx, e.dialer, call)
		require.NoError(t, err)
		require.False(t, d.Allowed, "12:00 is outside 09:00–10:00")
		return errRollback
	})
	require.ErrorIs(t, err, errRollback)

	wide := compliance.ManualFZ230()
	wide.Name = "narrow" // same name, same version, other windows
	s, err := e.svc.SetSettings(ctx, e.owner, e.co.ID, true, wide)
	require.NoError(t, err)
	require.EqualValues(t, 2, s.Version)
	d, err := e.svc.Check(ctx, e.dialer, call)
	require.NoError(t, err)
	assert.True(t, d.Allowed, "the rolled-back policy's rules must not be reused: %s", d.Reasons)
}

// countingResolver resolves like zone.Default, counts calls, and answers
// differently once moved is set.
type countingResolver struct {
	zone.Default
	n      atomic.Int64
	moved  atomic.Bool
	stable bool
}

func (r *countingResolver) Resolve(number string) (zone.Result, error) {
	r.n.Add(1)
	res, err := r.Default.Resolve(number)
	if err == nil && r.moved.Load() {
		res.Zones, res.Source = []string{"Asia/Vladivostok"}, zone.SourceLandline
	}
	return res, err
}

type unstableResolver struct{ *countingResolver }

func (r unstableResolver) Resolve(number string) (zone.Result, error) {
	return r.countingResolver.Resolve(number)
}

func (r *countingResolver) Stable() bool { return r.stable }

func TestResolutionCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	at := time.Date(2026, 3, 18, 9, 0, 0, 0, time.UTC)
	call := compliance.Call{Phone: "+74951234567"}
	bad := compliance.Call{Phone: "+7495"}

	t.Run("stable: resolved once per number, errors never cached", func(t *testing.T) {
		t.Parallel()
		r := &countingResolver{stable: true}
		e := newEnv(t, at, compliance.ManualFZ230(), compliance.WithResolver(r))
		call, bad := call, bad
		call.CompanyID, bad.CompanyID = e.co.ID, e.co.ID
		for range 3 {
			_, err := e.svc.Check(ctx, e.dialer, call)
			require.NoError(t, err)
			_, err = e.svc.Check(ctx, e.dialer, bad)
			require.ErrorIs(t, err, storage.ErrInvalid)
		}
		assert.EqualValues(t, 1+3, r.n.Load())
	})
	t.Run("stable: the cache can be switched off", func(t *testing.T) {
		t.Parallel()
		r := &countingResolver{stable: true}
		e := newEnv(t, at, compliance.ManualFZ230(), compliance.WithResolver(r), compliance.WithResolutionCache(0))
		call := call
		call.CompanyID = e.co.ID
		for range 3 {
			_, err := e.svc.Check(ctx, e.dialer, call)
			require.NoError(t, err)
		}
		assert.EqualValues(t, 3, r.n.Load())
	})
	for name, r := range map[string]zone.Resolver{
		"not stable":         unstableResolver{&countingResolver{}},
		"stable says it not": &countingResolver{stable: false},
	} {
		t.Run(name+": every call asks, a changed answer is seen", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, at, compliance.ManualFZ230(), compliance.WithResolver(r))
			call := call
			call.CompanyID = e.co.ID
			d, err := e.svc.Check(ctx, e.dialer, call)
			require.NoError(t, err)
			assert.Equal(t, []string{"Europe/Moscow"}, d.Zones)
			var cr *countingResolver
			switch r := r.(type) {
			case unstableResolver:
				cr = r.countingResolver
			case *countingResolver:
				cr = r
			}
			cr.moved.Store(true)
			d, err = e.svc.Check(ctx, e.dialer, call)
			require.NoError(t, err)
			assert.Equal(t, []string{"Asia/Vladivostok"}, d.Zones)
			assert.EqualValues(t, 2, cr.n.Load())
		})
	}
}

// TestMemoryRecordsAgreeWithHistory drives the memory store's compact
// history (RecordReader) and its full one (History) through random inserts
// out of order, equal instants, completions, releases and rolled-back
// transactions: they must always agree.
func TestMemoryRecordsAgreeWithHistory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := memory.New()
	cs := st.Compliance()
	rr := cs.(compliance.RecordReader)
	rng := rand.New(rand.NewPCG(7, 11))
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	co, key := storage.NewID(), "k"
	var ids []string
	errRollback := errors.New("roll back")
	for step := range 400 {
		var added []string
		err := st.InTx(ctx, func(ctx context.Context) error {
			added = added[:0]
			known := func() []string { return append(ids[:len(ids):len(ids)], added...) }
			for range 1 + rng.IntN(3) {
				switch op := rng.IntN(4); {
				case op < 2 || len(known()) == 0:
					at := base.Add(time.Duration(rng.IntN(2000)) * time.Minute).Add(time.Duration(rng.IntN(3)) * time.Nanosecond)
					r := compliance.Reservation{ID: storage.NewID(), CompanyID: co, Key: key, Phone: "+74951234567",
						ReservedAt: at, ExpiresAt: at.Add(10 * time.Minute), Status: compliance.StatusPending, ReservedBy: "u"}
					if rng.IntN(5) == 0 {
						r.Status = compliance.StatusReleased
					}
					require.NoError(t, cs.InsertReservation(ctx, r))
					added = append(added, r.ID)
				default:
					k := known()
					r, err := cs.Reservation(ctx, k[rng.IntN(len(k))])
					require.NoError(t, err)
					if r.Status != compliance.StatusPending {
						continue
					}
					r.Status, r.Outcome = compliance.StatusCompleted, compliance.OutcomeNoAnswer
					if op == 3 {
						r.Status, r.Outcome = compliance.StatusReleased, ""
					}
					r.CompletedAt = r.ReservedAt.Add(time.Minute)
					require.NoError(t, cs.FinishReservation(ctx, r))
				}
			}
			if rng.IntN(4) == 0 {
				return errRollback
			}
			return nil
		})
		if err != nil {
			require.ErrorIs(t, err, errRollback)
		} else {
			ids = append(ids, added...)
		}
		since := base.Add(time.Duration(rng.IntN(2200)-100) * time.Minute)
		hist, err := cs.History(ctx, co, key, since)
		require.NoError(t, err)
		want := make([]compliance.Record, 0, len(hist))
		for _, r := range hist {
			want = append(want, r.Record())
		}
		got, err := rr.HistoryRecords(ctx, co, key, since, nil)
		require.NoError(t, err)
		require.True(t, slices.IsSortedFunc(got, func(a, b compliance.Record) int { return cmp.Compare(a.At, b.At) }), "step %d", step)
		// History orders equal microseconds by the full instant, then ID;
		// the rules need only the order by Record.At.
		byAll := func(a, b compliance.Record) int {
			return cmp.Or(cmp.Compare(a.At, b.At), cmp.Compare(a.Classes, b.Classes), cmp.Compare(a.Until, b.Until))
		}
		slices.SortFunc(want, byAll)
		slices.SortFunc(got, byAll)
		if len(want) == 0 {
			want = nil
		}
		require.Equal(t, want, got, "step %d", step)
	}
}
