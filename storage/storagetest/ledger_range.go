package storagetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
)

// licLedgerRange proves LedgerBetween: entries created in [from, to), by
// creation time then sequence, a page at a time.
func licLedgerRange(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	w := newLicWorld(t, h)
	day := func(d int) time.Time { return time.Date(2026, 2, d, 12, 0, 0, 0, time.UTC) }
	clock := storage.NewManualClock(day(1))
	svc := licensing.NewService(h.Tx, h.Licensing, w.dir, w.log, h.Outbox, licensing.WithClock(clock))
	byDay := map[int][]int64{}
	for d := 1; d <= 5; d++ {
		clock.Set(day(d))
		for range 2 { // two entries at the same instant: ordered by sequence
			e, err := svc.RecordPayment(ctx, w.resellerAdmin, w.company.ID, licensing.MoneyInput{Amount: dec("1.00"), IdempotencyKey: storage.NewID()})
			require.NoError(t, err)
			byDay[d] = append(byDay[d], e.Seq)
		}
	}
	seqs := func(from, to time.Time, size int) []int64 {
		t.Helper()
		var out []int64
		p := storage.PageRequest{Limit: size}
		for {
			page, err := svc.LedgerBetween(ctx, w.admin, w.company.ID, from, to, p)
			require.NoError(t, err)
			for _, e := range page.Items {
				require.False(t, !from.IsZero() && e.CreatedAt.Before(from) || !to.IsZero() && !e.CreatedAt.Before(to), "entry %d at %s is outside the range", e.Seq, e.CreatedAt)
				out = append(out, e.Seq)
			}
			if page.NextCursor == "" {
				return out
			}
			p.After = page.NextCursor
		}
	}
	cat := func(ds ...int) []int64 {
		var out []int64
		for _, d := range ds {
			out = append(out, byDay[d]...)
		}
		return out
	}
	require.Equal(t, cat(2, 3), seqs(day(2), day(4), 1), "from inclusive, to exclusive, one entry a page")
	require.Equal(t, cat(1, 2), seqs(time.Time{}, day(3), 3), "open start")
	require.Equal(t, cat(4, 5), seqs(day(4), time.Time{}, 10), "open end")
	require.Equal(t, cat(1, 2, 3, 4, 5), seqs(time.Time{}, time.Time{}, 4))
	require.Empty(t, seqs(day(2).Add(time.Hour), day(3), 10))
	_, err := svc.LedgerBetween(ctx, w.admin, w.company.ID, day(3), day(2), storage.PageRequest{})
	fieldOf(t, err, "to")
	_, err = svc.LedgerBetween(ctx, w.admin, w.company.ID, day(3), day(3), storage.PageRequest{})
	fieldOf(t, err, "to")
	_, err = svc.LedgerBetween(ctx, w.admin, w.company.ID, day(1), day(2), storage.PageRequest{After: "%%%"})
	fieldOf(t, err, "after")
}
