package bunstore_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/bunstore"
	"github.com/switchboardkit/switchboard/storage/storagetest"
	"github.com/switchboardkit/switchboard/tenancy"
	"github.com/switchboardkit/switchboard/tenancy/tenancytest"
)

// One dialer cycle on PostgreSQL is 4 round trips (the directory is in
// memory here): BEGIN, the subscriber's lock upsert and the settings and
// history read together; then the reservation INSERT, its audit INSERT and
// COMMIT together; BEGIN with the UPDATE … RETURNING of the pending call;
// then its audit INSERT with COMMIT. A Check is 1 (settings and history in
// one statement, no transaction) once the company's rules are compiled, 2
// before. Those are the counts once the connection has prepared the hot
// statements (see "Prepared statements on PostgreSQL"): each costs one
// round trip the first time a connection sends it, so the test runs on one
// connection and counts the first calls apart.
func TestRoundTripsPostgres(t *testing.T) {
	st := storagetest.OpenPostgres(t)
	st.DB().SetMaxOpenConns(1)
	ctx := context.Background()
	dir := tenancytest.NewDirectory()
	co := dir.AddCompany(tenancy.CompanyRef{})
	owner := dir.AddMember(co, tenancy.RoleOwner, "")
	log := audit.NewLog(st.Audit())
	svc := compliance.NewService(st, st.Compliance(), dir, log)
	_, err := svc.SetSettings(ctx, owner, co.ID, true, compliance.FZ230Calls())
	require.NoError(t, err)
	call := compliance.Call{CompanyID: co.ID, Phone: "+74951234567", Zone: "Europe/Moscow", SkipCaps: true}

	before := bunstore.RoundTrips(st)
	_, err = svc.Check(ctx, owner, call)
	require.NoError(t, err)
	require.EqualValues(t, 2+1, bunstore.RoundTrips(st)-before, "first Check: compiling the rules, preparing the history read")
	before = bunstore.RoundTrips(st)
	_, err = svc.Check(ctx, owner, call)
	require.NoError(t, err)
	require.EqualValues(t, 1+1, bunstore.RoundTrips(st)-before, "second Check: preparing its one statement")
	before = bunstore.RoundTrips(st)
	_, err = svc.Check(ctx, owner, call)
	require.NoError(t, err)
	require.EqualValues(t, 1, bunstore.RoundTrips(st)-before, "Check")

	// The window may be closed at this hour: reserve until allowed is not
	// the point, so take the policy's windows out of it.
	p := compliance.FZ230Calls()
	w := compliance.Window{Start: 0, End: compliance.Clock(24, 0, 0)}
	p.Windows = compliance.Windows{Working: w, Weekend: w, Holiday: w}
	_, err = svc.SetSettings(ctx, owner, co.ID, true, p)
	require.NoError(t, err)
	// The first cycle prepares the lock upsert and the reservation INSERT
	// (Check prepared the read, SetSettings the audit INSERT), then
	// Complete's UPDATE.
	before = bunstore.RoundTrips(st)
	r, d, err := svc.Reserve(ctx, owner, call)
	require.NoError(t, err)
	require.True(t, d.Allowed, d.Reasons)
	require.EqualValues(t, 2+2, bunstore.RoundTrips(st)-before, "first Reserve")
	before = bunstore.RoundTrips(st)
	_, err = svc.Complete(ctx, owner, r.ID, compliance.OutcomeNoAnswer)
	require.NoError(t, err)
	require.EqualValues(t, 2+1, bunstore.RoundTrips(st)-before, "first Complete")
	call.Phone = "+74951234568"
	before = bunstore.RoundTrips(st)
	r, d, err = svc.Reserve(ctx, owner, call)
	require.NoError(t, err)
	require.True(t, d.Allowed, d.Reasons)
	require.EqualValues(t, 2, bunstore.RoundTrips(st)-before, "Reserve")
	before = bunstore.RoundTrips(st)
	_, err = svc.Complete(ctx, owner, r.ID, compliance.OutcomeNoAnswer)
	require.NoError(t, err)
	require.EqualValues(t, 2, bunstore.RoundTrips(st)-before, "Complete")

	// Both transactions committed their rows and audit events.
	got, err := st.Compliance().Reservation(ctx, r.ID)
	require.NoError(t, err)
	require.Equal(t, compliance.StatusCompleted, got.Status)
	var n int
	require.NoError(t, st.DB().NewRaw("SELECT COUNT(*) FROM audit_unsealed WHERE entity_id = ?", r.ID).Scan(ctx, &n))
	require.Equal(t, 2, n)
}

