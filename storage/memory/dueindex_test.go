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
	"github.com/switchboardkit/switchboard/storage/memory"
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
