package storagetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/charmap"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/compliance/calllist"
	"github.com/switchboardkit/switchboard/storage"
)

// runDialer proves the campaign-scale dialer APIs on the backend: batch
// checks decide as single checks do, and imported history counts like
// reserved calls.
func runDialer(t *testing.T, h *Harness) {
	if h.Compliance == nil {
		t.Skip("backend has no compliance store")
	}
	t.Run("batch check agrees with single checks", func(t *testing.T) { t.Parallel(); dialerBatchEqualsSingle(t, h) })
	t.Run("history import is counted, idempotent and audited", func(t *testing.T) { t.Parallel(); dialerImportHistory(t, h) })
	t.Run("history import rejects bad calls and stores nothing", func(t *testing.T) { t.Parallel(); dialerImportInvalid(t, h) })
	t.Run("a call list read from a file drives reservations", func(t *testing.T) { t.Parallel(); dialerCallList(t, h) })
}

// dialerCallList reads a Windows-1251 call list with a caps column, two
// candidate zones and a bad row, and reserves its records: the record with
// its caps switched off passes the daily cap the others meet.
func dialerCallList(t *testing.T, h *Harness) {
	ctx := context.Background()
	e := newComplianceEnv(t, h, allDay(1, 5))
	src := "телефон;ключ;часовой пояс;лимиты\n" +
		"+74951234567;д-1;Europe/Moscow|Asia/Vladivostok;да\n" +
		"нет;д-2;;да\n" +
		"+74951234568;д-3;;нет\n"
	cp, err := charmap.Windows1251.NewEncoder().String(src)
	require.NoError(t, err)
	rd, err := calllist.NewReader(strings.NewReader(cp), calllist.Options{})
	require.NoError(t, err)
	var calls []compliance.Call
	var bad []int
	for rec, err := range rd.All() {
		var re *calllist.RowError
		if errors.As(err, &re) {
			bad = append(bad, re.Line)
			continue
		}
		require.NoError(t, err)
		calls = append(calls, rec.Call(e.company.ID))
	}
	require.Equal(t, []int{3}, bad)
	require.Len(t, calls, 2)
	assert.Equal(t, "д-1", calls[0].Key)
	assert.Equal(t, []string{"Europe/Moscow", "Asia/Vladivostok"}, calls[0].Zones)
	for round := range 2 {
		for i, c := range calls {
			r, d, err := e.svc.Reserve(ctx, e.dialer, c)
			require.NoError(t, err)
			if round == 1 && i == 0 {
				assert.False(t, d.Allowed, "the second answered call of the day meets the cap")
				continue
			}
			require.True(t, d.Allowed, "round %d call %d: %s", round, i, d.Reasons)
			if i == 0 {
				assert.Equal(t, []string{"Europe/Moscow", "Asia/Vladivostok"}, d.Zones, "both candidate zones decided")
			}
			_, err = e.svc.Complete(ctx, e.dialer, r.ID, compliance.OutcomeAnsweredHuman)
			require.NoError(t, err)
		}
	}
}

var outcomesForTests = []compliance.Outcome{compliance.OutcomeAnsweredHuman, compliance.OutcomeAnsweringMachine,
	compliance.OutcomeNoAnswer, compliance.OutcomeBusy, compliance.OutcomeFailed, compliance.OutcomeMessageSent}

