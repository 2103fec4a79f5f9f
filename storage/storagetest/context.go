package storagetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/audit"
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
	trail := audit.NewLog(h.Audit)
	mail := h.credentials()
	people := tenancy.NewService(h.Tx, h.Tenancy, trail, h.Outbox, TestKeys, tenancy.WithPasswordCost(4))
	platform := tenancy.Platform("support")

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
	assertNothingStored := func(t *testing.T, id, email string) {
		t.Helper()
		_, err := people.Company(context.Background(), id)
		require.ErrorIs(t, err, storage.ErrNotFound, "the company was rolled back")
		page, err := trail.Query(context.Background(), audit.Scope{All: true}, audit.Filter{CompanyID: id}, storage.PageRequest{})
		require.NoError(t, err)
		assert.Empty(t, page.Items, "no audit event")
		_, n := mail.For(email)
		assert.Zero(t, n, "no notification for a rolled-back transaction")
	}

	t.Run("cancel", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		id, email, inner, err := create(ctx, func(context.Context) { cancel() })
		require.NotEmpty(t, id)
		require.ErrorIs(t, err, storage.ErrUnavailable)
		require.ErrorIs(t, err, context.Canceled)
		require.ErrorIs(t, inner, storage.ErrUnavailable, "a store call with the cancelled context")
		assertNothingStored(t, id, email)
	})

	t.Run("deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		id, email, inner, err := create(ctx, func(ctx context.Context) { <-ctx.Done() })
		require.NotEmpty(t, id)
		require.ErrorIs(t, err, storage.ErrUnavailable)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.ErrorIs(t, inner, storage.ErrUnavailable, "a store call past the deadline")
		assertNothingStored(t, id, email)
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
