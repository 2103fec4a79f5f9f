package storagetest

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
)

var testActor = audit.Actor{UserID: "user-1", CompanyID: "platform", Role: "platform_admin"}

// record writes one event for company inside its own transaction.
func record(t testing.TB, h *Harness, log *audit.Log, company, action string) *audit.Event {
	t.Helper()
	var ev *audit.Event
	err := h.Tx.InTx(context.Background(), func(ctx context.Context) error {
		var err error
		ev, err = log.Record(ctx, audit.Entry{Actor: testActor, CompanyID: company, Action: action,
			EntityType: "thing", EntityID: "t-1", Changes: []audit.Change{audit.Set("n", nil, action)}})
		return err
	})
	require.NoError(t, err)
	return ev
}

func runAudit(t *testing.T, h *Harness) {
	t.Run("failed use case leaves no event", func(t *testing.T) { auditFailedUseCase(t, h) })
	t.Run("panic rolls back", func(t *testing.T) { auditPanicRollsBack(t, h) })
	t.Run("concurrent readers never see half-done work", func(t *testing.T) { auditConcurrentReaders(t, h) })
	t.Run("after-commit hooks run only on commit", func(t *testing.T) { auditAfterCommitHooks(t, h) })
	t.Run("50 concurrent writers keep one unbroken chain", func(t *testing.T) { auditConcurrentWriters(t, h) })
	t.Run("tampered event is reported at its position", func(t *testing.T) { auditTamperedEvent(t, h) })
	t.Run("pagination returns every event once while events arrive", func(t *testing.T) { auditPaginationWhileWriting(t, h) })
	t.Run("filters, scope and detail", func(t *testing.T) { auditFilters(t, h) })
	t.Run("bad input", func(t *testing.T) { auditBadInput(t, h) })
}

func auditFailedUseCase(t *testing.T, h *Harness) {
	t.Parallel()
	all := audit.Scope{All: true}
	log := audit.NewLog(h.Audit)
	c1, c2 := storage.NewID(), storage.NewID()
	var ids []string
	boom := errors.New("boom")
	err := h.Tx.InTx(context.Background(), func(ctx context.Context) error {
		for _, c := range []string{c1, c2} {
			ev, err := log.Record(ctx, audit.Entry{Actor: testActor, CompanyID: c, Action: "x.create", EntityType: "x"})
			require.NoError(t, err)
			ids = append(ids, ev.ID)
		}
		return boom
	})
	require.ErrorIs(t, err, boom)
	for _, id := range ids {
		_, err := log.Get(context.Background(), all, id)
		require.ErrorIs(t, err, storage.ErrNotFound)
	}
	page, err := log.Query(context.Background(), all, audit.Filter{CompanyID: c1}, storage.PageRequest{})
	require.NoError(t, err)
	assert.Empty(t, page.Items)
	v, err := log.Verify(context.Background(), all, c1)
	require.NoError(t, err)
	assert.True(t, v.OK)
	assert.Zero(t, v.Checked)
	// The log continues from nothing: the next event sealed is seq 1.
	ev := record(t, h, log, c1, "x.create")
	assert.Zero(t, ev.Seq, "unsealed until Seal")
	_, err = log.Seal(context.Background(), h.Tx, c1)
	require.NoError(t, err)
	assert.EqualValues(t, 1, mustGet(t, log, all, ev.ID).Seq)
}

func auditPanicRollsBack(t *testing.T, h *Harness) {
	t.Parallel()
	all := audit.Scope{All: true}
	log := audit.NewLog(h.Audit)
	c := storage.NewID()
	var id string
	require.Panics(t, func() {
		_ = h.Tx.InTx(context.Background(), func(ctx context.Context) error {
			ev, err := log.Record(ctx, audit.Entry{Actor: testActor, CompanyID: c, Action: "x.create", EntityType: "x"})
			require.NoError(t, err)
			id = ev.ID
			panic("half-way")
		})
	})
	_, err := log.Get(context.Background(), all, id)
	require.ErrorIs(t, err, storage.ErrNotFound)
}

