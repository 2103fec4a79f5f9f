package storagetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/account/presence"
	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
	"github.com/switchboardkit/switchboard/tenancy/tenancytest"
)

// presenceEnv is one company with an administrator on the backend under test.
type presenceEnv struct {
	h       *Harness
	dir     *tenancytest.Directory
	clock   *storage.ManualClock
	log     *audit.Log
	company tenancy.CompanyRef
	admin   tenancy.Actor
	loc     *time.Location
}

// switches drains the harness's outbox and returns the automatic switches
// delivered for e's company.
func (e *presenceEnv) switches() []presence.Switch {
	return delivered[presence.Switch](e.h.effects(), storage.TopicPauseSwitch, e.company.ID)
}

func newPresenceEnv(t testing.TB, h *Harness, zone string, start time.Time) *presenceEnv {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	require.NoError(t, err)
	e := &presenceEnv{h: h, dir: tenancytest.NewDirectory(), clock: storage.NewManualClock(start), loc: loc}
	e.log = audit.NewLog(h.Audit, audit.WithClock(e.clock))
	e.company = e.dir.AddCompany(tenancy.CompanyRef{})
	e.admin = e.dir.AddMember(e.company, tenancy.RoleAdministrator, "")
	return e
}

// service is one host's presence service over the shared backend.
func (e *presenceEnv) service() *presence.Service {
	return presence.NewService(e.h.Tx, e.h.Presence, e.dir, presence.FixedLocation(e.loc), e.log, e.h.Outbox,
		presence.WithClock(e.clock))
}

func dur(d time.Duration) *time.Duration { return &d }

func runPresence(t *testing.T, h *Harness) {
	if h.Presence == nil {
		t.Skip("backend offers no presence store")
	}
	t.Run("pause types round-trip and keep names unique", func(t *testing.T) { presencePauseTypes(t, h) })
	t.Run("bad input gets typed errors and leaves nothing", func(t *testing.T) { presenceBadInput(t, h) })
	t.Run("two devices changing status at once keep the ledger whole", func(t *testing.T) { presenceConcurrentDevices(t, h) })
	t.Run("three hosts applying due switches apply each once", func(t *testing.T) { presenceConcurrentApplyDue(t, h) })
	t.Run("hosts and devices racing over due switches apply each once", func(t *testing.T) { presenceApplyDueRace(t, h) })
	t.Run("budget and report over midnight", func(t *testing.T) { presenceOverMidnight(t, h) })
	t.Run("platform-wide due listing reads every company in due order", func(t *testing.T) { presencePlatformDueListing(t, h) })
	t.Run("platform-wide ApplyDue switches every company once", func(t *testing.T) { presencePlatformApplyDue(t, h) })
	t.Run("batched reads and writes agree with the single ones", func(t *testing.T) { presenceBatches(t, h) })
}

// platformEra is when the platform-wide ApplyDue test's pauses fall due:
// earlier than any other test's, so ApplyPlatformDue, capped at its clock,
// touches nothing else of the shared backend. listingEra, the store
// listing's rows, comes after that test's clock and before every other
// test's, so the platform-wide listing starts with them.
var (
	platformEra = time.Date(1971, 3, 1, 9, 0, 0, 0, time.UTC)
	listingEra  = time.Date(1972, 3, 1, 9, 0, 0, 0, time.UTC)
)

func presencePlatformDueListing(t *testing.T, h *Harness) {
	ctx := context.Background()
	st := h.Presence
	a, b := storage.NewID(), storage.NewID()
	if b < a {
		a, b = b, a
	}
	at := func(m int) *time.Time { d := listingEra.Add(time.Duration(m) * time.Minute); return &d }
	rows := []*presence.Current{
		{CompanyID: b, UserID: "u1", DueAt: at(1)},
		{CompanyID: a, UserID: "u2", DueAt: at(1)},
		{CompanyID: a, UserID: "u1", DueAt: at(1)},
		{CompanyID: a, UserID: "u3", DueAt: at(3)},
		{CompanyID: b, UserID: "u2", DueAt: at(2)},
		{CompanyID: b, UserID: "u3"}, // nothing due
		{CompanyID: b, UserID: "u4", DueAt: at(9)},
	}
	require.NoError(t, h.Tx.InTx(ctx, func(ctx context.Context) error {
		for _, r := range rows {
			r.State, r.PauseTypeID, r.Since, r.Cause, r.Version = presence.Away, "p", listingEra, presence.CauseSelf, 1
			if err := st.PutCurrent(ctx, r); err != nil {
				return err
			}
		}
		return nil
	}))
	next, ok, err := st.PlatformNextDue(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, *at(1), next)

	want := []string{a + "/u1", a + "/u2", b + "/u1", b + "/u2", a + "/u3"}
	var got []string
	var after *presence.DueCursor
	for range 10 {
		page, err := st.PlatformDueCurrents(ctx, *at(5), after, 2)
		require.NoError(t, err)
		for _, c := range page {
			if c.CompanyID == a || c.CompanyID == b {
				got = append(got, c.CompanyID+"/"+c.UserID)
			}
		}
		if len(page) < 2 {
			break
		}
		last := page[len(page)-1]
		after = &presence.DueCursor{DueAt: *last.DueAt, CompanyID: last.CompanyID, UserID: last.UserID}
	}
	assert.Equal(t, want, got, "due order (DueAt, company, user), strictly after each cursor, until inclusive")

	// The index follows PutCurrent: clearing a due instant drops the row,
	// moving it moves the row, and a rolled-back write changes nothing.
	first := *rows[2] // a/u1
	first.DueAt, first.Version = nil, 2
	moved := *rows[1] // a/u2
	moved.DueAt, moved.Version = at(4), 2
	require.NoError(t, h.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := st.PutCurrent(ctx, &first); err != nil {
			return err
		}
		return st.PutCurrent(ctx, &moved)
	}))
	undone := *rows[0] // b/u1
	undone.DueAt, undone.Version = nil, 2
	errRollback := errors.New("roll back")
	require.ErrorIs(t, h.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := st.PutCurrent(ctx, &undone); err != nil {
			return err
		}
		return errRollback
	}), errRollback)
	page, err := st.PlatformDueCurrents(ctx, *at(5), nil, 100)
	require.NoError(t, err)
	got = got[:0]
	for _, c := range page {
		if c.CompanyID == a || c.CompanyID == b {
			got = append(got, c.CompanyID+"/"+c.UserID)
			assert.Equal(t, presence.Away, c.State)
			assert.EqualValues(t, map[bool]int64{true: 2, false: 1}[c.CompanyID == a && c.UserID == "u2"], c.Version)
		}
	}
	assert.Equal(t, []string{b + "/u1", b + "/u2", a + "/u3", a + "/u2"}, got)
}

