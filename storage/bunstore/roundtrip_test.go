package bunstore_test

import (
	"context"
	"errors"
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

// One dialer cycle on PostgreSQL is 7 round trips (the directory is in
// memory here): BEGIN, the lock upsert returning the settings, the history
// read, then the reservation INSERT, its audit INSERT and COMMIT together;
// BEGIN, the UPDATE … RETURNING of the pending call, then its audit INSERT
// with COMMIT. A Check is 2 (settings, history), with no transaction.
func TestRoundTripsPostgres(t *testing.T) {
	st := storagetest.OpenPostgres(t)
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
	require.EqualValues(t, 2, bunstore.RoundTrips(st)-before, "Check")

	// The window may be closed at this hour: reserve until allowed is not
	// the point, so take the policy's windows out of it.
	p := compliance.FZ230Calls()
	w := compliance.Window{Start: 0, End: compliance.Clock(24, 0, 0)}
	p.Windows = compliance.Windows{Working: w, Weekend: w, Holiday: w}
	_, err = svc.SetSettings(ctx, owner, co.ID, true, p)
	require.NoError(t, err)
	before = bunstore.RoundTrips(st)
	r, d, err := svc.Reserve(ctx, owner, call)
	require.NoError(t, err)
	require.True(t, d.Allowed, d.Reasons)
	require.EqualValues(t, 4, bunstore.RoundTrips(st)-before, "Reserve")
	before = bunstore.RoundTrips(st)
	_, err = svc.Complete(ctx, owner, r.ID, compliance.OutcomeNoAnswer)
	require.NoError(t, err)
	require.EqualValues(t, 3, bunstore.RoundTrips(st)-before, "Complete")

	// Both transactions committed their rows and audit events.
	got, err := st.Compliance().Reservation(ctx, r.ID)
	require.NoError(t, err)
	require.Equal(t, compliance.StatusCompleted, got.Status)
	var n int
	require.NoError(t, st.DB().NewRaw("SELECT COUNT(*) FROM audit_events WHERE entity_id = ?", r.ID).Scan(ctx, &n))
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