func auditConcurrentReaders(t *testing.T, h *Harness) {
	t.Parallel()
	all := audit.Scope{All: true}
	log := audit.NewLog(h.Audit)
	c := storage.NewID()
	var id atomic.Value
	var done atomic.Bool
	recorded := make(chan struct{})
	readerDone := make(chan error)
	go func() {
		<-recorded
		for range 200 {
			ev, err := log.Get(context.Background(), all, id.Load().(string))
			if err == nil && !done.Load() {
				readerDone <- fmt.Errorf("read event %s before its transaction finished", ev.ID)
				return
			}
			if err != nil && !errors.Is(err, storage.ErrNotFound) {
				readerDone <- err
				return
			}
			if err == nil {
				break
			}
			time.Sleep(time.Millisecond)
		}
		readerDone <- nil
	}()
	err := h.Tx.InTx(context.Background(), func(ctx context.Context) error {
		ev, err := log.Record(ctx, audit.Entry{Actor: testActor, CompanyID: c, Action: "x.create", EntityType: "x"})
		if err != nil {
			return err
		}
		id.Store(ev.ID)
		close(recorded)
		time.Sleep(30 * time.Millisecond) // widen the window a dirty read would fall into
		done.Store(true)                  // set before commit: a reader that sees the event must see this
		return nil
	})
	require.NoError(t, err)
	require.NoError(t, <-readerDone)
}

func auditAfterCommitHooks(t *testing.T, h *Harness) {
	t.Parallel()
	ran := 0
	err := h.Tx.InTx(context.Background(), func(ctx context.Context) error {
		storage.AfterCommit(ctx, func(context.Context) { ran++ })
		return errors.New("rolled back")
	})
	require.Error(t, err)
	assert.Zero(t, ran)
	require.NoError(t, h.Tx.InTx(context.Background(), func(ctx context.Context) error {
		storage.AfterCommit(ctx, func(context.Context) { ran++ })
		assert.Zero(t, ran, "hook ran before commit")
		return nil
	}))
	assert.Equal(t, 1, ran)
}

func auditConcurrentWriters(t *testing.T, h *Harness) {
	t.Parallel()
	all := audit.Scope{All: true}
	log := audit.NewLog(h.Audit, audit.WithSealBatch(7)) // small batches: many seals interleave with the writers
	c := storage.NewID()
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n+2)
	ids := make(chan string, n)
	for i := range n {
		wg.Go(func() {
			errs <- h.Tx.InTx(context.Background(), func(ctx context.Context) error {
				ev, err := log.Record(ctx, audit.Entry{Actor: testActor, CompanyID: c, Action: "x.update",
					EntityType: "x", EntityID: fmt.Sprint(i)})
				if err == nil {
					ids <- ev.ID
				}
				return err
			})
		})
	}
	var writing atomic.Bool
	writing.Store(true)
	var sealers sync.WaitGroup
	for range 2 {
		sealers.Go(func() {
			for writing.Load() {
				if _, err := log.Seal(context.Background(), h.Tx, c); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	writing.Store(false)
	sealers.Wait()
	_, err := log.Seal(context.Background(), h.Tx, c)
	require.NoError(t, err)
	close(errs)
	close(ids)
	for err := range errs {
		require.NoError(t, err)
	}
	v, err := log.Verify(context.Background(), all, c)
	require.NoError(t, err)
	assert.True(t, v.OK, "verification: %+v", v)
	assert.EqualValues(t, n, v.Checked)
	head, err := h.Audit.Head(context.Background(), c)
	require.NoError(t, err)
	assert.EqualValues(t, n, head.Size)
	seqs := map[int64]string{}
	for id := range ids {
		e := mustGet(t, log, all, id)
		require.True(t, e.Sealed(), "event %s skipped", id)
		require.Empty(t, seqs[e.Seq], "seq %d given twice", e.Seq)
		seqs[e.Seq] = id
	}
	assert.Len(t, seqs, n)
	pending, err := h.Audit.Unsealed(context.Background(), c, 10)
	require.NoError(t, err)
	assert.Empty(t, pending)
}

func auditTamperedEvent(t *testing.T, h *Harness) {
	all := audit.Scope{All: true}
	if h.TamperAuditAction == nil {
		t.Skip("backend offers no tamper hook")
	}
	t.Parallel()
	log := audit.NewLog(h.Audit)
	c := storage.NewID()
	var evs []*audit.Event
	for i := range 6 {
		evs = append(evs, record(t, h, log, c, fmt.Sprintf("x.step%d", i)))
	}
	_, err := log.Seal(context.Background(), h.Tx, c)
	require.NoError(t, err)
	v, err := log.Verify(context.Background(), all, c)
	require.NoError(t, err)
	require.True(t, v.OK)
	require.NoError(t, h.TamperAuditAction(context.Background(), evs[3].ID, "x.forged"))
	v, err = log.Verify(context.Background(), all, c)
	require.NoError(t, err)
	assert.False(t, v.OK)
	assert.EqualValues(t, 4, v.BrokenSeq)
	assert.Equal(t, evs[3].ID, v.EventID)
	assert.EqualValues(t, 3, v.Checked)
}

func auditPaginationWhileWriting(t *testing.T, h *Harness) {
	t.Parallel()
	all := audit.Scope{All: true}
	clock := storage.NewManualClock(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC))
	log := audit.NewLog(h.Audit, audit.WithClock(clock)) // equal times: the ID breaks ties
	c := storage.NewID()
	want := map[string]bool{}
	for i := range 45 {
		if i%10 == 0 {
			clock.Advance(time.Second)
		}
		want[record(t, h, log, c, "x.seed").ID] = true
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
				clock.Advance(time.Millisecond)
				record(t, h, log, c, "x.late")
			}
		}
	})
	seen := map[string]int{}
	req := storage.PageRequest{Limit: 4}
	for {
		page, err := log.Query(context.Background(), all, audit.Filter{CompanyID: c}, req)
		require.NoError(t, err)
		for _, e := range page.Items {
			seen[e.ID]++
		}
		if page.NextCursor == "" {
			break
		}
		req.After = page.NextCursor
	}
	close(stop)
	wg.Wait()
	for id := range want {
		assert.Equal(t, 1, seen[id], "event %s", id)
	}
	for id, n := range seen {
		assert.Equal(t, 1, n, "event %s returned %d times", id, n)
	}
}