func presencePlatformApplyDue(t *testing.T, h *Harness) {
	ctx := context.Background()
	t0 := platformEra
	e1 := newPresenceEnv(t, h, "UTC", t0)
	e2 := newPresenceEnv(t, h, "UTC", t0)
	e2.clock = e1.clock // one platform, one clock
	e2.log = e1.log
	due := map[string]time.Time{}
	host := e1.service()
	for i, e := range []*presenceEnv{e1, e2} {
		svc := e.service()
		rest, err := svc.CreatePauseType(ctx, e.admin, e.company.ID, presence.PauseTypeInput{Name: "Rest"})
		require.NoError(t, err)
		coffee, err := svc.CreatePauseType(ctx, e.admin, e.company.ID, presence.PauseTypeInput{Name: "Coffee", DailyAllocation: dur(time.Duration(10+i) * time.Minute), FallbackID: rest.ID})
		require.NoError(t, err)
		for range 3 {
			op := e.dir.AddMember(e.company, tenancy.RoleOperator, "")
			cur, err := svc.SetStatus(ctx, op, e.company.ID, op.UserID, presence.Change{State: presence.Away, PauseTypeID: coffee.ID})
			require.NoError(t, err)
			require.NotNil(t, cur.DueAt)
			due[op.UserID] = *cur.DueAt
		}
	}
	next, ok, err := host.NextPlatformTransition(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, t0.Add(10*time.Minute), next)

	e1.clock.Advance(10*time.Minute + 30*time.Second) // company 1's are due, company 2's not yet
	n, err := host.ApplyPlatformDue(ctx, e1.clock.Now())
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	next, ok, err = host.NextPlatformTransition(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, t0.Add(11*time.Minute), next)

	e1.clock.Advance(time.Hour)
	n, err = host.ApplyPlatformDue(ctx, e1.clock.Now().Add(time.Hour)) // a later now is capped at the clock
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	n, err = host.ApplyPlatformDue(ctx, e1.clock.Now())
	require.NoError(t, err)
	assert.Zero(t, n, "idempotent")
	_, ok, err = host.NextPlatformTransition(ctx)
	require.NoError(t, err)
	if ok { // other tests' pauses may still be pending, but none of ours
		page, err := h.Presence.PlatformDueCurrents(ctx, e1.clock.Now(), nil, 100)
		require.NoError(t, err)
		for _, c := range page {
			assert.NotContains(t, []string{e1.company.ID, e2.company.ID}, c.CompanyID)
		}
	}

	seen := map[string]int{}
	for _, s := range append(e1.switches(), e2.switches()...) {
		seen[s.UserID]++
		assert.Equal(t, due[s.UserID], s.At, "switched at its due instant")
	}
	assert.Len(t, seen, 6)
	for _, e := range []*presenceEnv{e1, e2} {
		page, err := e1.log.Query(ctx, audit.Scope{All: true}, audit.Filter{CompanyID: e.company.ID, Action: "presence.status.auto_switch"}, storage.PageRequest{Limit: 100})
		require.NoError(t, err)
		assert.Len(t, page.Items, 3, "audited in each member's company")
		for _, ev := range page.Items {
			assert.Equal(t, e.company.ID, ev.CompanyID)
		}
	}
	_, err = host.ApplyPlatformDue(ctx, time.Time{})
	var verr *storage.ValidationError
	require.ErrorAs(t, err, &verr)
}

