package storagetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// transactionContext proves every backend honours the context of a
// transaction: cancelled or past its deadline while the use case runs, the
// transaction rolls back — no row, no audit event, no after-commit
// notification — and InTx returns storage.ErrUnavailable wrapping the
// context's error, even when the function itself returned nil; store calls
// made with the ended context fail the same way; a context already ended
// starts nothing.
func transactionContext(t *testing.T, h *Harness) {
	w := NewWorld(t, OnHarness(h))
	people, platform := w.People, w.Platform

	// create runs a use case inside the host's InTx, calls end, and then
	// reports what a store call made with the ended context said.
	create := func(ctx context.Context, end func(ctx context.Context)) (id, email string, inner, err error) {
		email = storage.NewID() + "@ctx.example"
		err = h.Tx.InTx(ctx, func(ctx context.Context) error {
			c, _, err := people.CreateCompany(ctx, platform, tenancy.NewCompany{Kind: tenancy.KindRegular,
				LegalName: "Context " + email, Owner: tenancy.Person{FirstName: "C", LastName: "X", Email: email}})
			if err != nil {
				return err
			}
			id = c.ID
			end(ctx)
			_, inner = people.Company(ctx, c.ID)
			return nil // the use case "succeeded"; the context did not
		})
		return id, email, inner, err
	}
	// failed runs create, which must fail, and proves it stored nothing:
	// no company, and no row (on SQL), audit event or notification at all.
	failed := func(t *testing.T, ctx context.Context, end func(ctx context.Context)) (inner, err error) {
		t.Helper()
		var id, email string
		err = w.For(t).RequireNoTrace(func() error {
			var err error
			id, email, inner, err = create(ctx, end)
			return err
		})
		require.NotEmpty(t, id)
		_, gerr := people.Company(context.Background(), id)
		require.ErrorIs(t, gerr, storage.ErrNotFound, "the company was rolled back")
		assert.Empty(t, w.For(t).Credentials(email), "no notification for a rolled-back transaction")
		return inner, err
	}

	t.Run("cancel", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		inner, err := failed(t, ctx, func(context.Context) { cancel() })
		require.ErrorIs(t, err, storage.ErrUnavailable)
		require.ErrorIs(t, err, context.Canceled)
		require.ErrorIs(t, inner, storage.ErrUnavailable, "a store call with the cancelled context")
	})

	t.Run("deadline", func(t *testing.T) {
		// Long enough for the use case to commit its part on a loaded
		// machine before the deadline ends the host's transaction.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		inner, err := failed(t, ctx, func(ctx context.Context) { <-ctx.Done() })
		require.ErrorIs(t, err, storage.ErrUnavailable)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.ErrorIs(t, inner, storage.ErrUnavailable, "a store call past the deadline")
	})

	t.Run("already ended", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		ran := false
		err := h.Tx.InTx(ctx, func(context.Context) error { ran = true; return nil })
		require.ErrorIs(t, err, storage.ErrUnavailable)
		assert.False(t, ran && err == nil)
		_, _, err = people.CreateCompany(ctx, platform, tenancy.NewCompany{Kind: tenancy.KindRegular,
			LegalName: "Never", Owner: tenancy.Person{FirstName: "N", LastName: "E", Email: storage.NewID() + "@ctx.example"}})
		require.ErrorIs(t, err, storage.ErrUnavailable)
	})

	t.Run("the same context still works when it did not end", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		id, _, inner, err := create(ctx, func(context.Context) {})
		require.NoError(t, err)
		require.NoError(t, inner)
		_, err = people.Company(ctx, id)
		require.NoError(t, err)
		require.False(t, errors.Is(err, storage.ErrUnavailable))
	})
}
