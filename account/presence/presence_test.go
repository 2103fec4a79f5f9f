package presence_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/account/presence"
	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// step moves the clock by wait, then sets the operator's status (the pause
// type by name; "" for online/offline).
type step struct {
	wait  time.Duration
	state presence.State
	pause string
}

type wantLine struct {
	day                   string
	pause                 string
	spent, left, exceeded time.Duration
	disabled              bool
}

func TestBudget(t *testing.T) {
	t.Parallel()
	m := time.Minute
	tests := []struct {
		name  string
		zone  string
		start string // local time in zone
		steps []step
		end   time.Duration // clock moves this much after the last step
		want  []wantLine
	}{
		{
			name: "allocation used across several pauses in a day", zone: "Europe/Moscow", start: "2026-11-20 09:00",
			steps: []step{
				{0, presence.Online, ""}, {30 * m, presence.Away, "coffee"}, {5 * m, presence.Online, ""},
				{60 * m, presence.Away, "coffee"}, {4 * m, presence.Away, "lunch"}, // reason change mid-pause
				{20 * m, presence.Away, "coffee"}, {3 * m, presence.Online, ""},
			},
			want: []wantLine{
				{day: "2026-11-20", pause: "coffee", spent: 12 * m, left: 3 * m},
				{day: "2026-11-20", pause: "lunch", spent: 20 * m},
			},
		},
		{
			name: "the running pause counts up to now", zone: "Europe/Moscow", start: "2026-11-20 09:00",
			steps: []step{{0, presence.Away, "coffee"}, {9 * m, presence.Online, ""}, {m, presence.Away, "coffee"}},
			end:   4 * m,
			want:  []wantLine{{day: "2026-11-20", pause: "coffee", spent: 13 * m, left: 2 * m}},
		},
		{
			name: "exceeded without a fallback disables the type", zone: "UTC", start: "2026-11-20 09:00",
			steps: []step{{0, presence.Away, "coffee"}, {20 * m, presence.Online, ""}},
			want:  []wantLine{{day: "2026-11-20", pause: "coffee", spent: 20 * m, exceeded: 5 * m, disabled: true}},
		},
		{
			name: "exactly used up is disabled", zone: "UTC", start: "2026-11-20 09:00",
			steps: []step{{0, presence.Away, "coffee"}, {15 * m, presence.Online, ""}},
			want:  []wantLine{{day: "2026-11-20", pause: "coffee", spent: 15 * m, disabled: true}},
		},
		{
			name: "pause over midnight counted on both days", zone: "Asia/Yekaterinburg", start: "2026-11-20 23:50",
			steps: []step{{0, presence.Away, "coffee"}, {30 * m, presence.Online, ""}},
			want: []wantLine{
				{day: "2026-11-20", pause: "coffee", spent: 10 * m, left: 5 * m},
				{day: "2026-11-21", pause: "coffee", spent: 20 * m, exceeded: 5 * m, disabled: true},
			},
		},
		{
			name: "spring-forward day is 23 hours", zone: "Europe/Berlin", start: "2026-03-29 00:00",
			steps: []step{{0, presence.Away, "lunch"}, {23 * time.Hour, presence.Online, ""}},
			want: []wantLine{
				{day: "2026-03-29", pause: "lunch", spent: 23 * time.Hour},
				{day: "2026-03-30", pause: "lunch", spent: 0},
			},
		},
		{
			name: "fall-back day is 25 hours", zone: "Europe/Berlin", start: "2026-10-25 00:00",
			steps: []step{{0, presence.Away, "lunch"}, {26 * time.Hour, presence.Online, ""}},
			want: []wantLine{
				{day: "2026-10-25", pause: "lunch", spent: 25 * time.Hour},
				{day: "2026-10-26", pause: "lunch", spent: time.Hour},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			loc := mustLoc(t, tt.zone)
			start, err := time.ParseInLocation("2006-01-02 15:04", tt.start, loc)
			require.NoError(t, err)
			e := newEnv(t, tt.zone, start)
			ids := map[string]string{
				"coffee": e.pauseType("Coffee", true, minutes(15), "").ID,
				"lunch":  e.pauseType("Lunch", false, nil, "").ID,
			}
			for _, s := range tt.steps {
				e.clock.Advance(s.wait)
				e.set(s.state, ids[s.pause])
			}
			e.clock.Advance(tt.end)
			for _, w := range tt.want {
				got := e.budgetLine(w.day, ids[w.pause])
				assert.Equal(t, w.spent, got.Spent, "%s %s spent", w.day, w.pause)
				if got.Allocation != nil {
					assert.Equal(t, w.left, got.Left, "%s %s left", w.day, w.pause)
					assert.Equal(t, w.exceeded, got.Exceeded, "%s %s exceeded", w.day, w.pause)
				}
				assert.Equal(t, w.disabled, got.Disabled, "%s %s disabled", w.day, w.pause)
			}
			assertContiguous(t, e.ledger(), e.status())
		})
	}
}