func presencePauseTypes(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	e := newPresenceEnv(t, h, "UTC", t0)
	svc := e.service()
	rest, err := svc.CreatePauseType(ctx, e.admin, e.company.ID, presence.PauseTypeInput{Name: "Rest"})
	require.NoError(t, err)
	alloc := 15*time.Minute + 30*time.Second + 7*time.Microsecond
	coffee, err := svc.CreatePauseType(ctx, e.admin, e.company.ID, presence.PauseTypeInput{Name: "Coffee", Paid: true, DailyAllocation: &alloc, FallbackID: rest.ID})
	require.NoError(t, err)
	got, err := h.Presence.PauseType(ctx, e.company.ID, coffee.ID)
	require.NoError(t, err)
	assert.Equal(t, coffee, got)
	_, err = h.Presence.PauseType(ctx, storage.NewID(), coffee.ID)
	require.ErrorIs(t, err, storage.ErrNotFound, "another company does not see it")
	_, err = svc.CreatePauseType(ctx, e.admin, e.company.ID, presence.PauseTypeInput{Name: "COFFEE"})
	require.ErrorIs(t, err, storage.ErrConflict)
	other := newPresenceEnv(t, h, "UTC", t0)
	_, err = other.service().CreatePauseType(ctx, other.admin, other.company.ID, presence.PauseTypeInput{Name: "Coffee"})
	require.NoError(t, err, "names are unique per company only")

	upd, err := svc.UpdatePauseType(ctx, e.admin, e.company.ID, coffee.ID, coffee.Version, presence.PauseTypeInput{Name: "Espresso", Paid: true})
	require.NoError(t, err)
	assert.Nil(t, upd.DailyAllocation)
	require.ErrorIs(t, h.Tx.InTx(ctx, func(ctx context.Context) error { return h.Presence.UpdatePauseType(ctx, coffee) }), storage.ErrConflict, "stale version")
	_, err = svc.ArchivePauseType(ctx, e.admin, e.company.ID, upd.ID, upd.Version)
	require.NoError(t, err)
	_, err = svc.CreatePauseType(ctx, e.admin, e.company.ID, presence.PauseTypeInput{Name: "espresso"})
	require.NoError(t, err, "an archived type frees its name")
	all, err := h.Presence.PauseTypes(ctx, e.company.ID)
	require.NoError(t, err)
	assert.Len(t, all, 3)
}

func presenceBadInput(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	e := newPresenceEnv(t, h, "UTC", t0)
	svc := e.service()
	other := newPresenceEnv(t, h, "UTC", t0)
	foreign, err := other.service().CreatePauseType(ctx, other.admin, other.company.ID, presence.PauseTypeInput{Name: "F"})
	require.NoError(t, err)
	a, err := svc.CreatePauseType(ctx, e.admin, e.company.ID, presence.PauseTypeInput{Name: "A"})
	require.NoError(t, err)
	b, err := svc.CreatePauseType(ctx, e.admin, e.company.ID, presence.PauseTypeInput{Name: "B", FallbackID: a.ID})
	require.NoError(t, err)

	_, err = svc.CreatePauseType(ctx, e.admin, e.company.ID, presence.PauseTypeInput{Name: "X", FallbackID: foreign.ID})
	require.ErrorIs(t, err, storage.ErrInvalid, "fallback in another company")
	_, err = svc.UpdatePauseType(ctx, e.admin, e.company.ID, a.ID, a.Version, presence.PauseTypeInput{Name: "A", FallbackID: b.ID})
	require.ErrorIs(t, err, storage.ErrInvalid, "fallback cycle")
	_, err = svc.CreatePauseType(ctx, e.admin, e.company.ID, presence.PauseTypeInput{Name: "X", DailyAllocation: dur(-time.Minute)})
	require.ErrorIs(t, err, storage.ErrInvalid, "negative allocation")
	op := e.dir.AddMember(e.company, tenancy.RoleOperator, "")
	_, err = svc.SetStatus(ctx, op, e.company.ID, op.UserID, presence.Change{State: presence.Away, PauseTypeID: storage.NewID()})
	require.ErrorIs(t, err, storage.ErrInvalid, "unknown pause type")
	_, err = svc.SetStatus(ctx, op, e.company.ID, op.UserID, presence.Change{State: presence.Away, PauseTypeID: foreign.ID})
	require.ErrorIs(t, err, storage.ErrInvalid, "another company's pause type")
	_, err = svc.SetStatus(ctx, e.admin, e.company.ID, storage.NewID(), presence.Change{State: presence.Online})
	require.ErrorIs(t, err, storage.ErrNotFound, "not a member")
	ra := e.dir.AddMember(e.company, tenancy.RoleResellerAdmin, "")
	_, err = svc.SetStatus(ctx, e.admin, e.company.ID, ra.UserID, presence.Change{State: presence.Online})
	require.ErrorIs(t, err, storage.ErrInvalid, "a role without presence")

	_, err = h.Presence.Current(ctx, e.company.ID, op.UserID)
	require.ErrorIs(t, err, storage.ErrNotFound)
	all, err := h.Presence.PauseTypes(ctx, e.company.ID)
	require.NoError(t, err)
	assert.Len(t, all, 2)
	assert.Empty(t, all[0].FallbackID)
}

