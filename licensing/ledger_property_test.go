package licensing_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/memory"
	"github.com/switchboardkit/switchboard/tenancy"
	"github.com/switchboardkit/switchboard/tenancy/tenancytest"
)

// ledgerModel is the specification the service is checked against: a plain
// sum, the suspension rule balance < -limit, and a reminder per downward
// crossing of the threshold (a newly set threshold counts the balance as
// coming from above).
type ledgerModel struct {
	balance   decimal.Decimal
	limit     *decimal.Decimal
	threshold *decimal.Decimal
	above     bool // the balance was above the threshold after the last step
	reminders int
}

func (m *ledgerModel) suspended() bool { return m.limit != nil && m.balance.LessThan(m.limit.Neg()) }

// observe updates the crossing count after the balance or threshold changed.
func (m *ledgerModel) observe() {
	if m.threshold == nil {
		return
	}
	nowAbove := m.balance.GreaterThan(*m.threshold)
	if m.above && !nowAbove {
		m.reminders++
	}
	m.above = nowAbove
}

// randAmount is a positive amount of up to 80.00 with two decimals.
func randAmount(r *rand.Rand) decimal.Decimal { return decimal.New(r.Int64N(8000)+1, -2) }

// TestLedgerProperties runs seeded random sequences of charges, payments,
// adjustments and credit-term changes and checks after every step that the
// running balance is the model's sum, the suspension state is balance <
// -limit, and reminders fired exactly once per downward crossing; at the
// end, that the ledger's entries sum to the running balance.
func TestLedgerProperties(t *testing.T) {
	t.Parallel()
	const seeds, steps = 25, 80
	// Guard against a vacuous run: the sequences must actually reach the
	// interesting states.
	var suspendedSteps, refusedCharges, totalReminders atomic.Int64
	t.Cleanup(func() {
		if suspendedSteps.Load() == 0 || refusedCharges.Load() == 0 || totalReminders.Load() == 0 {
			t.Errorf("vacuous: %d suspended steps, %d refused charges, %d reminders",
				suspendedSteps.Load(), refusedCharges.Load(), totalReminders.Load())
		}
		t.Logf("%d suspended steps, %d refused charges, %d reminders", suspendedSteps.Load(), refusedCharges.Load(), totalReminders.Load())
	})
	for seed := range uint64(seeds) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(seed, 0x5eed))
			ctx := context.Background()
			st := memory.New()
			dir := tenancytest.NewDirectory()
			var fired atomic.Int64
			svc := licensing.NewService(st, st.Licensing(), dir, audit.NewLog(st.Audit()),
				licensing.WithNotifier(licensing.NotifierFunc(func(context.Context, licensing.Reminder) { fired.Add(1) })))
			reseller := dir.AddCompany(tenancy.CompanyRef{Kind: tenancy.KindReseller})
			boss := dir.AddMember(reseller, tenancy.RoleResellerAdmin, "")
			company := dir.AddCompany(tenancy.CompanyRef{ResellerID: reseller.ID})
			m := &ledgerModel{}
			for step := range steps {
				key := fmt.Sprint("k", step)
				amount := randAmount(r)
				var err error
				var what string
				switch op := r.IntN(10); {
				case op < 5:
					what = "charge " + amount.String()
					_, err = svc.Charge(ctx, boss, company.ID, licensing.MoneyInput{Amount: amount, IdempotencyKey: key})
					switch {
					case m.suspended():
						require.ErrorIs(t, err, storage.ErrSuspended, what)
						refusedCharges.Add(1)
					case m.limit != nil && m.balance.Sub(amount).LessThan(m.limit.Neg()):
						require.ErrorIs(t, err, storage.ErrLimitExceeded, what)
						refusedCharges.Add(1)
					default:
						require.NoError(t, err, what)
						m.balance = m.balance.Sub(amount)
					}
				case op < 8:
					what = "payment " + amount.String()
					_, err = svc.RecordPayment(ctx, boss, company.ID, licensing.MoneyInput{Amount: amount, IdempotencyKey: key})
					require.NoError(t, err, what)
					m.balance = m.balance.Add(amount)
				case op < 9:
					if r.IntN(2) == 0 {
						amount = amount.Neg()
					}
					what = "adjustment " + amount.String()
					_, err = svc.Adjust(ctx, boss, company.ID, licensing.MoneyInput{Amount: amount, IdempotencyKey: key})
					require.NoError(t, err, what)
					m.balance = m.balance.Add(amount)
				default:
					var terms licensing.CreditTerms
					if r.IntN(5) > 0 {
						l := decimal.New(r.Int64N(20000), -2)
						terms.CreditLimit = decimal.NullDecimal{Decimal: l, Valid: true}
					}
					if r.IntN(4) > 0 {
						th := decimal.New(r.Int64N(20000)-15000, -2)
						terms.ReminderThreshold = decimal.NullDecimal{Decimal: th, Valid: true}
					}
					what = fmt.Sprintf("terms %v", terms)
					_, err = svc.SetCreditTerms(ctx, boss, company.ID, terms)
					require.NoError(t, err, what)
					oldThreshold := m.threshold
					m.limit, m.threshold = nil, nil
					if terms.CreditLimit.Valid {
						m.limit = &terms.CreditLimit.Decimal
					}
					if terms.ReminderThreshold.Valid {
						m.threshold = &terms.ReminderThreshold.Decimal
						if oldThreshold == nil || !oldThreshold.Equal(*m.threshold) {
							m.above = true // a new threshold re-arms
						}
					}
				}
				m.observe()
				status, err := svc.Credit(ctx, boss, company.ID)
				require.NoError(t, err)
				require.True(t, status.Balance.Equal(m.balance), "step %d (%s): balance %s, model %s", step, what, status.Balance, m.balance)
				susp, err := svc.Suspended(ctx, company.ID)
				require.NoError(t, err)
				require.Equal(t, m.suspended(), susp, "step %d (%s): suspended", step, what)
				if susp {
					suspendedSteps.Add(1)
				}
				require.EqualValues(t, m.reminders, fired.Load(), "step %d (%s): reminders", step, what)
			}
			totalReminders.Add(fired.Load())
			derived, err := svc.LedgerBalance(ctx, boss, company.ID)
			require.NoError(t, err)
			require.True(t, derived.Equal(m.balance), "ledger sum %s, model %s", derived, m.balance)
		})
	}
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
	svc := licensing.NewService(st, st.Licensing(), dir, audit.NewLog(st.Audit()),
		licensing.WithNotifier(licensing.NotifierFunc(func(context.Context, licensing.Reminder) { fired.Add(1) })))
	platform := tenancy.Platform("root")
	company := dir.AddCompany(tenancy.CompanyRef{})
	_, err := svc.SetCreditTerms(ctx, platform, company.ID, licensing.CreditTerms{
		CreditLimit:       decimal.NullDecimal{Decimal: decimal.NewFromInt(10), Valid: true},
		ReminderThreshold: decimal.NullDecimal{Decimal: decimal.NewFromInt(-5), Valid: true}})
	require.NoError(t, err)
	in := licensing.MoneyInput{Amount: decimal.NewFromInt(11), IdempotencyKey: "big"}
	_, err = svc.Charge(ctx, platform, company.ID, in)
	require.ErrorIs(t, err, storage.ErrLimitExceeded)
	require.Zero(t, fired.Load())
	page, err := svc.Ledger(ctx, platform, company.ID, storage.PageRequest{})
	require.NoError(t, err)
	require.Empty(t, page.Items)
	_, err = svc.RecordPayment(ctx, platform, company.ID, licensing.MoneyInput{Amount: decimal.NewFromInt(1), IdempotencyKey: "p"})
	require.NoError(t, err)
	e, err := svc.Charge(ctx, platform, company.ID, in)
	require.NoError(t, err, "the refused key was not consumed")
	require.True(t, e.BalanceAfter.Equal(decimal.NewFromInt(-10)))
	require.EqualValues(t, 1, fired.Load())
}