// assertContiguous checks that the ledger plus the running status cover
// time without gap or overlap, and that no interval crosses a local day.
func assertContiguous(t *testing.T, ivs []presence.Interval, cur *presence.Current) {
	t.Helper()
	for i := 1; i < len(ivs); i++ {
		require.True(t, ivs[i-1].End.Equal(ivs[i].Start), "gap or overlap between %v and %v", ivs[i-1], ivs[i])
	}
	for _, iv := range ivs {
		require.True(t, iv.End.After(iv.Start), "empty interval %v", iv)
	}
	if len(ivs) > 0 {
		require.True(t, ivs[len(ivs)-1].End.Equal(cur.Since), "running status starts at %v, ledger ends at %v", cur.Since, ivs[len(ivs)-1].End)
	}
}

func TestExhaustedPauseRefusedForOperatorAllowedForAdmin(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "Europe/Moscow", time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC))
	coffee := e.pauseType("Coffee", true, minutes(10), "")
	e.set(presence.Away, coffee.ID)
	e.clock.Advance(12 * time.Minute)
	e.set(presence.Online, "")
	assert.True(t, e.budgetLine("", coffee.ID).Disabled)

	cur := e.status()
	_, err := e.svc.SetStatus(ctx, e.op, e.company.ID, e.op.UserID, presence.Change{State: presence.Away, PauseTypeID: coffee.ID, Version: cur.Version})
	require.ErrorIs(t, err, storage.ErrLimitExceeded)
	assert.Equal(t, cur, e.status(), "a refused change leaves nothing behind")

	// A manager is not an administrator either.
	mgr := e.dir.AddMember(e.company, tenancy.RoleManager, "sub-1")
	_, err = e.svc.SetStatus(ctx, mgr, e.company.ID, e.op.UserID, presence.Change{State: presence.Away, PauseTypeID: coffee.ID, Version: cur.Version})
	require.ErrorIs(t, err, storage.ErrForbidden)

	got, err := e.svc.SetStatus(ctx, e.admin, e.company.ID, e.op.UserID, presence.Change{State: presence.Away, PauseTypeID: coffee.ID, Version: cur.Version})
	require.NoError(t, err)
	assert.Equal(t, presence.CauseOverride, got.Cause)
	assert.Equal(t, e.admin.UserID, got.SetBy)
	assert.Nil(t, got.DueAt, "an override is not switched back automatically the same day")

	page, err := e.log.Query(ctx, audit.Scope{All: true}, audit.Filter{CompanyID: e.company.ID, Action: "presence.status.override"}, storage.PageRequest{})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	assert.Equal(t, e.admin.UserID, page.Items[0].Actor.UserID)
	assert.Equal(t, e.op.UserID, page.Items[0].EntityID)

	e.clock.Advance(30 * time.Minute)
	l := e.budgetLine("", coffee.ID)
	assert.Equal(t, 42*time.Minute, l.Spent)
	assert.Equal(t, 32*time.Minute, l.Exceeded)
}