func auditFilters(t *testing.T, h *Harness) {
	t.Parallel()
	clock := storage.NewManualClock(time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC))
	log := audit.NewLog(h.Audit, audit.WithClock(clock))
	c1, c2 := storage.NewID(), storage.NewID()
	alice := audit.Actor{UserID: storage.NewID(), CompanyID: c1, Role: "administrator"}
	bob := audit.Actor{UserID: storage.NewID(), CompanyID: c2, Role: "manager"}
	ctx := audit.WithRequest(context.Background(), "req-42", "203.0.113.7", "tests")
	write := func(a audit.Actor, company, action, entity string, changes ...audit.Change) *audit.Event {
		clock.Advance(time.Minute)
		var ev *audit.Event
		require.NoError(t, h.Tx.InTx(ctx, func(ctx context.Context) error {
			var err error
			ev, err = log.Record(ctx, audit.Entry{Actor: a, CompanyID: company, Action: action,
				EntityType: "user", EntityID: entity, Changes: changes})
			return err
		}))
		return ev
	}
	e1 := write(alice, c1, "user.create", "u1", audit.Set("email", nil, "a@example.com"))
	e2 := write(alice, c1, "user.update", "u1", audit.Secret("password"))
	e3 := write(bob, c2, "user.create", "u2")
	e4 := write(alice, c1, "user.create", "u3")

	ids := func(f audit.Filter, scope audit.Scope) []string {
		page, err := log.Query(context.Background(), scope, f, storage.PageRequest{})
		require.NoError(t, err)
		var out []string
		for _, e := range page.Items {
			out = append(out, e.ID)
		}
		return out
	}
	both := audit.Scope{CompanyIDs: []string{c1, c2}}
	assert.Equal(t, []string{e4.ID, e3.ID, e2.ID, e1.ID}, ids(audit.Filter{}, both), "newest first")
	assert.Equal(t, []string{e4.ID, e2.ID, e1.ID}, ids(audit.Filter{CompanyID: c1}, both))
	assert.Equal(t, []string{e3.ID}, ids(audit.Filter{ActorID: bob.UserID}, both))
	assert.Equal(t, []string{e4.ID, e3.ID, e1.ID}, ids(audit.Filter{Action: "user.create"}, both))
	assert.Equal(t, []string{e2.ID, e1.ID}, ids(audit.Filter{EntityType: "user", EntityID: "u1"}, both))
	assert.Equal(t, []string{e3.ID, e2.ID}, ids(audit.Filter{From: e2.OccurredAt, To: e4.OccurredAt}, both))
	assert.Equal(t, []string{e3.ID}, ids(audit.Filter{}, audit.Scope{CompanyIDs: []string{c2}}), "scope")
	assert.Empty(t, ids(audit.Filter{CompanyID: c1}, audit.Scope{CompanyIDs: []string{c2}}), "filter outside scope")
	assert.Empty(t, ids(audit.Filter{}, audit.Scope{}), "zero scope")

	got, err := log.Get(context.Background(), both, e2.ID)
	require.NoError(t, err)
	assert.Equal(t, e2.Hash, got.Hash)
	assert.Equal(t, alice, got.Actor)
	assert.Equal(t, map[string]string{"request_id": "req-42", "client_ip": "203.0.113.7", "user_agent": "tests"}, got.Metadata)
	require.Len(t, got.Changes, 1)
	assert.True(t, got.Changes[0].Redacted)
	assert.JSONEq(t, `"[redacted]"`, string(got.Changes[0].After))
	assert.True(t, e1.OccurredAt.Equal(mustGet(t, log, both, e1.ID).OccurredAt), "time round-trips at microsecond precision")

	_, err = log.Get(context.Background(), audit.Scope{CompanyIDs: []string{c2}}, e2.ID)
	require.ErrorIs(t, err, storage.ErrNotFound, "an event outside the scope does not exist for the reader")
	// A log outside the scope is not found, exactly like a company that
	// does not exist.
	c2only := audit.Scope{CompanyIDs: []string{c2}}
	for _, company := range []string{c1, storage.NewID()} {
		_, err = log.Verify(context.Background(), c2only, company)
		require.ErrorIs(t, err, storage.ErrNotFound)
		_, err = log.Checkpoint(context.Background(), c2only, company)
		require.ErrorIs(t, err, storage.ErrNotFound)
		_, err = log.ProveConsistency(context.Background(), c2only, company, 1, 1)
		require.ErrorIs(t, err, storage.ErrNotFound)
	}

	_, err = log.Seal(context.Background(), h.Tx, c1, c2)
	require.NoError(t, err)
	var buf bytes.Buffer
	n, err := log.ExportJSONL(context.Background(), both, audit.Filter{CompanyID: c1}, &buf)
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	require.Len(t, lines, 3)
	var first audit.Event
	require.NoError(t, json.Unmarshal(lines[0], &first))
	assert.Equal(t, e4.ID, first.ID)
	leaf := audit.LeafHash(&first)
	assert.Equal(t, hex.EncodeToString(leaf[:]), first.Hash, "exported events re-verify")
}

