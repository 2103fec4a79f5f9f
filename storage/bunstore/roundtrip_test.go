package bunstore_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/compliance"
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