func TestAutomaticSwitchAtTheExactInstantEvenWhenAppliedLate(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	e := newEnv(t, "Europe/Moscow", t0)
	rest := e.pauseType("Rest", false, nil, "")
	coffee := e.pauseType("Coffee", true, minutes(15), rest.ID)

	e.set(presence.Away, coffee.ID) // 5 minutes used earlier in the day
	e.clock.Advance(5 * time.Minute)
	e.set(presence.Online, "")
	e.clock.Advance(time.Hour)
	pauseStart := e.clock.Now()
	cur := e.set(presence.Away, coffee.ID)
	due := pauseStart.Add(10 * time.Minute)
	require.NotNil(t, cur.DueAt)
	assert.Equal(t, due, *cur.DueAt)

	next, ok, err := e.svc.NextTransition(ctx, e.company.ID)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, due, next)

	n, err := e.svc.ApplyDue(ctx, e.company.ID, e.clock.Now())
	require.NoError(t, err)
	assert.Zero(t, n, "nothing is due yet")

	e.clock.Advance(47 * time.Minute) // the host's job runs 37 minutes late
	// Reading before anybody applied it already shows the switch.
	view := e.status()
	assert.Equal(t, rest.ID, view.PauseTypeID)
	assert.Equal(t, due, view.Since)

	n, err = e.svc.ApplyDue(ctx, e.company.ID, e.clock.Now())
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	n, err = e.svc.ApplyDue(ctx, e.company.ID, e.clock.Now())
	require.NoError(t, err)
	assert.Zero(t, n, "idempotent")

	cur = e.status()
	assert.Equal(t, presence.Away, cur.State)
	assert.Equal(t, rest.ID, cur.PauseTypeID)
	assert.Equal(t, due, cur.Since, "the switch is recorded at the due instant, not at apply time")
	assert.Equal(t, presence.CauseAuto, cur.Cause)
	ivs := e.ledger()
	last := ivs[len(ivs)-1]
	assert.Equal(t, coffee.ID, last.PauseTypeID)
	assert.Equal(t, pauseStart, last.Start)
	assert.Equal(t, due, last.End)
	assertContiguous(t, ivs, cur)

	sw := e.notes.switches()
	require.Len(t, sw, 1)
	assert.Equal(t, presence.Switch{CompanyID: e.company.ID, UserID: e.op.UserID, From: coffee.ID, To: rest.ID, At: due, AppliedAt: e.clock.Now()}, sw[0])
	l := e.budgetLine("", coffee.ID)
	assert.Equal(t, 15*time.Minute, l.Spent)
	assert.True(t, l.Disabled)
	assert.Zero(t, l.Exceeded)
	_, ok, err = e.svc.NextTransition(ctx, e.company.ID)
	require.NoError(t, err)
	assert.False(t, ok)
}

func TestStatusChangeAppliesTheDueSwitchFirst(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	e := newEnv(t, "UTC", t0)
	rest := e.pauseType("Rest", false, nil, "")
	coffee := e.pauseType("Coffee", true, minutes(15), rest.ID)
	e.set(presence.Away, coffee.ID)
	e.clock.Advance(time.Hour)
	e.set(presence.Online, "") // nobody ran ApplyDue
	ivs := e.ledger()
	require.Len(t, ivs, 2)
	assert.Equal(t, []time.Time{t0, t0.Add(15 * time.Minute)}, []time.Time{ivs[0].Start, ivs[1].Start})
	assert.Equal(t, rest.ID, ivs[1].PauseTypeID)
	assert.Len(t, e.notes.switches(), 1)
	n, err := e.svc.ApplyDue(ctx, e.company.ID, e.clock.Now())
	require.NoError(t, err)
	assert.Zero(t, n)
	assert.Len(t, e.notes.switches(), 1)
}