func presenceConcurrentDevices(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	e := newPresenceEnv(t, h, "Europe/Berlin", time.Date(2026, 10, 24, 23, 30, 0, 0, time.UTC))
	svc := e.service()
	lunch, err := svc.CreatePauseType(ctx, e.admin, e.company.ID, presence.PauseTypeInput{Name: "Lunch"})
	require.NoError(t, err)
	op := e.dir.AddMember(e.company, tenancy.RoleOperator, "")
	start := e.clock.Now()
	_, err = svc.SetStatus(ctx, op, e.company.ID, op.UserID, presence.Change{State: presence.Online})
	require.NoError(t, err)

	const perDevice = 100
	var conflicts sync.Map
	var wg sync.WaitGroup
	for d := range 2 {
		wg.Go(func() {
			for done := 0; done < perDevice; {
				cur, err := svc.Status(ctx, op, e.company.ID, op.UserID)
				if !assert.NoError(t, err) {
					return
				}
				ch := presence.Change{State: presence.Away, PauseTypeID: lunch.ID, Version: cur.Version}
				if cur.State == presence.Away {
					ch = presence.Change{State: presence.Online, Version: cur.Version}
				}
				e.clock.Advance(time.Duration(7+d) * time.Minute) // crosses midnight and the DST change
				_, err = svc.SetStatus(ctx, op, e.company.ID, op.UserID, ch)
				if errors.Is(err, storage.ErrConflict) {
					n, _ := conflicts.LoadOrStore(d, new(int))
					*n.(*int)++
					continue
				}
				if !assert.NoError(t, err) {
					return
				}
				done++
			}
		})
	}
	wg.Wait()
	cur, err := svc.Status(ctx, op, e.company.ID, op.UserID)
	require.NoError(t, err)
	assert.EqualValues(t, 1+2*perDevice, cur.Version, "every successful change bumped the version once")
	end := e.clock.Now()
	ivs, err := svc.Ledger(ctx, e.admin, e.company.ID, op.UserID, start, end.Add(time.Hour))
	require.NoError(t, err)
	require.NotEmpty(t, ivs)
	assert.Equal(t, start, ivs[0].Start)
	var total time.Duration
	days := map[string]bool{}
	for i, iv := range ivs {
		require.True(t, iv.End.After(iv.Start), "empty interval %d", i)
		if i > 0 {
			require.Equal(t, ivs[i-1].End, iv.Start, "gap or overlap at interval %d", i)
		}
		assert.Equal(t, iv.Start.In(e.loc).Format(time.DateOnly), iv.Day)
		assert.True(t, iv.Start.In(e.loc).Format(time.DateOnly) == iv.End.Add(-time.Microsecond).In(e.loc).Format(time.DateOnly), "interval %d crosses midnight", i)
		days[iv.Day] = true
		total += iv.Duration()
	}
	assert.Equal(t, ivs[len(ivs)-1].End, cur.Since)
	total += end.Sub(cur.Since)
	assert.Equal(t, end.Sub(start), total, "intervals add up to the elapsed time")
	assert.GreaterOrEqual(t, len(days), 2, "the run crossed midnight")
	t.Logf("%s: %d intervals, conflicts per device: %v", h.Name, len(ivs), func() (out []int) {
		conflicts.Range(func(_, v any) bool { out = append(out, *v.(*int)); return true })
		return
	}())
}

func presenceConcurrentApplyDue(t *testing.T, h *Harness) {
	t.Parallel()
	presenceApplyDueOn(t, []*Harness{h, h, h}, h)
}

