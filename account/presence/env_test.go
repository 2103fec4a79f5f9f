package presence_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/account/presence"
	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/memory"
	"github.com/switchboardkit/switchboard/tenancy"
	"github.com/switchboardkit/switchboard/tenancy/tenancytest"
)

var ctx = context.Background()

// recorder dispatches an outbox and keeps the automatic switches it
// delivered.
type recorder struct {
	mu  sync.Mutex
	d   *storage.Dispatcher
	got []presence.Switch
}

func newRecorder(box storage.Outbox) *recorder {
	r := &recorder{d: storage.NewDispatcher(box)}
	presence.OnSwitch(r.d, func(_ context.Context, _ string, s presence.Switch) error {
		r.got = append(r.got, s) // under r.mu: switches holds it while draining
		return nil
	})
	return r
}

// switches drains the outbox and returns every switch delivered so far.
func (r *recorder) switches() []presence.Switch {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := r.d.Drain(context.Background()); err != nil {
		panic(err)
	}
	return append([]presence.Switch(nil), r.got...)
}

type env struct {
	t       *testing.T
	st      *memory.Store
	dir     *tenancytest.Directory
	clock   *storage.ManualClock
	log     *audit.Log
	svc     *presence.Service
	notes   *recorder
	loc     *time.Location
	company tenancy.CompanyRef
	admin   tenancy.Actor
	op      tenancy.Actor
}

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

// newEnv builds a company in zone with an administrator and an operator,
// on the memory backend, with the clock at start.
func newEnv(t *testing.T, zone string, start time.Time) *env {
	t.Helper()
	e := &env{t: t, st: memory.New(), dir: tenancytest.NewDirectory(), clock: storage.NewManualClock(start),
		loc: mustLoc(t, zone)}
	e.notes = newRecorder(e.st.Outbox())
	e.log = audit.NewLog(e.st.Audit(), audit.WithClock(e.clock))
	e.svc = presence.NewService(e.st, e.st.Presence(), e.dir, presence.FixedLocation(e.loc), e.log, e.st.Outbox(),
		presence.WithClock(e.clock))
	e.company = e.dir.AddCompany(tenancy.CompanyRef{})
	e.admin = e.dir.AddMember(e.company, tenancy.RoleAdministrator, "")
	e.op = e.dir.AddMember(e.company, tenancy.RoleOperator, "sub-1")
	return e
}

func minutes(n int) *time.Duration { d := time.Duration(n) * time.Minute; return &d }

func (e *env) pauseType(name string, paid bool, alloc *time.Duration, fallback string) *presence.PauseType {
	e.t.Helper()
	p, err := e.svc.CreatePauseType(ctx, e.admin, e.company.ID, presence.PauseTypeInput{Name: name, Paid: paid, DailyAllocation: alloc, FallbackID: fallback})
	require.NoError(e.t, err)
	return p
}

func (e *env) status() *presence.Current {
	e.t.Helper()
	c, err := e.svc.Status(ctx, e.op, e.company.ID, e.op.UserID)
	require.NoError(e.t, err)
	return c
}

// set changes the operator's status as the operator, from the current version.
func (e *env) set(state presence.State, typeID string) *presence.Current {
	e.t.Helper()
	c, err := e.svc.SetStatus(ctx, e.op, e.company.ID, e.op.UserID, presence.Change{State: state, PauseTypeID: typeID, Version: e.status().Version})
	require.NoError(e.t, err)
	return c
}

func (e *env) budgetLine(day, typeID string) presence.BudgetLine {
	e.t.Helper()
	b, err := e.svc.Budget(ctx, e.op, e.company.ID, e.op.UserID, day)
	require.NoError(e.t, err)
	for _, l := range b.Lines {
		if l.PauseTypeID == typeID {
			return l
		}
	}
	e.t.Fatalf("no budget line for %s on %s", typeID, day)
	return presence.BudgetLine{}
}

func (e *env) ledger() []presence.Interval {
	e.t.Helper()
	ivs, err := e.svc.Ledger(ctx, e.op, e.company.ID, e.op.UserID, time.Unix(0, 0), e.clock.Now().Add(time.Hour))
	require.NoError(e.t, err)
	return ivs
}
