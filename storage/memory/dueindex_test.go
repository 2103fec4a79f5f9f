package memory_test

import (
	"cmp"
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/account/presence"
	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/memory"
	"github.com/switchboardkit/switchboard/tenancy"
)

// TestDueIndexFollowsRows drives random status writes, some in
// transactions that roll back and some listing the due index halfway, and
// checks after each step that the platform-wide listing is exactly the due
// rows in (DueAt, company, user) order.
func TestDueIndexFollowsRows(t *testing.T) {
	ctx := context.Background()
	st := memory.New()
	ps := st.Presence()
	r := rand.New(rand.NewPCG(3, 4))
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	type key struct{ c, u string }
	rows := map[key]*presence.Current{} // committed
	keys := []key{}
	for c := range 3 {
		for u := range 6 {
			keys = append(keys, key{string(rune('a' + c)), string(rune('m' + u))})
		}
	}
	rollback := errors.New("rollback")
	check := func(ctx context.Context, want map[key]*presence.Current) {
		t.Helper()
		var exp []*presence.Current
		for _, c := range want {
			if c.DueAt != nil {
				exp = append(exp, c)
			}
		}
		slices.SortFunc(exp, func(a, b *presence.Current) int {
			return cmp.Or(a.DueAt.Compare(*b.DueAt), cmp.Compare(a.CompanyID, b.CompanyID), cmp.Compare(a.UserID, b.UserID))
		})
		var got []*presence.Current
		var after *presence.DueCursor
		for {
			page, err := ps.PlatformDueCurrents(ctx, t0.Add(100*time.Hour), after, 1+r.IntN(4))
			require.NoError(t, err)
			if len(page) == 0 {
				break
			}
			got = append(got, page...)
			l := page[len(page)-1]
			after = &presence.DueCursor{DueAt: *l.DueAt, CompanyID: l.CompanyID, UserID: l.UserID}
		}
		require.Equal(t, exp, got)
	}
	for range 400 {
		work := map[key]*presence.Current{}
		for k, v := range rows {
			c := *v
			work[k] = &c
		}
		undo := r.IntN(3) == 0
		err := st.InTx(ctx, func(ctx context.Context) error {
			for range 1 + r.IntN(5) {
				k := keys[r.IntN(len(keys))]
				c := presence.Current{CompanyID: k.c, UserID: k.u, State: presence.Online, Version: 1}
				if old, ok := work[k]; ok {
					c.Version = old.Version + 1
				}
				if r.IntN(3) > 0 {
					d := t0.Add(time.Duration(r.IntN(6)) * time.Hour)
					c.DueAt, c.State, c.PauseTypeID = &d, presence.Away, "p"
				}
				require.NoError(t, ps.PutCurrent(ctx, &c))
				work[k] = &c
				if r.IntN(2) == 0 {
					check(ctx, work)
				}
			}
			if undo {
				return rollback
			}
			return nil
		})
		if undo {
			require.ErrorIs(t, err, rollback)
		} else {
			require.NoError(t, err)
			rows = work
		}
		check(ctx, rows)
	}
}

