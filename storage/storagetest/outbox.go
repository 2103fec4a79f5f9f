package storagetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/storage"
)

// runOutbox proves the outbox contract: messages exist exactly when their
// transaction commits; claims lease, so concurrent dispatchers deliver each
// message once; failures retry with growing delays and end as dead letters
// that can be redriven; a panicking handler loses nothing; sealed payloads
// are ciphertext at rest and erased on delivery. Each test works on a topic
// of its own, so the backend may hold other messages. The tests run one
// after another: on InnoDB a claim may pass over a due message another
// claim's scan is touching (it comes with the next Dispatch), and these
// tests count exactly what one Dispatch claims.
func runOutbox(t *testing.T, h *Harness) {
	if h.Outbox == nil {
		t.Skip("backend has no outbox")
	}
	t.Run("written with its transaction", func(t *testing.T) { outboxTransactional(t, h) })
	t.Run("lease and fencing", func(t *testing.T) { outboxLease(t, h) })
	t.Run("delivered together, fenced each", func(t *testing.T) { outboxDeliveredAll(t, h) })
	t.Run("four dispatchers deliver each message once", func(t *testing.T) { outboxConcurrent(t, h) })
	t.Run("failing handler retries then dead letter", func(t *testing.T) { outboxRetryDead(t, h) })
	t.Run("panicking handler loses nothing", func(t *testing.T) { outboxPanic(t, h) })
	t.Run("sealed payload", func(t *testing.T) { outboxSealed(t, h) })
	t.Run("topic without handler waits", func(t *testing.T) { outboxNoHandler(t, h) })
}

func testTopic() storage.Topic { return storage.Topic("test." + storage.NewID()) }

type testPayload struct {
	N int `json:"n"`
}