// presenceApplyDueOn runs three hosts' ApplyDue at once, host i on
// hosts[i % len(hosts)] (the nodes of a cluster, or one backend), and
// checks the result through check.
func presenceApplyDueOn(t *testing.T, hosts []*Harness, check *Harness) {
	h := hosts[0]
	ctx := context.Background()
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	e := newPresenceEnv(t, h, "UTC", t0)
	setup := e.service()
	rest, err := setup.CreatePauseType(ctx, e.admin, e.company.ID, presence.PauseTypeInput{Name: "Rest"})
	require.NoError(t, err)
	coffee, err := setup.CreatePauseType(ctx, e.admin, e.company.ID, presence.PauseTypeInput{Name: "Coffee", Paid: true, DailyAllocation: dur(10 * time.Minute), FallbackID: rest.ID})
	require.NoError(t, err)
	const operators = 30
	due := map[string]time.Time{}
	for i := range operators {
		op := e.dir.AddMember(e.company, tenancy.RoleOperator, "")
		cur, err := setup.SetStatus(ctx, op, e.company.ID, op.UserID, presence.Change{State: presence.Away, PauseTypeID: coffee.ID})
		require.NoError(t, err)
		require.NotNil(t, cur.DueAt)
		due[op.UserID] = *cur.DueAt
		if i%3 == 0 {
			e.clock.Advance(time.Second)
		}
	}
	next, ok, err := setup.NextTransition(ctx, e.company.ID)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, t0.Add(10*time.Minute), next)
	e.clock.Advance(time.Hour)

	var applied [3]int
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i := range 3 {
		e.h = hosts[i%len(hosts)]
		e.log = audit.NewLog(e.h.Audit, audit.WithClock(e.clock)) // each host records on its own node
		host := e.service()
		wg.Go(func() {
			<-gate
			n, err := host.ApplyDue(ctx, e.company.ID, e.clock.Now())
			assert.NoError(t, err)
			applied[i] = n
		})
	}
	close(gate)
	wg.Wait()
	assert.Equal(t, operators, applied[0]+applied[1]+applied[2], "applied per host: %v", applied)
	e.h, h = check, check
	e.log = audit.NewLog(check.Audit, audit.WithClock(e.clock))
	setup = e.service()
	seen := map[string]int{}
	for _, s := range e.switches() {
		seen[s.UserID]++
		assert.Equal(t, due[s.UserID], s.At)
		assert.Equal(t, rest.ID, s.To)
	}
	assert.Len(t, seen, operators)
	for u, n := range seen {
		assert.Equal(t, 1, n, "operator %s notified %d times", u, n)
		cur, err := h.Presence.Current(ctx, e.company.ID, u)
		require.NoError(t, err)
		assert.Equal(t, rest.ID, cur.PauseTypeID)
		assert.Equal(t, due[u], cur.Since)
		assert.EqualValues(t, 2, cur.Version)
		ivs, err := h.Presence.Intervals(ctx, e.company.ID, u, t0, e.clock.Now())
		require.NoError(t, err)
		require.Len(t, ivs, 1)
		assert.Equal(t, due[u], ivs[0].End)
	}
	page, err := e.log.Query(ctx, audit.Scope{All: true}, audit.Filter{CompanyID: e.company.ID, Action: "presence.status.auto_switch"}, storage.PageRequest{Limit: 100})
	require.NoError(t, err)
	assert.Len(t, page.Items, operators)
	_, ok, err = setup.NextTransition(ctx, e.company.ID)
	require.NoError(t, err)
	assert.False(t, ok)
	n, err := setup.ApplyDue(ctx, e.company.ID, e.clock.Now())
	require.NoError(t, err)
	assert.Zero(t, n)
}

func presenceApplyDueRace(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	e := newPresenceEnv(t, h, "UTC", t0)
	setup := e.service()
	rest, err := setup.CreatePauseType(ctx, e.admin, e.company.ID, presence.PauseTypeInput{Name: "Rest"})
	require.NoError(t, err)
	coffee, err := setup.CreatePauseType(ctx, e.admin, e.company.ID, presence.PauseTypeInput{Name: "Coffee", DailyAllocation: dur(5 * time.Minute), FallbackID: rest.ID})
	require.NoError(t, err)
	const operators = 10
	ops := make([]tenancy.Actor, operators)
	for i := range ops {
		ops[i] = e.dir.AddMember(e.company, tenancy.RoleOperator, "")
		_, err := setup.SetStatus(ctx, ops[i], e.company.ID, ops[i].UserID, presence.Change{State: presence.Away, PauseTypeID: coffee.ID})
		require.NoError(t, err)
	}
	e.clock.Advance(time.Hour)
	due := t0.Add(5 * time.Minute)

	var wg sync.WaitGroup
	gate := make(chan struct{})
	for range 2 {
		host := e.service()
		wg.Go(func() {
			<-gate
			_, err := host.ApplyDue(ctx, e.company.ID, e.clock.Now())
			assert.NoError(t, err)
		})
	}
	for _, op := range ops {
		device := e.service()
		wg.Go(func() {
			<-gate
			for {
				cur, err := device.Status(ctx, op, e.company.ID, op.UserID)
				if !assert.NoError(t, err) {
					return
				}
				_, err = device.SetStatus(ctx, op, e.company.ID, op.UserID, presence.Change{State: presence.Online, Version: cur.Version})
				if errors.Is(err, storage.ErrConflict) {
					continue
				}
				assert.NoError(t, err)
				return
			}
		})
	}
	close(gate)
	wg.Wait()
	got := e.switches()
	assert.Len(t, got, operators, "one notification per switch")
	for _, op := range ops {
		cur, err := h.Presence.Current(ctx, e.company.ID, op.UserID)
		require.NoError(t, err)
		assert.Equal(t, presence.Online, cur.State)
		ivs, err := h.Presence.Intervals(ctx, e.company.ID, op.UserID, t0, e.clock.Now().Add(time.Second))
		require.NoError(t, err)
		require.Len(t, ivs, 2, "coffee until the due instant, then rest")
		assert.Equal(t, coffee.ID, ivs[0].PauseTypeID)
		assert.Equal(t, due, ivs[0].End)
		assert.Equal(t, rest.ID, ivs[1].PauseTypeID)
		assert.Equal(t, due, ivs[1].Start)
		assert.Equal(t, cur.Since, ivs[1].End)
	}
}