func TestFallbackChainOfLengthTwo(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		usedB     time.Duration // B already used that day
		wantLedge []string      // pause type names in the ledger after the first Online
		wantEnds  []time.Duration
	}{
		{name: "each link runs out in turn", wantLedge: []string{"A", "B"}, wantEnds: []time.Duration{10 * time.Minute, 15 * time.Minute}},
		{name: "an exhausted link is skipped at the same instant", usedB: 5 * time.Minute, wantLedge: []string{"A"}, wantEnds: []time.Duration{10 * time.Minute}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, "UTC", t0)
			c := e.pauseType("C", false, nil, "")
			b := e.pauseType("B", false, minutes(5), c.ID)
			a := e.pauseType("A", true, minutes(10), b.ID)
			names := map[string]string{a.ID: "A", b.ID: "B", c.ID: "C"}
			if tt.usedB > 0 {
				e.set(presence.Away, b.ID)
				e.clock.Advance(tt.usedB) // runs out: switches to C at once
				e.set(presence.Online, "")
			}
			e.set(presence.Online, "")
			start := e.clock.Now()
			before := len(e.notes.switches())
			e.set(presence.Away, a.ID)
			e.clock.Advance(3 * time.Hour)
			n, err := e.svc.ApplyDue(ctx, e.company.ID, e.clock.Now())
			require.NoError(t, err)
			assert.Equal(t, len(tt.wantLedge), n)
			var gotNames []string
			var gotEnds []time.Duration
			for _, iv := range e.ledger() {
				if iv.Start.Before(start) || iv.State != presence.Away {
					continue
				}
				gotNames = append(gotNames, names[iv.PauseTypeID])
				gotEnds = append(gotEnds, iv.End.Sub(start))
			}
			assert.Equal(t, tt.wantLedge, gotNames)
			assert.Equal(t, tt.wantEnds, gotEnds)
			cur := e.status()
			assert.Equal(t, c.ID, cur.PauseTypeID)
			assert.Equal(t, start.Add(tt.wantEnds[len(tt.wantEnds)-1]), cur.Since)
			assert.Len(t, e.notes.switches(), before+len(tt.wantLedge))
			assertContiguous(t, e.ledger(), cur)
		})
	}
}

func TestSwitchDueAfterMidnightUsesTheNewDaysAllocation(t *testing.T) {
	t.Parallel()
	loc := mustLoc(t, "Europe/Moscow")
	t0 := time.Date(2026, 11, 20, 23, 50, 0, 0, loc)
	e := newEnv(t, "Europe/Moscow", t0)
	rest := e.pauseType("Rest", false, nil, "")
	coffee := e.pauseType("Coffee", true, minutes(15), rest.ID)
	cur := e.set(presence.Away, coffee.ID)
	// 10 minutes before midnight use 10 of 15; the new day brings 15 fresh minutes.
	require.NotNil(t, cur.DueAt)
	assert.Equal(t, time.Date(2026, 11, 21, 0, 15, 0, 0, loc).UTC(), cur.DueAt.UTC())
}

