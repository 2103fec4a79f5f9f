package bunstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/bunstore"
	"github.com/switchboardkit/switchboard/storage/storagetest"
)

// TestHistoryIsFolded: every dialect's history read folds the rows into
// one string the store parses, and agrees with the plain History read.
func TestHistoryIsFolded(t *testing.T) {
	ctx := context.Background()
	outcomes := []compliance.Outcome{compliance.OutcomeAnsweredHuman, compliance.OutcomeNoAnswer, compliance.OutcomeMessageSent,
		compliance.OutcomeBusy, compliance.OutcomeAnsweringMachine, compliance.OutcomeFailed}
	for name, open := range map[string]func(testing.TB) *bunstore.Store{
		"sqlite": storagetest.OpenSQLite, "postgres": storagetest.OpenPostgres, "mysql": storagetest.OpenMySQL,
	} {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			cs := st.Compliance()
			co := storage.NewID()
			base := time.Date(2026, 3, 18, 9, 0, 0, 123456000, time.UTC)
			var rs []compliance.Reservation
			for i := range 150 {
				r := compliance.Reservation{ID: storage.NewID(), CompanyID: co, Key: "k", Phone: "+74951234567",
					ReservedAt: base.Add(-time.Duration(i) * time.Hour), ExpiresAt: base.Add(-time.Duration(i)*time.Hour + time.Minute),
					Status: compliance.StatusCompleted, Outcome: outcomes[i%len(outcomes)], CompletedAt: base}
				if i%10 == 0 {
					r.Status, r.Outcome, r.CompletedAt = compliance.StatusPending, "", time.Time{}
				}
				if i%17 == 0 {
					r.Status = compliance.StatusReleased
				}
				rs = append(rs, r)
			}
			require.NoError(t, cs.InsertReservations(ctx, rs))
			since := base.Add(-100 * time.Hour)
			before := bunstore.HistoryFallbacks.Load()
			got, err := cs.(compliance.RecordReader).HistoryRecords(ctx, co, "k", since, nil)
			require.NoError(t, err)
			require.Equal(t, before, bunstore.HistoryFallbacks.Load(), "read folded, not row by row")
			hist, err := cs.History(ctx, co, "k", since)
			require.NoError(t, err)
			want := make([]compliance.Record, len(hist))
			for i, r := range hist {
				want[i] = r.Record()
			}
			require.NotEmpty(t, want)
			assert.Equal(t, want, got)
		})
	}
}