func presenceOverMidnight(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	e := newPresenceEnv(t, h, "Asia/Yekaterinburg", time.Date(2026, 11, 20, 18, 50, 0, 0, time.UTC)) // 23:50 local
	svc := e.service()
	coffee, err := svc.CreatePauseType(ctx, e.admin, e.company.ID, presence.PauseTypeInput{Name: "Coffee", Paid: true, DailyAllocation: dur(15 * time.Minute)})
	require.NoError(t, err)
	op := e.dir.AddMember(e.company, tenancy.RoleOperator, "")
	cur, err := svc.SetStatus(ctx, op, e.company.ID, op.UserID, presence.Change{State: presence.Away, PauseTypeID: coffee.ID})
	require.NoError(t, err)
	e.clock.Advance(30 * time.Minute)
	_, err = svc.SetStatus(ctx, op, e.company.ID, op.UserID, presence.Change{State: presence.Online, Version: cur.Version})
	require.NoError(t, err)
	for day, spent := range map[string]time.Duration{"2026-11-20": 10 * time.Minute, "2026-11-21": 20 * time.Minute} {
		b, err := svc.Budget(ctx, op, e.company.ID, op.UserID, day)
		require.NoError(t, err)
		require.Len(t, b.Lines, 1)
		assert.Equal(t, spent, b.Lines[0].Spent, day)
	}
	ivs, err := h.Presence.DayIntervals(ctx, e.company.ID, op.UserID, "2026-11-21")
	require.NoError(t, err)
	require.Len(t, ivs, 1)
	rep, err := svc.Report(ctx, e.admin, presence.ReportRequest{CompanyID: e.company.ID, From: "2026-11-20", To: "2026-11-21"})
	require.NoError(t, err)
	require.Len(t, rep.Rows, 2)
	assert.Equal(t, 5*time.Minute, rep.Rows[1].OverAllocation)
}

// BenchPresenceBudget measures Service.Budget for an operator with n
// recorded intervals on the day (half of them in one limited pause type).
func BenchPresenceBudget(b *testing.B, h *Harness, n int) {
	ctx := context.Background()
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	e := newPresenceEnv(b, h, "UTC", day.Add(23*time.Hour+59*time.Minute))
	svc := e.service()
	coffee, err := svc.CreatePauseType(ctx, e.admin, e.company.ID, presence.PauseTypeInput{Name: "Coffee", DailyAllocation: dur(time.Hour)})
	if err != nil {
		b.Fatal(err)
	}
	op := e.dir.AddMember(e.company, tenancy.RoleOperator, "")
	step := 23 * time.Hour / time.Duration(n)
	ivs := make([]presence.Interval, n)
	for i := range ivs {
		iv := presence.Interval{ID: storage.NewID(), CompanyID: e.company.ID, UserID: op.UserID, Day: "2026-11-20",
			State: presence.Online, Start: day.Add(time.Duration(i) * step), End: day.Add(time.Duration(i+1) * step), Cause: presence.CauseSelf}
		if i%2 == 1 {
			iv.State, iv.PauseTypeID = presence.Away, coffee.ID
		}
		ivs[i] = iv
	}
	err = h.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := h.Presence.AppendIntervals(ctx, ivs); err != nil {
			return err
		}
		return h.Presence.PutCurrent(ctx, &presence.Current{CompanyID: e.company.ID, UserID: op.UserID, State: presence.Online,
			Since: ivs[n-1].End, Cause: presence.CauseSelf, SetBy: op.UserID, Version: 1})
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		bud, err := svc.Budget(ctx, op, e.company.ID, op.UserID, "2026-11-20")
		if err != nil {
			b.Fatal(err)
		}
		if len(bud.Lines) != 1 || bud.Lines[0].Spent != time.Duration(n/2)*step {
			b.Fatalf("unexpected budget %+v", bud.Lines)
		}
	}
}