func auditBadInput(t *testing.T, h *Harness) {
	t.Parallel()
	all := audit.Scope{All: true}
	log := audit.NewLog(h.Audit)
	_, err := log.Record(context.Background(), audit.Entry{Actor: testActor, Action: "x", EntityType: "x"})
	require.ErrorIs(t, err, storage.ErrInvalid, "outside a transaction")
	err = h.Tx.InTx(context.Background(), func(ctx context.Context) error {
		_, err := log.Record(ctx, audit.Entry{Actor: audit.Actor{}, EntityType: "x"})
		return err
	})
	var verr *storage.ValidationError
	require.ErrorAs(t, err, &verr)
	_, ok := verr.Field("action")
	assert.True(t, ok, "names the action field: %v", err)
	_, ok = verr.Field("actor.role")
	assert.True(t, ok, "names the actor.role field: %v", err)
	_, err = log.Query(context.Background(), all, audit.Filter{}, storage.PageRequest{After: "%%%"})
	require.ErrorIs(t, err, storage.ErrInvalid)
	now := time.Now()
	_, err = log.Query(context.Background(), all, audit.Filter{From: now, To: now.Add(-time.Hour)}, storage.PageRequest{})
	require.ErrorIs(t, err, storage.ErrInvalid)
	_, err = log.Get(context.Background(), all, storage.NewID())
	require.ErrorIs(t, err, storage.ErrNotFound)
}

func mustGet(t *testing.T, log *audit.Log, scope audit.Scope, id string) *audit.Event {
	t.Helper()
	e, err := log.Get(context.Background(), scope, id)
	require.NoError(t, err)
	return e
}

func runClosed(t *testing.T, h *Harness) {
	if h.Close == nil {
		t.Skip("backend offers no Close")
	}
	require.NoError(t, h.Close())
	log := audit.NewLog(h.Audit)
	err := h.Tx.InTx(context.Background(), func(ctx context.Context) error {
		_, err := log.Record(ctx, audit.Entry{Actor: testActor, Action: "x", EntityType: "x"})
		return err
	})
	require.ErrorIs(t, err, storage.ErrUnavailable)
	_, err = log.Query(context.Background(), audit.Scope{All: true}, audit.Filter{}, storage.PageRequest{})
	require.ErrorIs(t, err, storage.ErrUnavailable)
}