func TestVersionConflict(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "UTC", time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC))
	lunch := e.pauseType("Lunch", false, nil, "")
	v := e.set(presence.Online, "").Version
	e.clock.Advance(time.Minute)
	_, err := e.svc.SetStatus(ctx, e.op, e.company.ID, e.op.UserID, presence.Change{State: presence.Away, PauseTypeID: lunch.ID, Version: v})
	require.NoError(t, err)
	_, err = e.svc.SetStatus(ctx, e.op, e.company.ID, e.op.UserID, presence.Change{State: presence.Offline, Version: v})
	require.ErrorIs(t, err, storage.ErrConflict)
	assert.Equal(t, presence.Away, e.status().State)
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "UTC", time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC))
	other := newEnv(t, "UTC", e.clock.Now())
	foreign := other.pauseType("Foreign", false, nil, "")
	a := e.pauseType("A", false, minutes(10), "")
	b := e.pauseType("B", false, minutes(10), a.ID)
	neg := -time.Minute
	long := 25 * time.Hour

	fieldErr := func(t *testing.T, err error, field string) {
		t.Helper()
		require.ErrorIs(t, err, storage.ErrInvalid)
		var ve *storage.ValidationError
		require.ErrorAs(t, err, &ve)
		_, ok := ve.Field(field)
		assert.True(t, ok, "field %s in %v", field, err)
	}
	create := func(in presence.PauseTypeInput) error {
		_, err := e.svc.CreatePauseType(ctx, e.admin, e.company.ID, in)
		return err
	}
	fieldErr(t, create(presence.PauseTypeInput{Name: "X", FallbackID: foreign.ID}), "fallback_id")
	fieldErr(t, create(presence.PauseTypeInput{Name: "X", FallbackID: "nope"}), "fallback_id")
	fieldErr(t, create(presence.PauseTypeInput{Name: "X", DailyAllocation: &neg}), "daily_allocation")
	fieldErr(t, create(presence.PauseTypeInput{Name: "X", DailyAllocation: new(time.Duration)}), "daily_allocation")
	fieldErr(t, create(presence.PauseTypeInput{Name: "X", DailyAllocation: &long}), "daily_allocation")
	fieldErr(t, create(presence.PauseTypeInput{Name: "  "}), "name")
	require.ErrorIs(t, create(presence.PauseTypeInput{Name: "a"}), storage.ErrConflict, "names are unique per company, case-insensitively")
	_, err := e.svc.CreatePauseType(ctx, e.op, e.company.ID, presence.PauseTypeInput{Name: "Mine"})
	require.ErrorIs(t, err, storage.ErrForbidden, "only administrators define pause types")
	_, err = e.svc.CreatePauseType(ctx, other.admin, e.company.ID, presence.PauseTypeInput{Name: "Theirs"})
	require.ErrorIs(t, err, storage.ErrForbidden)

	// A → (none); B → A. Making A fall back to B closes a cycle; so does A → A.
	_, err = e.svc.UpdatePauseType(ctx, e.admin, e.company.ID, a.ID, a.Version, presence.PauseTypeInput{Name: "A", FallbackID: b.ID})
	fieldErr(t, err, "fallback_id")
	_, err = e.svc.UpdatePauseType(ctx, e.admin, e.company.ID, a.ID, a.Version, presence.PauseTypeInput{Name: "A", FallbackID: a.ID})
	fieldErr(t, err, "fallback_id")
	_, err = e.svc.UpdatePauseType(ctx, e.admin, e.company.ID, a.ID, a.Version+1, presence.PauseTypeInput{Name: "A"})
	require.ErrorIs(t, err, storage.ErrConflict)
	_, err = e.svc.ArchivePauseType(ctx, e.admin, e.company.ID, a.ID, a.Version)
	require.ErrorIs(t, err, storage.ErrConflict, "A is B's fallback")

	set := func(by tenancy.Actor, userID string, ch presence.Change) error {
		_, err := e.svc.SetStatus(ctx, by, e.company.ID, userID, ch)
		return err
	}
	fieldErr(t, set(e.op, e.op.UserID, presence.Change{State: presence.Away, PauseTypeID: "nope"}), "pause_type_id")
	fieldErr(t, set(e.op, e.op.UserID, presence.Change{State: presence.Away, PauseTypeID: foreign.ID}), "pause_type_id")
	fieldErr(t, set(e.op, e.op.UserID, presence.Change{State: presence.Away}), "pause_type_id")
	fieldErr(t, set(e.op, e.op.UserID, presence.Change{State: presence.Online, PauseTypeID: a.ID}), "pause_type_id")
	fieldErr(t, set(e.op, e.op.UserID, presence.Change{State: "busy"}), "state")
	// Not a member of this company (a member of another one).
	require.ErrorIs(t, set(e.admin, other.op.UserID, presence.Change{State: presence.Online}), storage.ErrNotFound)
	// A member whose role has no presence.
	ra := e.dir.AddMember(e.company, tenancy.RoleResellerAdmin, "")
	fieldErr(t, set(e.admin, ra.UserID, presence.Change{State: presence.Online}), "user_id")
	// Somebody else's status.
	op2 := e.dir.AddMember(e.company, tenancy.RoleOperator, "sub-1")
	require.ErrorIs(t, set(e.op, op2.UserID, presence.Change{State: presence.Online}), storage.ErrForbidden)
	require.ErrorIs(t, set(other.admin, e.op.UserID, presence.Change{State: presence.Online}), storage.ErrForbidden)

	// A suspended company's statuses are frozen.
	susp := e.dir.AddCompany(tenancy.CompanyRef{Status: tenancy.StatusSuspended})
	sop := e.dir.AddMember(susp, tenancy.RoleOperator, "")
	_, err = e.svc.SetStatus(ctx, sop, susp.ID, sop.UserID, presence.Change{State: presence.Online})
	require.ErrorIs(t, err, storage.ErrSuspended)

	// None of that left anything behind.
	assert.Equal(t, int64(0), e.status().Version)
	types, err := e.svc.PauseTypes(ctx, e.op, e.company.ID, true)
	require.NoError(t, err)
	assert.Len(t, types, 2)
}