// dialerBatchEqualsSingle builds random histories (imported past calls and
// live reservations, some still in flight) for 60 subjects and compares
// CheckBatch, CheckSeq and Schedule with Check and CheckAt, record by record,
// at several instants.
func dialerBatchEqualsSingle(t *testing.T, h *Harness) {
	ctx := context.Background()
	e := newComplianceEnv(t, h, compliance.FZ230Calls())
	rng := rand.New(rand.NewPCG(7, 230))
	now := e.clock.Now()
	var past []compliance.PastCall
	var calls []compliance.Call
	zones := []string{"Europe/Moscow", "Asia/Vladivostok", "Europe/Kaliningrad", "Asia/Yekaterinburg"}
	for i := range 60 {
		phone := fmt.Sprintf("+7495%07d", 1000+i)
		c := compliance.Call{CompanyID: e.company.ID, Phone: phone}
		switch i % 4 {
		case 0:
			c.Zone = zones[rng.IntN(len(zones))]
		case 1:
			c.Zones = []string{zones[rng.IntN(len(zones))], zones[rng.IntN(len(zones))]}
		case 2:
			c.Key = fmt.Sprintf("debt-%d", i/2) // two numbers share a debt
		}
		calls = append(calls, c)
		for range rng.IntN(6) {
			past = append(past, compliance.PastCall{Phone: phone, Key: c.Key,
				At: now.Add(-time.Duration(rng.IntN(40*24*60)) * time.Minute), Outcome: outcomesForTests[rng.IntN(len(outcomesForTests))]})
		}
	}
	calls = append(calls, compliance.Call{CompanyID: e.company.ID, Phone: "not a number"})
	_, err := e.svc.ImportHistory(ctx, e.admin, e.company.ID, "migration-1", past)
	require.NoError(t, err)
	// Some live reservations: in flight, and expired.
	open := compliance.Policy{Name: "open", Windows: allDay(100, 0).Windows, MaxInFlight: 100}
	_, err = e.svc.SetSettings(ctx, e.admin, e.company.ID, true, open)
	require.NoError(t, err)
	for i := 0; i < 60; i += 7 {
		_, d, err := e.svc.Reserve(ctx, e.dialer, calls[i])
		require.NoError(t, err)
		require.True(t, d.Allowed)
	}
	_, err = e.svc.SetSettings(ctx, e.admin, e.company.ID, true, compliance.FZ230Calls())
	require.NoError(t, err)

	for _, at := range []time.Time{{}, now.Add(3 * time.Minute), now.Add(11 * time.Hour), now.Add(50 * time.Hour)} {
		batch, err := e.svc.CheckBatch(ctx, e.dialer, calls, at)
		require.NoError(t, err)
		require.Len(t, batch, len(calls))
		for i, c := range calls {
			var single compliance.Decision
			var err error
			if at.IsZero() {
				single, err = e.svc.Check(ctx, e.dialer, c)
			} else {
				single, err = e.svc.CheckAt(ctx, e.dialer, c, at)
			}
			if err != nil {
				require.Error(t, batch[i].Err, "call %d", i)
				assert.Equal(t, fieldNames(t, err), fieldNames(t, batch[i].Err), "call %d", i)
				continue
			}
			require.NoError(t, batch[i].Err, "call %d", i)
			assert.Equal(t, single, batch[i].Decision, "call %d at %s", i, at)
		}
		n := 0
		for i, got := range e.svc.CheckSeq(ctx, e.dialer, func(yield func(compliance.Call) bool) {
			for _, c := range calls {
				if !yield(c) {
					return
				}
			}
		}, at) {
			require.Equal(t, n, i)
			assert.Equal(t, batch[i], got)
			n++
		}
		require.Equal(t, len(calls), n)
		slots, res, err := e.svc.Schedule(ctx, e.dialer, calls, at)
		require.NoError(t, err)
		require.Equal(t, batch, res)
		for j, s := range slots {
			assert.Equal(t, batch[s.Index].NextAllowed, s.At)
			if j > 0 {
				assert.False(t, s.At.Before(slots[j-1].At), "ascending")
			}
		}
	}
}

