package presence_test

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/account/presence"
	"github.com/switchboardkit/switchboard/storage"
)

// TestRandomWalkInvariants drives one operator through a long random
// sequence of status changes, overrides and late ApplyDue runs across local
// midnights and a DST change, then checks the ledger against the budgets
// and every switch against the allocations.
func TestRandomWalkInvariants(t *testing.T) {
	t.Parallel()
	for seed := range uint64(4) {
		t.Run("", func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(seed, 42))
			loc := mustLoc(t, "Europe/Berlin")
			start := time.Date(2026, 10, 24, 20, 0, 0, 0, loc)
			e := newEnv(t, "Europe/Berlin", start)
			c := e.pauseType("C", false, nil, "")
			b := e.pauseType("B", false, minutes(10), c.ID)
			a := e.pauseType("A", true, minutes(20), b.ID)
			d := e.pauseType("D", true, minutes(15), "")
			types := []*presence.PauseType{a, b, c, d}
			byID := map[string]*presence.PauseType{a.ID: a, b.ID: b, c.ID: c, d.ID: d}

			e.set(presence.Online, "")
			for range 400 {
				e.clock.Advance(time.Duration(rng.IntN(40*60)) * time.Second)
				if rng.IntN(3) == 0 {
					_, err := e.svc.ApplyDue(ctx, e.company.ID, e.clock.Now())
					require.NoError(t, err)
					continue
				}
				ch := presence.Change{State: presence.Online}
				switch r := rng.IntN(6); {
				case r == 0:
					ch.State = presence.Offline
				case r >= 2:
					ch = presence.Change{State: presence.Away, PauseTypeID: types[rng.IntN(len(types))].ID}
				}
				ch.Version = e.status().Version
				_, err := e.svc.SetStatus(ctx, e.op, e.company.ID, e.op.UserID, ch)
				if errors.Is(err, storage.ErrLimitExceeded) {
					_, err = e.svc.SetStatus(ctx, e.admin, e.company.ID, e.op.UserID, ch)
				}
				require.NoError(t, err)
			}
			_, err := e.svc.ApplyDue(ctx, e.company.ID, e.clock.Now())
			require.NoError(t, err)
			now := e.clock.Now()
			cur := e.status()
			ivs := e.ledger()
			assertContiguous(t, ivs, cur)
			require.Equal(t, start.UTC(), ivs[0].Start.UTC())

			var total time.Duration
			spent := map[[2]string]time.Duration{} // (day, type)
			override := map[[2]string]bool{}
			for _, iv := range ivs {
				total += iv.Duration()
				assert.Equal(t, iv.Start.In(loc).Format(time.DateOnly), iv.Day)
				if iv.State == presence.Away {
					k := [2]string{iv.Day, iv.PauseTypeID}
					spent[k] += iv.Duration()
					override[k] = override[k] || iv.Cause == presence.CauseOverride
				}
			}
			require.Equal(t, now.Sub(start), total+now.Sub(cur.Since), "ledger plus the running status cover the whole time")

			// Budgets agree with the ledger (the running status is counted by
			// Budget up to now; add it to the ledger's last day).
			if cur.State == presence.Away {
				splitOverDays(cur.Since, now, loc, func(day string, dd time.Duration) {
					k := [2]string{day, cur.PauseTypeID}
					spent[k] += dd
					override[k] = override[k] || cur.Cause == presence.CauseOverride
				})
			}
			for k, want := range spent {
				assert.Equal(t, want, e.budgetLine(k[0], k[1]).Spent, "budget of %s on %s", byID[k[1]].Name, k[0])
			}
			// A type with a fallback never runs over its allocation unless an
			// administrator overrode it that day.
			for k, sp := range spent {
				if t0 := byID[k[1]]; t0 != nil && t0.FallbackID != "" && !override[k] {
					if !assert.LessOrEqual(t, sp, *t0.DailyAllocation, "%s on %s", t0.Name, k[0]) {
						for _, iv := range ivs {
							if iv.Day == k[0] {
								t.Logf("%s %s-%s %s %s %s", iv.Day, iv.Start.In(loc).Format("15:04:05"), iv.End.In(loc).Format("15:04:05"), iv.State, name(byID, iv.PauseTypeID), iv.Cause)
							}
						}
					}
				}
			}
			// Each switch happened exactly when the type's day allocation was used up.
			sws := e.notes.switches()
			for _, sw := range sws {
				day := sw.At.In(loc).Format(time.DateOnly)
				var used time.Duration
				for _, iv := range ivs {
					if iv.Day == day && iv.PauseTypeID == sw.From && !iv.End.After(sw.At) {
						used += iv.Duration()
					}
				}
				assert.Equal(t, *byID[sw.From].DailyAllocation, used, "switch from %s at %s", byID[sw.From].Name, sw.At)
				assert.False(t, sw.AppliedAt.Before(sw.At))
			}
			t.Logf("seed %d: %d intervals, %d automatic switches, %d days", seed, len(ivs), len(sws), len(dayset(ivs)))
		})
	}
}

func splitOverDays(from, to time.Time, loc *time.Location, fn func(day string, d time.Duration)) {
	for from.Before(to) {
		y, m, dd := from.In(loc).Date()
		next := time.Date(y, m, dd+1, 0, 0, 0, 0, loc)
		end := next
		if next.After(to) {
			end = to
		}
		fn(from.In(loc).Format(time.DateOnly), end.Sub(from))
		from = end
	}
}

func dayset(ivs []presence.Interval) map[string]bool {
	m := map[string]bool{}
	for _, iv := range ivs {
		m[iv.Day] = true
	}
	return m
}

func name(m map[string]*presence.PauseType, id string) string {
	if p := m[id]; p != nil {
		return p.Name
	}
	return "-"
}