// BenchPresenceApplyDue measures one ApplyDue call that switches n
// operators of one company whose pauses all ran out. Seeding a fresh
// company per iteration is not timed.
func BenchPresenceApplyDue(b *testing.B, h *Harness, n int) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		e := newPresenceEnv(b, h, "UTC", t0)
		svc := e.service()
		rest, err := svc.CreatePauseType(ctx, e.admin, e.company.ID, presence.PauseTypeInput{Name: "Rest"})
		if err != nil {
			b.Fatal(err)
		}
		coffee, err := svc.CreatePauseType(ctx, e.admin, e.company.ID, presence.PauseTypeInput{Name: "Coffee", DailyAllocation: dur(10 * time.Minute), FallbackID: rest.ID})
		if err != nil {
			b.Fatal(err)
		}
		due := t0.Add(10 * time.Minute)
		err = h.Tx.InTx(ctx, func(ctx context.Context) error {
			for range n {
				d := due
				if err := h.Presence.PutCurrent(ctx, &presence.Current{CompanyID: e.company.ID, UserID: storage.NewID(), State: presence.Away,
					PauseTypeID: coffee.ID, Since: t0, DueAt: &d, Cause: presence.CauseSelf, Version: 1}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		e.clock.Advance(time.Hour)
		b.StartTimer()
		got, err := svc.ApplyDue(ctx, e.company.ID, e.clock.Now())
		if err != nil {
			b.Fatal(err)
		}
		if got != n {
			b.Fatalf("applied %d of %d", got, n)
		}
	}
}

// BenchPresencePlatformApplyDue measures one ApplyPlatformDue call that
// switches n operators spread over companies (n/100 operators each, at
// least one company), the platform host's single loop.
func BenchPresencePlatformApplyDue(b *testing.B, h *Harness, n int) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	companies := max(1, n/100)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		e := newPresenceEnv(b, h, "UTC", t0)
		err := h.Tx.InTx(ctx, func(ctx context.Context) error {
			for c := range companies {
				id := storage.NewID()
				now := storage.Timestamp(t0)
				rest := &presence.PauseType{ID: storage.NewID(), CompanyID: id, Name: "Rest", Version: 1, CreatedAt: now, UpdatedAt: now}
				coffee := &presence.PauseType{ID: storage.NewID(), CompanyID: id, Name: "Coffee", DailyAllocation: dur(10 * time.Minute),
					FallbackID: rest.ID, Version: 1, CreatedAt: now, UpdatedAt: now}
				for _, p := range []*presence.PauseType{rest, coffee} {
					if err := h.Presence.CreatePauseType(ctx, p); err != nil {
						return err
					}
				}
				due := t0.Add(10 * time.Minute)
				for range n/companies + min(1, max(0, n%companies-c)) {
					d := due
					if err := h.Presence.PutCurrent(ctx, &presence.Current{CompanyID: id, UserID: storage.NewID(), State: presence.Away,
						PauseTypeID: coffee.ID, Since: t0, DueAt: &d, Cause: presence.CauseSelf, Version: 1}); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		e.clock.Advance(time.Hour)
		svc := e.service()
		b.StartTimer()
		got, err := svc.ApplyPlatformDue(ctx, e.clock.Now())
		if err != nil {
			b.Fatal(err)
		}
		if got != n {
			b.Fatalf("applied %d of %d", got, n)
		}
	}
}

// presenceBatches checks the store calls ApplyDue makes once per group of
// members (LockCurrents, UpdateCurrents, DaysIntervals, and the audit and
// outbox batch inserts) against their one-row counterparts. Its rows fall
// due long after every other test's clock, so no ApplyDue touches them.
func presenceBatches(t *testing.T, h *Harness) {
	ctx := context.Background()
	st := h.Presence
	c, other := storage.NewID(), storage.NewID()
	far := time.Date(2150, 1, 1, 9, 0, 0, 0, time.UTC)
	since := time.Date(2150, 1, 1, 8, 0, 0, 0, time.UTC)
	due := func(d time.Duration) *time.Time { x := far.Add(d); return &x }
	u1 := &presence.Current{CompanyID: c, UserID: "u1", State: presence.Away, PauseTypeID: "p", Since: since, DueAt: due(0), Cause: presence.CauseSelf, Version: 1}
	u2 := &presence.Current{CompanyID: c, UserID: "u2", State: presence.Online, Since: since, Cause: presence.CauseAdmin, SetBy: "admin", Version: 1}
	u3 := &presence.Current{CompanyID: other, UserID: "u1", State: presence.Offline, Since: since, Cause: presence.CauseSelf, Version: 1}
	require.NoError(t, h.Tx.InTx(ctx, func(ctx context.Context) error {
		for _, r := range []*presence.Current{u1, u2, u3} {
			if err := st.PutCurrent(ctx, r); err != nil {
				return err
			}
		}
		return nil
	}))
	byKey := func(cs []*presence.Current) map[presence.Member]*presence.Current {
		m := map[presence.Member]*presence.Current{}
		for _, x := range cs {
			m[presence.Member{CompanyID: x.CompanyID, UserID: x.UserID}] = x
		}
		return m
	}

	// LockCurrents returns the rows that exist, as Current does.
	require.NoError(t, h.Tx.InTx(ctx, func(ctx context.Context) error {
		got, err := st.LockCurrents(ctx, []presence.Member{{CompanyID: c, UserID: "u1"}, {CompanyID: c, UserID: "missing"},
			{CompanyID: c, UserID: "u2"}, {CompanyID: other, UserID: "u1"}, {CompanyID: other, UserID: "u2"}})
		if err != nil {
			return err
		}
		m := byKey(got)
		assert.Len(t, got, 3)
		for _, want := range []*presence.Current{u1, u2, u3} {
			one, err := st.Current(ctx, want.CompanyID, want.UserID)
			require.NoError(t, err)
			assert.Equal(t, one, m[presence.Member{CompanyID: want.CompanyID, UserID: want.UserID}])
		}
		return nil
	}))

	// UpdateCurrents writes every row one version on, and keeps the due
	// index in step.
	n1, n2 := *u1, *u2
	n1.State, n1.PauseTypeID, n1.DueAt, n1.Cause, n1.Version = presence.Away, "q", nil, presence.CauseAuto, 2
	n2.State, n2.PauseTypeID, n2.DueAt, n2.SetBy, n2.Version = presence.Away, "p", due(time.Hour), "", 2
	require.NoError(t, h.Tx.InTx(ctx, func(ctx context.Context) error { return st.UpdateCurrents(ctx, []*presence.Current{&n1, &n2}) }))
	for _, want := range []*presence.Current{&n1, &n2} {
		got, err := st.Current(ctx, c, want.UserID)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
	next, ok, err := st.NextDue(ctx, c)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, *due(time.Hour), next, "u1's due instant was cleared, u2's set")

	// A stale row (or a missing one) is storage.ErrConflict; rolled back,
	// nothing of the call stays.
	for _, stale := range []presence.Current{{CompanyID: c, UserID: "u2", State: presence.Offline, Since: far, Cause: presence.CauseSelf, Version: 2},
		{CompanyID: c, UserID: "missing", State: presence.Offline, Since: far, Cause: presence.CauseSelf, Version: 2}} {
		fresh := n1
		fresh.State, fresh.Version = presence.Offline, 3
		err := h.Tx.InTx(ctx, func(ctx context.Context) error {
			return st.UpdateCurrents(ctx, []*presence.Current{&fresh, &stale})
		})
		require.ErrorIs(t, err, storage.ErrConflict)
		got, err := st.Current(ctx, c, "u1")
		require.NoError(t, err)
		assert.Equal(t, &n1, got)
	}

	// DaysIntervals is DayIntervals for several days at once.
	iv := func(user, day string, from, to time.Duration) presence.Interval {
		return presence.Interval{ID: storage.NewID(), CompanyID: c, UserID: user, Day: day, State: presence.Away, PauseTypeID: "p",
			Start: since.Add(from), End: since.Add(to), Cause: presence.CauseSelf}
	}
	const d1, d2 = "2150-01-01", "2150-01-02"
	require.NoError(t, h.Tx.InTx(ctx, func(ctx context.Context) error {
		return st.AppendIntervals(ctx, []presence.Interval{iv("u1", d1, 20*time.Minute, 30*time.Minute), iv("u1", d1, 0, 10*time.Minute),
			iv("u1", d2, 24*time.Hour, 25*time.Hour), iv("u2", d1, 0, 5*time.Minute)})
	}))
	days := []presence.MemberDay{{CompanyID: c, UserID: "u1", Day: d1}, {CompanyID: c, UserID: "u2", Day: d1},
		{CompanyID: c, UserID: "u3", Day: d1}, {CompanyID: c, UserID: "u1", Day: d1}, {CompanyID: other, UserID: "u1", Day: d1}}
	got, err := st.DaysIntervals(ctx, days)
	require.NoError(t, err)
	assert.Len(t, got, 2, "days without intervals have no entry")
	for _, k := range days {
		one, err := st.DayIntervals(ctx, k.CompanyID, k.UserID, k.Day)
		require.NoError(t, err)
		if len(one) == 0 {
			assert.Empty(t, got[k])
			continue
		}
		assert.Equal(t, one, got[k], "%s/%s: the day's intervals by start", k.UserID, k.Day)
	}
	assert.Len(t, got[presence.MemberDay{CompanyID: c, UserID: "u1", Day: d1}], 2)

	// The audit events and outbox messages of a group go in one call each,
	// and read back as the single inserts do; a duplicate fails the call.
	if h.Audit != nil && h.Outbox != nil {
		at := storage.Timestamp(far)
		evs := []*audit.Event{
			{ID: storage.NewID(), CompanyID: c, OccurredAt: at, Actor: tenancy.System(c).Audit(), Action: "presence.status.auto_switch", EntityType: "presence_status", EntityID: "u1"},
			{ID: storage.NewID(), CompanyID: other, OccurredAt: at, Actor: tenancy.System(other).Audit(), Action: "presence.status.auto_switch", EntityType: "presence_status", EntityID: "u1"},
		}
		var msgs []storage.Message
		for _, e := range evs {
			m, err := storage.NewMessage("test", at, e.CompanyID, storage.TopicPauseSwitch, presence.Switch{CompanyID: e.CompanyID, UserID: "u1", At: at})
			require.NoError(t, err)
			msgs = append(msgs, m)
		}
		require.NoError(t, h.Tx.InTx(ctx, func(ctx context.Context) error {
			if err := h.Audit.InsertAll(ctx, evs); err != nil {
				return err
			}
			return h.Outbox.EnqueueMessages(ctx, msgs)
		}))
		for i, e := range evs {
			ev, err := h.Audit.Get(ctx, e.ID)
			require.NoError(t, err)
			assert.Equal(t, e.CompanyID, ev.CompanyID)
			assert.Zero(t, ev.Seq, "unsealed")
			m, err := h.Outbox.GetMessage(ctx, msgs[i].ID)
			require.NoError(t, err)
			assert.Equal(t, storage.MessagePending, m.State)
			assert.JSONEq(t, string(msgs[i].Payload), string(m.Payload))
		}
		err := h.Tx.InTx(ctx, func(ctx context.Context) error {
			return h.Audit.InsertAll(ctx, []*audit.Event{{ID: storage.NewID(), CompanyID: c, OccurredAt: at, Actor: evs[0].Actor,
				Action: "x", EntityType: "y"}, evs[0]})
		})
		require.ErrorIs(t, err, storage.ErrConflict)
		err = h.Tx.InTx(ctx, func(ctx context.Context) error { return h.Outbox.EnqueueMessages(ctx, msgs[:1]) })
		require.ErrorIs(t, err, storage.ErrConflict)
		require.ErrorIs(t, h.Outbox.EnqueueMessages(ctx, msgs[1:]), storage.ErrInvalid, "outside a transaction")
	}
}