func dialerImportHistory(t *testing.T, h *Harness) {
	ctx := context.Background()
	e := newComplianceEnv(t, h, compliance.FZ230Calls()) // 1 conversation a day, 2 a week
	now := e.clock.Now()
	call := compliance.Call{CompanyID: e.company.ID, Phone: "+74951234567", Key: "debt-42"}
	d, err := e.svc.Check(ctx, e.dialer, call)
	require.NoError(t, err)
	require.True(t, d.Allowed)

	past := []compliance.PastCall{
		{Phone: "8 495 123-45-67", Key: "debt-42", At: now.Add(-2 * time.Hour), Outcome: compliance.OutcomeAnsweredHuman},
		{Phone: "+74951234567", Key: "debt-42", At: now.Add(-49 * time.Hour), Outcome: compliance.OutcomeNoAnswer},
	}
	res, err := e.svc.ImportHistory(ctx, e.admin, e.company.ID, "old-dialer-week-12", past)
	require.NoError(t, err)
	assert.Equal(t, compliance.ImportResult{CompanyID: e.company.ID, Key: "old-dialer-week-12", Calls: 2}, res)

	d, err = e.svc.Check(ctx, e.dialer, call)
	require.NoError(t, err)
	assert.False(t, d.Allowed, "the imported conversation counts against today's cap")
	assert.Equal(t, compliance.ReasonCapDay, d.Reasons.Blocking())
	_, d, err = e.svc.Reserve(ctx, e.dialer, call)
	require.NoError(t, err)
	assert.False(t, d.Allowed, "Reserve counts it too")

	// A retry is a replay; other calls under the same key are a conflict.
	res, err = e.svc.ImportHistory(ctx, e.admin, e.company.ID, "old-dialer-week-12", past)
	require.NoError(t, err)
	assert.True(t, res.Replayed)
	_, err = e.svc.ImportHistory(ctx, e.admin, e.company.ID, "old-dialer-week-12", past[:1])
	require.ErrorIs(t, err, storage.ErrConflict)
	hist, err := h.Compliance.History(ctx, e.company.ID, "debt-42", time.Time{})
	require.NoError(t, err)
	require.Len(t, hist, 2, "nothing imported twice")
	for _, r := range hist {
		assert.Equal(t, compliance.StatusCompleted, r.Status)
		assert.Equal(t, "+74951234567", r.Phone)
	}

	evs, err := audit.NewLog(h.Audit).Query(ctx, audit.Scope{All: true}, audit.Filter{CompanyID: e.company.ID, Action: "compliance.history.import"}, storage.PageRequest{})
	require.NoError(t, err)
	require.Len(t, evs.Items, 1, "one event per batch, none for the replay")
	calls, ok := changeOf(evs.Items[0], "calls")
	require.True(t, ok)
	assert.JSONEq(t, "2", string(calls.After))

	// Dialers may not import.
	_, err = e.svc.ImportHistory(ctx, e.dialer, e.company.ID, "by-operator", past)
	require.ErrorIs(t, err, storage.ErrForbidden)
}

func dialerImportInvalid(t *testing.T, h *Harness) {
	ctx := context.Background()
	e := newComplianceEnv(t, h, compliance.FZ230Calls())
	now := e.clock.Now()
	good := compliance.PastCall{Phone: "+74951234567", At: now.Add(-time.Hour), Outcome: compliance.OutcomeBusy}
	bad := []compliance.PastCall{good,
		{Phone: "", At: now.Add(-time.Hour), Outcome: compliance.OutcomeBusy},
		{Phone: "12", At: now.Add(-time.Hour), Outcome: compliance.OutcomeBusy},
		{Phone: "+74951234567", Outcome: compliance.OutcomeBusy},
		{Phone: "+74951234567", At: now.Add(time.Hour), Outcome: compliance.OutcomeBusy},
		{Phone: "+74951234567", At: now.Add(-time.Hour), Outcome: "hung_up"},
	}
	_, err := e.svc.ImportHistory(ctx, e.admin, e.company.ID, "bad", bad)
	names := fieldNames(t, err)
	assert.ElementsMatch(t, []string{"calls[1].phone", "calls[2].phone", "calls[3].at", "calls[4].at", "calls[5].outcome"}, names)
	_, err = e.svc.ImportHistory(ctx, e.admin, e.company.ID, "", []compliance.PastCall{good})
	assert.Equal(t, []string{"import_key"}, fieldNames(t, err))
	_, err = e.svc.ImportHistory(ctx, e.admin, e.company.ID, "empty", nil)
	assert.Equal(t, []string{"calls"}, fieldNames(t, err))

	hist, err := h.Compliance.History(ctx, e.company.ID, "+74951234567", time.Time{})
	require.NoError(t, err)
	assert.Empty(t, hist, "a rejected import stores nothing")
	_, err = h.Compliance.HistoryImport(ctx, e.company.ID, "bad")
	require.ErrorIs(t, err, storage.ErrNotFound)
}