// TestBatchWritesRollBack: the batched writes of one ApplyDue group
// (UpdateCurrents, AppendIntervals, audit InsertAll, EnqueueMessages) each
// undo with one step; a transaction that fails after them leaves the store
// as it was, due index, audit order and pending lists included.
func TestBatchWritesRollBack(t *testing.T) {
	ctx := context.Background()
	st := memory.New()
	ps := st.Presence()
	t0 := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	due := t0.Add(time.Hour)
	rows := []*presence.Current{
		{CompanyID: "c1", UserID: "u1", State: presence.Away, PauseTypeID: "p", Since: t0, DueAt: &due, Cause: presence.CauseSelf, Version: 1},
		{CompanyID: "c2", UserID: "u1", State: presence.Away, PauseTypeID: "p", Since: t0, DueAt: &due, Cause: presence.CauseSelf, Version: 1},
	}
	iv := presence.Interval{ID: "i0", CompanyID: "c1", UserID: "u1", Day: "2026-01-01", State: presence.Online, Start: t0.Add(-time.Hour), End: t0, Cause: presence.CauseSelf}
	ev0 := &audit.Event{ID: storage.NewID(), CompanyID: "c1", OccurredAt: t0, Actor: tenancy.System("c1").Audit(), Action: "a", EntityType: "e"}
	require.NoError(t, st.InTx(ctx, func(ctx context.Context) error {
		for _, r := range rows {
			if err := ps.PutCurrent(ctx, r); err != nil {
				return err
			}
		}
		if err := st.Audit().InsertAll(ctx, []*audit.Event{ev0}); err != nil {
			return err
		}
		return ps.AppendIntervals(ctx, []presence.Interval{iv})
	}))
	snapshot := func() []any {
		var out []any
		for _, r := range rows {
			c, err := ps.Current(ctx, r.CompanyID, r.UserID)
			require.NoError(t, err)
			ivs, err := ps.DayIntervals(ctx, r.CompanyID, r.UserID, "2026-01-01")
			require.NoError(t, err)
			all, err := ps.Intervals(ctx, r.CompanyID, "", t0.Add(-24*time.Hour), t0.Add(24*time.Hour))
			require.NoError(t, err)
			un, err := st.Audit().Unsealed(ctx, r.CompanyID, 100)
			require.NoError(t, err)
			out = append(out, c, ivs, all, un)
		}
		listed, err := ps.PlatformDueCurrents(ctx, t0.Add(48*time.Hour), nil, 10)
		require.NoError(t, err)
		evs, err := st.Audit().List(ctx, audit.Scope{All: true}, audit.Filter{}, nil, 100)
		require.NoError(t, err)
		pend, err := st.Audit().Pending(ctx, "", 10)
		require.NoError(t, err)
		return append(out, listed, evs, pend)
	}
	before := snapshot()
	fail := errors.New("fail")
	later := t0.Add(2 * time.Hour)
	for _, listHalfway := range []bool{false, true} {
		err := st.InTx(ctx, func(ctx context.Context) error {
			var next []*presence.Current
			var ivs []presence.Interval
			var evs []*audit.Event
			var msgs []storage.Message
			for i, r := range rows {
				n := *r
				n.PauseTypeID, n.Since, n.Version, n.DueAt = "q", due, 2, nil
				if i == 1 {
					n.DueAt = &later
				}
				next = append(next, &n)
				ivs = append(ivs, presence.Interval{ID: storage.NewID(), CompanyID: r.CompanyID, UserID: r.UserID, Day: "2026-01-01",
					State: presence.Away, PauseTypeID: "p", Start: t0, End: due, Cause: presence.CauseSelf})
				evs = append(evs, &audit.Event{ID: storage.NewID(), CompanyID: r.CompanyID, OccurredAt: later, Actor: tenancy.System(r.CompanyID).Audit(), Action: "a", EntityType: "e"})
				m, err := storage.NewMessage("t", later, r.CompanyID, storage.TopicPauseSwitch, "x")
				require.NoError(t, err)
				msgs = append(msgs, m)
			}
			if err := ps.UpdateCurrents(ctx, next); err != nil {
				return err
			}
			if listHalfway { // folds the changed instants into the index before the rollback
				got, err := ps.PlatformDueCurrents(ctx, t0.Add(48*time.Hour), nil, 10)
				require.NoError(t, err)
				require.Len(t, got, 1)
			}
			if err := ps.AppendIntervals(ctx, ivs); err != nil {
				return err
			}
			if err := st.Audit().InsertAll(ctx, evs); err != nil {
				return err
			}
			if err := st.Outbox().EnqueueMessages(ctx, msgs); err != nil {
				return err
			}
			for _, m := range msgs {
				if _, err := st.Outbox().GetMessage(ctx, m.ID); err != nil {
					return err
				}
			}
			t.Cleanup(func() {
				for _, m := range msgs {
					_, err := st.Outbox().GetMessage(ctx, m.ID)
					require.ErrorIs(t, err, storage.ErrNotFound)
				}
			})
			return fail
		})
		require.ErrorIs(t, err, fail)
		require.Equal(t, before, snapshot())
	}
}