func TestArchive(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "UTC", time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC))
	old := e.pauseType("Smoke", false, nil, "")
	e.set(presence.Away, old.ID)
	e.clock.Advance(time.Minute)
	e.set(presence.Online, "")
	arch, err := e.svc.ArchivePauseType(ctx, e.admin, e.company.ID, old.ID, old.Version)
	require.NoError(t, err)
	assert.True(t, arch.Archived)
	_, err = e.svc.SetStatus(ctx, e.op, e.company.ID, e.op.UserID, presence.Change{State: presence.Away, PauseTypeID: old.ID, Version: e.status().Version})
	require.ErrorIs(t, err, storage.ErrInvalid)
	active, err := e.svc.PauseTypes(ctx, e.op, e.company.ID, false)
	require.NoError(t, err)
	assert.Empty(t, active)
	// The history keeps it, and its name is free again.
	assert.Equal(t, time.Minute, e.budgetLine("", old.ID).Spent)
	e.pauseType("Smoke", true, nil, "")
}

func TestReport(t *testing.T) {
	t.Parallel()
	loc := mustLoc(t, "Europe/Moscow")
	e := newEnv(t, "Europe/Moscow", time.Date(2026, 11, 20, 23, 0, 0, 0, loc))
	coffee := e.pauseType("Coffee", true, minutes(15), "")
	lunch := e.pauseType("Lunch", false, nil, "")
	e.set(presence.Online, "")
	e.clock.Advance(30 * time.Minute)
	e.set(presence.Away, coffee.ID) // 23:30 → 00:10: 30 min on the 20th, 10 on the 21st
	e.clock.Advance(40 * time.Minute)
	e.set(presence.Away, lunch.ID)
	e.clock.Advance(20 * time.Minute)
	e.set(presence.Offline, "")
	e.clock.Advance(30 * time.Minute) // now 01:00 on the 21st

	rep, err := e.svc.Report(ctx, e.admin, presence.ReportRequest{CompanyID: e.company.ID, From: "2026-11-20", To: "2026-11-21"})
	require.NoError(t, err)
	require.Len(t, rep.Rows, 2)
	d1, d2 := rep.Rows[0], rep.Rows[1]
	assert.Equal(t, "2026-11-20", d1.Day)
	assert.Equal(t, 30*time.Minute, d1.Online)
	assert.Equal(t, 30*time.Minute, d1.Away)
	assert.Equal(t, 30*time.Minute, d1.Paid)
	assert.Equal(t, 15*time.Minute, d1.OverAllocation)
	assert.Equal(t, "2026-11-21", d2.Day)
	assert.Equal(t, 30*time.Minute, d2.Away)
	assert.Equal(t, 10*time.Minute, d2.Paid)
	assert.Equal(t, 20*time.Minute, d2.Unpaid)
	assert.Equal(t, 30*time.Minute, d2.Offline, "the running status counts up to now")
	assert.Zero(t, d2.OverAllocation)
	require.Len(t, d2.Pauses, 2)
	assert.Equal(t, "Coffee", d2.Pauses[0].Name)

	// The same range seen from another zone moves the day boundary.
	rep, err = e.svc.Report(ctx, e.admin, presence.ReportRequest{CompanyID: e.company.ID, From: "2026-11-20", To: "2026-11-20", Location: time.UTC})
	require.NoError(t, err)
	require.Len(t, rep.Rows, 1)
	assert.Equal(t, 2*time.Hour, rep.Rows[0].Online+rep.Rows[0].Away+rep.Rows[0].Offline)

	// Operators read only their own.
	_, err = e.svc.Report(ctx, e.op, presence.ReportRequest{CompanyID: e.company.ID, From: "2026-11-20", To: "2026-11-21"})
	require.ErrorIs(t, err, storage.ErrForbidden)
	own, err := e.svc.Report(ctx, e.op, presence.ReportRequest{CompanyID: e.company.ID, UserID: e.op.UserID, From: "2026-11-20", To: "2026-11-21"})
	require.NoError(t, err)
	assert.Len(t, own.Rows, 2)
	_, err = e.svc.Report(ctx, e.admin, presence.ReportRequest{CompanyID: e.company.ID, From: "2026-11-21", To: "2026-11-20"})
	require.ErrorIs(t, err, storage.ErrInvalid)
	_, err = e.svc.Report(ctx, e.admin, presence.ReportRequest{CompanyID: e.company.ID, From: "2025-11-19", To: "2026-11-20"})
	require.ErrorIs(t, err, storage.ErrInvalid, "367 days")
	_, err = e.svc.Report(ctx, e.admin, presence.ReportRequest{CompanyID: e.company.ID, From: "2025-11-20", To: "2026-11-20"})
	require.NoError(t, err, "366 days")
	_, err = e.svc.Report(ctx, e.admin, presence.ReportRequest{CompanyID: e.company.ID, From: "20.11.2026", To: "2026-11-20"})
	require.ErrorIs(t, err, storage.ErrInvalid)
}

