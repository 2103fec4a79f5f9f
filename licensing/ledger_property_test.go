package licensing_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/memory"
	"github.com/switchboardkit/switchboard/storage/storagetest"
	"github.com/switchboardkit/switchboard/tenancy"
	"github.com/switchboardkit/switchboard/tenancy/tenancytest"
)

// TestLedgerProperties runs the conformance suite's property check with
// many more seeds and steps on the memory backend.
func TestLedgerProperties(t *testing.T) {
	t.Parallel()
	st := memory.New()
	storagetest.LedgerProperties(t, &storagetest.Harness{Name: "memory", Tx: st, Audit: st.Audit(), Licensing: st.Licensing(), Outbox: st.Outbox()}, 25, 80)
}

// TestFailedChargeStoresNothing: a refused charge leaves no entry, no
// idempotency record (the same key may be retried once credit allows) and
// no reminder.
func TestFailedChargeStoresNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := memory.New()
	dir := tenancytest.NewDirectory()
	var fired atomic.Int64
	svc := licensing.NewService(st, st.Licensing(), dir, audit.NewLog(st.Audit()), st.Outbox())
	d := storage.NewDispatcher(st.Outbox())
	licensing.OnReminder(d, func(context.Context, string, licensing.Reminder) error { fired.Add(1); return nil })
	drain := func() {
		_, err := d.Drain(context.Background())
		require.NoError(t, err)
	}
	platform := tenancy.Platform("root")
	company := dir.AddCompany(tenancy.CompanyRef{})
	_, err := svc.SetCreditTerms(ctx, platform, company.ID, licensing.CreditTerms{
		CreditLimit:       decimal.NullDecimal{Decimal: decimal.NewFromInt(10), Valid: true},
		ReminderThreshold: decimal.NullDecimal{Decimal: decimal.NewFromInt(-5), Valid: true}})
	require.NoError(t, err)
	in := licensing.MoneyInput{Amount: decimal.NewFromInt(11), IdempotencyKey: "big"}
	_, err = svc.Charge(ctx, platform, company.ID, in)
	require.ErrorIs(t, err, storage.ErrLimitExceeded)
	drain()
	require.Zero(t, fired.Load())
	page, err := svc.Ledger(ctx, platform, company.ID, storage.PageRequest{})
	require.NoError(t, err)
	require.Empty(t, page.Items)
	_, err = svc.RecordPayment(ctx, platform, company.ID, licensing.MoneyInput{Amount: decimal.NewFromInt(1), IdempotencyKey: "p"})
	require.NoError(t, err)
	e, err := svc.Charge(ctx, platform, company.ID, in)
	require.NoError(t, err, "the refused key was not consumed")
	require.True(t, e.BalanceAfter.Equal(decimal.NewFromInt(-10)))
	drain()
	require.EqualValues(t, 1, fired.Load())
}