// enqueue writes n messages of topic in one transaction, due at now.
func enqueue(t *testing.T, h *Harness, topic storage.Topic, now time.Time, n int) []string {
	t.Helper()
	ids := make([]string, 0, n)
	require.NoError(t, h.Tx.InTx(context.Background(), func(ctx context.Context) error {
		for i := range n {
			id, err := storage.Enqueue(ctx, h.Outbox, "test", now, "", topic, testPayload{N: i})
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	}))
	return ids
}

func outboxTransactional(t *testing.T, h *Harness) {
	ctx := context.Background()
	topic := testTopic()
	now := storage.Timestamp(time.Now())
	_, err := storage.Enqueue(ctx, h.Outbox, "test", now, "", topic, testPayload{})
	require.ErrorIs(t, err, storage.ErrInvalid, "outside a transaction the message has no change to belong to")

	var rolled string
	boom := errors.New("boom")
	err = h.Tx.InTx(ctx, func(ctx context.Context) error {
		id, err := storage.Enqueue(ctx, h.Outbox, "test", now, "c1", topic, testPayload{N: 7})
		rolled = id
		if err != nil {
			return err
		}
		return boom
	})
	require.ErrorIs(t, err, boom)
	_, err = h.Outbox.GetMessage(ctx, rolled)
	require.ErrorIs(t, err, storage.ErrNotFound, "a rolled-back change leaves no message")

	ids := enqueue(t, h, topic, now, 1)
	m, err := h.Outbox.GetMessage(ctx, ids[0])
	require.NoError(t, err)
	assert.Equal(t, topic, m.Topic)
	assert.Equal(t, storage.MessagePending, m.State)
	assert.Zero(t, m.Attempts)
	assert.True(t, m.NextAttempt.Equal(now), "due at %v, want %v", m.NextAttempt, now)
	assert.JSONEq(t, `{"n":0}`, string(m.Payload))
	assert.False(t, m.Sealed)
}

func outboxLease(t *testing.T, h *Harness) {
	ctx := context.Background()
	topic := testTopic()
	now := storage.Timestamp(time.Now())
	ids := enqueue(t, h, topic, now, 1)
	claim := storage.Claim{Topics: []storage.Topic{topic}, Now: now, LeaseUntil: now.Add(time.Minute), Limit: 10}

	first, err := h.Outbox.ClaimMessages(ctx, claim)
	require.NoError(t, err)
	require.Len(t, first, 1)
	assert.Equal(t, ids[0], first[0].ID)
	assert.Equal(t, 1, first[0].Attempts)

	again, err := h.Outbox.ClaimMessages(ctx, storage.Claim{Topics: claim.Topics, Now: now.Add(59 * time.Second),
		LeaseUntil: now.Add(2 * time.Minute), Limit: 10})
	require.NoError(t, err)
	assert.Empty(t, again, "nobody takes a message while its lease holds")

	later := now.Add(time.Minute)
	second, err := h.Outbox.ClaimMessages(ctx, storage.Claim{Topics: claim.Topics, Now: later, LeaseUntil: later.Add(time.Minute), Limit: 10})
	require.NoError(t, err)
	require.Len(t, second, 1, "a lease that ran out frees the message")
	assert.Equal(t, 2, second[0].Attempts)

	err = h.Outbox.MarkDelivered(ctx, ids[0], 1, later)
	require.ErrorIs(t, err, storage.ErrConflict, "the first lease no longer settles the message")
	require.NoError(t, h.Outbox.MarkDelivered(ctx, ids[0], 2, later))
	m, err := h.Outbox.GetMessage(ctx, ids[0])
	require.NoError(t, err)
	assert.Equal(t, storage.MessageDelivered, m.State)
	assert.True(t, m.Delivered.Equal(later))
	err = h.Outbox.MarkDelivered(ctx, ids[0], 2, later)
	require.ErrorIs(t, err, storage.ErrConflict, "a delivered message is settled")
	err = h.Outbox.MarkDelivered(ctx, storage.NewID(), 1, later)
	require.ErrorIs(t, err, storage.ErrNotFound)

	none, err := h.Outbox.ClaimMessages(ctx, storage.Claim{Topics: claim.Topics, Now: later.Add(time.Hour), LeaseUntil: later.Add(2 * time.Hour), Limit: 10})
	require.NoError(t, err)
	assert.Empty(t, none, "a delivered message is never claimed")
}

func outboxDeliveredAll(t *testing.T, h *Harness) {
	ctx := context.Background()
	topic := testTopic()
	now := storage.Timestamp(time.Now())
	ids := enqueue(t, h, topic, now, 3)
	got, err := h.Outbox.ClaimMessages(ctx, storage.Claim{Topics: []storage.Topic{topic}, Now: now, LeaseUntil: now.Add(time.Minute), Limit: 10})
	require.NoError(t, err)
	require.Len(t, got, 3)
	leases := []storage.Lease{{ID: ids[0], Attempt: 1}, {ID: ids[1], Attempt: 1}, {ID: ids[2], Attempt: 2}, {ID: storage.NewID(), Attempt: 1}}
	n, err := h.Outbox.MarkDeliveredAll(ctx, leases, now)
	require.NoError(t, err)
	assert.Equal(t, 2, n, "a lease not held (wrong attempt, unknown id) is skipped")
	for i, want := range []storage.MessageState{storage.MessageDelivered, storage.MessageDelivered, storage.MessagePending} {
		m, err := h.Outbox.GetMessage(ctx, ids[i])
		require.NoError(t, err)
		assert.Equal(t, want, m.State, "message %d", i)
	}
	n, err = h.Outbox.MarkDeliveredAll(ctx, leases, now)
	require.NoError(t, err)
	assert.Zero(t, n, "settled messages are not settled again")
	n, err = h.Outbox.MarkDeliveredAll(ctx, nil, now)
	require.NoError(t, err)
	assert.Zero(t, n)
}

func outboxConcurrent(t *testing.T, h *Harness) {
	const messages, dispatchers = 1000, 4
	ctx := context.Background()
	topic := testTopic()
	now := storage.Timestamp(time.Now())
	var ids []string
	for range messages / 250 {
		ids = append(ids, enqueue(t, h, topic, now, 250)...)
	}

	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	errs := make(chan error, dispatchers)
	for range dispatchers {
		d := storage.NewDispatcher(h.Outbox, storage.WithBatch(25))
		storage.Handle(d, topic, func(_ context.Context, id string, _ testPayload) error {
			mu.Lock()
			seen[id]++
			mu.Unlock()
			return nil
		})
		wg.Go(func() {
			_, err := d.Drain(ctx)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Len(t, seen, messages, "no message lost")
	for _, id := range ids {
		assert.Equal(t, 1, seen[id], "message %s delivered %d times", id, seen[id])
	}
}

func outboxRetryDead(t *testing.T, h *Harness) {
	ctx := context.Background()
	topic := testTopic()
	clock := storage.NewManualClock(time.Now().UTC().Truncate(time.Second))
	ids := enqueue(t, h, topic, clock.Now(), 1)
	fail := atomic.Bool{}
	fail.Store(true)
	calls := 0
	d := storage.NewDispatcher(h.Outbox, storage.WithDispatchClock(clock), storage.WithMaxAttempts(5),
		storage.WithBackoff(time.Second, time.Hour))
	storage.Handle(d, topic, func(_ context.Context, id string, _ testPayload) error {
		calls++
		if fail.Load() {
			return fmt.Errorf("mail server down (call %d)", calls)
		}
		return nil
	})

	var delays []time.Duration
	for attempt := 1; attempt <= 5; attempt++ {
		rep, err := d.Dispatch(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, rep.Claimed, "attempt %d", attempt)
		m, err := h.Outbox.GetMessage(ctx, ids[0])
		require.NoError(t, err)
		assert.Equal(t, attempt, m.Attempts)
		assert.Contains(t, m.LastError, "mail server down")
		if attempt < 5 {
			require.Equal(t, 1, rep.Retried)
			require.Equal(t, storage.MessagePending, m.State)
			delay := m.NextAttempt.Sub(clock.Now())
			delays = append(delays, delay)
			rep, err = d.Dispatch(ctx)
			require.NoError(t, err)
			assert.Zero(t, rep.Claimed, "not due before its back-off")
			clock.Set(m.NextAttempt)
			continue
		}
		require.Equal(t, 1, rep.Dead)
		require.Equal(t, storage.MessageDead, m.State)
	}
	for i := 1; i < len(delays); i++ {
		assert.Greater(t, delays[i], delays[i-1], "the delay grows: %v", delays)
	}
	assert.GreaterOrEqual(t, delays[0], 500*time.Millisecond)
	assert.LessOrEqual(t, delays[0], time.Second)

	clock.Advance(24 * time.Hour)
	rep, err := d.Dispatch(ctx)
	require.NoError(t, err)
	assert.Zero(t, rep.Claimed, "a dead letter is not retried")
	dead, err := d.DeadLetters(ctx, topic, "", 10)
	require.NoError(t, err)
	require.Len(t, dead, 1)
	assert.Equal(t, ids[0], dead[0].ID)
	all, err := d.DeadLetters(ctx, "", "", 1000)
	require.NoError(t, err)
	assert.NotEmpty(t, all)

	require.ErrorIs(t, d.Redrive(ctx, storage.NewID()), storage.ErrNotFound)
	fail.Store(false)
	require.NoError(t, d.Redrive(ctx, ids[0]))
	require.ErrorIs(t, d.Redrive(ctx, ids[0]), storage.ErrNotFound, "only a dead letter is redriven")
	rep, err = d.Dispatch(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Delivered)
	m, err := h.Outbox.GetMessage(ctx, ids[0])
	require.NoError(t, err)
	assert.Equal(t, storage.MessageDelivered, m.State)
	assert.Equal(t, 1, m.Attempts, "redrive starts the attempts again")
	dead, err = d.DeadLetters(ctx, topic, "", 10)
	require.NoError(t, err)
	assert.Empty(t, dead)
}

func outboxPanic(t *testing.T, h *Harness) {
	ctx := context.Background()
	topic := testTopic()
	clock := storage.NewManualClock(time.Now().UTC())
	ids := enqueue(t, h, topic, clock.Now(), 1)
	calls := 0
	d := storage.NewDispatcher(h.Outbox, storage.WithDispatchClock(clock))
	storage.Handle(d, topic, func(_ context.Context, id string, p testPayload) error {
		calls++
		if calls == 1 {
			panic("handler bug")
		}
		return nil
	})
	rep, err := d.Dispatch(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Retried, "the panic is a failed attempt")
	m, err := h.Outbox.GetMessage(ctx, ids[0])
	require.NoError(t, err)
	assert.Equal(t, storage.MessagePending, m.State)
	assert.Contains(t, m.LastError, "handler bug")

	clock.Set(m.NextAttempt)
	rep, err = d.Dispatch(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Delivered)
	assert.Equal(t, 2, calls)
}

func outboxSealed(t *testing.T, h *Harness) {
	ctx := context.Background()
	topic := testTopic()
	keys, err := storage.NewStaticKeys("outbox-test", bytes.Repeat([]byte{3}, 32))
	require.NoError(t, err)
	now := storage.Timestamp(time.Now())
	type secret struct {
		Password string `json:"password"`
	}
	const plain = "correct-horse-battery"
	var id string
	require.NoError(t, h.Tx.InTx(ctx, func(ctx context.Context) error {
		id, err = storage.EnqueueSealed(ctx, h.Outbox, keys, "test", now, "c1", topic, secret{plain})
		return err
	}))
	m, err := h.Outbox.GetMessage(ctx, id)
	require.NoError(t, err)
	assert.True(t, m.Sealed)
	assert.NotContains(t, string(m.Payload), plain, "the password is ciphertext at rest")

	without := storage.NewDispatcher(h.Outbox, storage.WithMaxAttempts(1))
	storage.Handle(without, topic, func(context.Context, string, secret) error { return nil })

	var got []string
	d := storage.NewDispatcher(h.Outbox, storage.WithKeys(keys))
	storage.Handle(d, topic, func(_ context.Context, msgID string, s secret) error {
		assert.Equal(t, id, msgID)
		got = append(got, s.Password)
		return nil
	})
	rep, err := d.Dispatch(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, rep.Delivered)
	assert.Equal(t, []string{plain}, got)
	m, err = h.Outbox.GetMessage(ctx, id)
	require.NoError(t, err)
	assert.Empty(t, m.Payload, "a delivered sealed payload is erased")

	// Without the keys a sealed payload does not open: the attempt fails.
	require.NoError(t, h.Tx.InTx(ctx, func(ctx context.Context) error {
		id, err = storage.EnqueueSealed(ctx, h.Outbox, keys, "test", now, "c1", topic, secret{plain})
		return err
	}))
	rep, err = without.Dispatch(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Dead)
	m, err = h.Outbox.GetMessage(ctx, id)
	require.NoError(t, err)
	assert.NotContains(t, m.LastError, plain)
	assert.NotEmpty(t, m.Payload, "an undelivered sealed payload is kept for a redrive")
}

func outboxNoHandler(t *testing.T, h *Harness) {
	ctx := context.Background()
	handled, waiting := testTopic(), testTopic()
	now := storage.Timestamp(time.Now())
	enqueue(t, h, handled, now, 1)
	ids := enqueue(t, h, waiting, now, 1)
	d := storage.NewDispatcher(h.Outbox)
	storage.Handle(d, handled, func(context.Context, string, testPayload) error { return nil })
	rep, err := d.Drain(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Delivered)
	m, err := h.Outbox.GetMessage(ctx, ids[0])
	require.NoError(t, err)
	assert.Equal(t, storage.MessagePending, m.State)
	assert.Zero(t, m.Attempts, "a topic without a handler is not even claimed")

	empty := storage.NewDispatcher(h.Outbox)
	rep, err = empty.Dispatch(ctx)
	require.NoError(t, err)
	assert.Zero(t, rep.Claimed)
}