func TestOverrideIsDisarmedUntilMidnight(t *testing.T) {
	t.Parallel()
	loc := mustLoc(t, "Europe/Moscow")
	e := newEnv(t, "Europe/Moscow", time.Date(2026, 11, 20, 22, 0, 0, 0, loc))
	rest := e.pauseType("Rest", false, nil, "")
	coffee := e.pauseType("Coffee", true, minutes(15), rest.ID)
	cur := e.set(presence.Away, coffee.ID)
	require.Equal(t, time.Date(2026, 11, 20, 22, 15, 0, 0, loc).UTC(), cur.DueAt.UTC())
	e.clock.Advance(30 * time.Minute)
	cur = e.status() // switched to Rest at 22:15
	require.Equal(t, rest.ID, cur.PauseTypeID)

	got, err := e.svc.SetStatus(ctx, e.admin, e.company.ID, e.op.UserID, presence.Change{State: presence.Away, PauseTypeID: coffee.ID, Version: cur.Version})
	require.NoError(t, err)
	assert.Equal(t, presence.CauseOverride, got.Cause)
	// Used up today: no switch today; the fresh allocation from midnight
	// re-arms it, so it switches 15 minutes after midnight.
	require.NotNil(t, got.DueAt)
	assert.Equal(t, time.Date(2026, 11, 21, 0, 15, 0, 0, loc).UTC(), got.DueAt.UTC())
	e.clock.Set(time.Date(2026, 11, 21, 1, 0, 0, 0, loc))
	n, err := e.svc.ApplyDue(ctx, e.company.ID, e.clock.Now())
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Equal(t, 15*time.Minute, e.budgetLine("2026-11-21", coffee.ID).Spent)
	assert.Equal(t, 15*time.Minute+90*time.Minute, e.budgetLine("2026-11-20", coffee.ID).Spent)
}

// failingTypes is a presence.Store whose PauseTypes fails with err.
type failingTypes struct {
	presence.Store
	err error
}

func (f failingTypes) PauseTypes(context.Context, string) ([]*presence.PauseType, error) {
	return nil, f.err
}

// A store failure while checking the fallback is that failure (so InTx can
// retry a transient one and hosts see an unavailable backend), not a
// validation error on fallback_id.
func TestFallbackCheckKeepsStoreErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "UTC", time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC))
	a := e.pauseType("A", false, nil, "")
	for _, kind := range []error{storage.ErrUnavailable, storage.ErrRetryable} {
		st := failingTypes{Store: e.st.Presence(), err: storage.E("test", kind, "backend down")}
		svc := presence.NewService(e.st, st, e.dir, presence.FixedLocation(e.loc), e.log, e.st.Outbox(), presence.WithClock(e.clock))
		_, err := svc.CreatePauseType(ctx, e.admin, e.company.ID, presence.PauseTypeInput{Name: "B", FallbackID: a.ID})
		require.ErrorIs(t, err, kind)
		require.NotErrorIs(t, err, storage.ErrInvalid)
		_, err = svc.UpdatePauseType(ctx, e.admin, e.company.ID, a.ID, a.Version, presence.PauseTypeInput{Name: "A", FallbackID: "x"})
		require.ErrorIs(t, err, kind)
		require.NotErrorIs(t, err, storage.ErrInvalid)
	}
}