// Deferred writes keep a transaction's meaning: a later read in the
// transaction sees them, a failing one fails the transaction (with its
// error kind) and leaves nothing behind, and a rolled-back transaction that
// only deferred writes sends nothing at all.
func TestDeferredWritesPostgres(t *testing.T) {
	st := storagetest.OpenPostgres(t)
	ctx := context.Background()
	cs := st.Compliance()
	now := storage.Timestamp(time.Now())
	res := func(id string) compliance.Reservation {
		return compliance.Reservation{ID: id, CompanyID: "co", Key: "k", Phone: "+74951234567", ReservedAt: now,
			ExpiresAt: now.Add(time.Minute), Status: compliance.StatusPending, ReservedBy: "u"}
	}

	// Read your own deferred write.
	a := storage.NewID()
	require.NoError(t, st.InTx(ctx, func(ctx context.Context) error {
		if err := cs.InsertReservation(ctx, res(a)); err != nil {
			return err
		}
		got, err := cs.Reservation(ctx, a)
		require.NoError(t, err)
		require.Equal(t, a, got.ID)
		return nil
	}))

	// A duplicate deferred until COMMIT is the transaction's conflict.
	b := storage.NewID()
	err := st.InTx(ctx, func(ctx context.Context) error {
		if err := cs.InsertReservation(ctx, res(b)); err != nil {
			return err
		}
		return cs.InsertReservation(ctx, res(b))
	})
	require.ErrorIs(t, err, storage.ErrConflict)
	_, err = cs.Reservation(ctx, b)
	require.ErrorIs(t, err, storage.ErrNotFound)

	// A failure after deferred writes only: nothing was sent.
	c := storage.NewID()
	before := bunstore.RoundTrips(st)
	boom := errors.New("boom")
	err = st.InTx(ctx, func(ctx context.Context) error {
		if err := cs.InsertReservation(ctx, res(c)); err != nil {
			return err
		}
		return boom
	})
	require.ErrorIs(t, err, boom)
	require.EqualValues(t, 0, bunstore.RoundTrips(st)-before)
	_, err = cs.Reservation(ctx, c)
	require.ErrorIs(t, err, storage.ErrNotFound)

	// The pool stays usable after the failed commit.
	for range 20 {
		require.NoError(t, st.InTx(ctx, func(ctx context.Context) error { return cs.InsertReservation(ctx, res(storage.NewID())) }))
	}
}

// Check and Reserve read the history since the look-back of the rules
// compiled last for the company (CheckRecords, one statement on
// PostgreSQL): when
// the policy changes, its decisions are still those of a Service that
// never saw the company — a longer look-back re-reads the history, a
// shorter one leaves the older calls out.
func TestCheckLookBackChanges(t *testing.T) {
	for name, open := range map[string]func(testing.TB) *bunstore.Store{
		"SQLite": storagetest.OpenSQLite, "PostgreSQL": storagetest.OpenPostgres} {
		t.Run(name, func(t *testing.T) {
			if name == "PostgreSQL" && os.Getenv(storagetest.PostgresEnv) == "" {
				t.Skip(storagetest.PostgresEnv + " not set")
			}
			st := open(t)
			ctx := context.Background()
			dir := tenancytest.NewDirectory()
			co := dir.AddCompany(tenancy.CompanyRef{})
			owner := dir.AddMember(co, tenancy.RoleOwner, "")
			clock := storage.NewManualClock(time.Date(2026, 3, 18, 9, 0, 0, 0, time.UTC))
			newSvc := func() *compliance.Service {
				return compliance.NewService(st, st.Compliance(), dir, audit.NewLog(st.Audit()), compliance.WithClock(clock))
			}
			svc := newSvc()
			w := compliance.Window{Start: 0, End: compliance.Clock(24, 0, 0)}
			policy := func(days int) compliance.Policy {
				p := compliance.FZ230Calls()
				p.Windows = compliance.Windows{Working: w, Weekend: w, Holiday: w}
				p.Caps = []compliance.Cap{{Period: compliance.PeriodRolling, Days: days, Limit: 1, Counts: compliance.ClassConversation}}
				return p
			}
			call := compliance.Call{CompanyID: co.ID, Phone: "+74951234567", Zone: "Europe/Moscow"}
			_, err := svc.ImportHistory(ctx, owner, co.ID, "past", []compliance.PastCall{
				{Phone: call.Phone, At: clock.Now().Add(-10 * 24 * time.Hour), Outcome: compliance.OutcomeAnsweredHuman}})
			require.NoError(t, err)
			for i, days := range []int{1, 20, 1, 30, 2} {
				_, err := svc.SetSettings(ctx, owner, co.ID, true, policy(days))
				require.NoError(t, err)
				for range 2 {
					got, err := svc.Check(ctx, owner, call)
					require.NoError(t, err)
					want, err := newSvc().Check(ctx, owner, call)
					require.NoError(t, err)
					require.Equal(t, want, got, "policy %d (%d days)", i, days)
					require.Equal(t, days < 10, got.Allowed, "policy %d (%d days)", i, days)
				}
				// Reserve reads the same way under the subscriber's lock.
				r, d, err := svc.Reserve(ctx, owner, call)
				require.NoError(t, err)
				require.Equal(t, days < 10, d.Allowed, "Reserve, policy %d (%d days)", i, days)
				if d.Allowed {
					_, err = svc.Release(ctx, owner, r.ID)
					require.NoError(t, err)
				}
			}
		})
	}
}
