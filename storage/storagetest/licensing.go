package storagetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
	"github.com/switchboardkit/switchboard/tenancy/tenancytest"
)

// licWorld is one reseller with one affiliate, their admins and a licensing
// service over the harness, with fresh IDs so tests never share rows.
type licWorld struct {
	h             *Harness
	dir           *tenancytest.Directory
	log           *audit.Log
	svc           *licensing.Service
	platform      tenancy.Actor
	reseller      tenancy.CompanyRef
	resellerAdmin tenancy.Actor
	company       tenancy.CompanyRef
	admin         tenancy.Actor
	reminders     reminders
}

// reminders reads the payment reminders the harness's outbox delivered
// for one company.
type reminders struct {
	fx      *effects
	company string
}

func (r reminders) all() []licensing.Reminder {
	return delivered[licensing.Reminder](r.fx, storage.TopicReminder, r.company)
}

func (r reminders) count() int { return len(r.all()) }

var licPrices = map[licensing.Item]decimal.Decimal{
	licensing.LicenseItem(licensing.LicensePro):                decimal.RequireFromString("10.50"),
	licensing.LicenseItem(licensing.LicenseMobile):             decimal.RequireFromString("5"),
	licensing.SubscriptionItem(licensing.SubscriptionMobile):   decimal.RequireFromString("3.10"),
	licensing.SubscriptionItem(licensing.SubscriptionLandline): decimal.RequireFromString("4"),
	licensing.AddOnItem("recording"):                           decimal.RequireFromString("1.25"),
}

func newLicWorld(t testing.TB, h *Harness) *licWorld {
	t.Helper()
	w := &licWorld{h: h, dir: tenancytest.NewDirectory(), log: audit.NewLog(h.Audit)}
	w.svc = licensing.NewService(h.Tx, h.Licensing, w.dir, w.log, h.Outbox)
	w.platform = tenancy.Platform(storage.NewID())
	w.reseller = w.dir.AddCompany(tenancy.CompanyRef{Kind: tenancy.KindReseller})
	w.resellerAdmin = w.dir.AddMember(w.reseller, tenancy.RoleResellerAdmin, "")
	w.company = w.dir.AddCompany(tenancy.CompanyRef{ResellerID: w.reseller.ID})
	w.reminders = reminders{fx: h.effects(), company: w.company.ID}
	w.admin = w.dir.AddMember(w.company, tenancy.RoleAdministrator, "")
	require.NoError(t, w.svc.SetAgreement(context.Background(), w.resellerAdmin, w.company.ID, licPrices))
	return w
}

func (w *licWorld) user() string { return w.dir.AddMember(w.company, tenancy.RoleOperator, "").UserID }

func (w *licWorld) buy(t testing.TB, kind licensing.LicenseKind, n int) licensing.Purchase {
	t.Helper()
	p, err := w.svc.PurchaseLicenses(context.Background(), w.admin, w.company.ID,
		licensing.LicensePurchase{Kind: kind, Quantity: n, IdempotencyKey: storage.NewID()})
	require.NoError(t, err)
	return p
}

func (w *licWorld) pool(t testing.TB, kind licensing.LicenseKind) licensing.Pool {
	t.Helper()
	pools, err := w.svc.Pools(context.Background(), w.admin, w.company.ID)
	require.NoError(t, err)
	for _, p := range pools {
		if p.Kind == kind {
			return p
		}
	}
	t.Fatalf("no pool %s", kind)
	return licensing.Pool{}
}

func (w *licWorld) credit(t testing.TB) licensing.CreditStatus {
	t.Helper()
	c, err := w.svc.Credit(context.Background(), w.admin, w.company.ID)
	require.NoError(t, err)
	return c
}

// checkLedger proves the running balance indexes the ledger: it equals the
// exact sum of the entries, and each entry's BalanceAfter is the prefix sum.
func (w *licWorld) checkLedger(t testing.TB) decimal.Decimal {
	t.Helper()
	ctx := context.Background()
	derived, err := w.svc.LedgerBalance(ctx, w.admin, w.company.ID)
	require.NoError(t, err)
	running := w.credit(t).Balance
	assert.True(t, derived.Equal(running), "ledger sum %s != running balance %s", derived, running)
	sum := decimal.Zero
	req := storage.PageRequest{Limit: 7}
	seq := int64(0)
	for {
		page, err := w.svc.Ledger(ctx, w.admin, w.company.ID, req)
		require.NoError(t, err)
		for _, e := range page.Items {
			seq++
			assert.Equal(t, seq, e.Seq)
			sum = sum.Add(e.Amount)
			assert.True(t, sum.Equal(e.BalanceAfter), "entry %d balance_after %s, prefix sum %s", e.Seq, e.BalanceAfter, sum)
		}
		if page.NextCursor == "" {
			break
		}
		req.After = page.NextCursor
	}
	assert.True(t, sum.Equal(derived))
	return derived
}

func (w *licWorld) events(t testing.TB, action string) []*audit.Event {
	t.Helper()
	page, err := w.log.Query(context.Background(), audit.Scope{All: true},
		audit.Filter{CompanyID: w.company.ID, Action: action}, storage.PageRequest{Limit: 1000})
	require.NoError(t, err)
	return page.Items
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func nullDec(s string) decimal.NullDecimal { return decimal.NullDecimal{Decimal: dec(s), Valid: true} }

func runLicensing(t *testing.T, h *Harness) {
	t.Run("purchase assign list reduce", func(t *testing.T) { licPurchaseAssignListReduce(t, h) })
	t.Run("64 goroutines assign from a pool of 10", func(t *testing.T) { licConcurrentAssign(t, h) })
	t.Run("idempotent purchases", func(t *testing.T) { licIdempotentPurchases(t, h) })
	t.Run("concurrent charges never pass the credit limit", func(t *testing.T) { licConcurrentCharges(t, h) })
	t.Run("limit lowered suspends, payment lifts, both audited", func(t *testing.T) { licSuspension(t, h) })
	t.Run("reminder once per downward crossing, after commit", func(t *testing.T) { licReminders(t, h) })
	t.Run("bad input is typed and stores nothing", func(t *testing.T) { licBadInput(t, h) })
	t.Run("authorization", func(t *testing.T) { licAuthorization(t, h) })
	t.Run("plan changes follow the contract", func(t *testing.T) { licPlanChanges(t, h) })
	t.Run("subscriptions and add-ons", func(t *testing.T) { licSubscriptionsAndAddOns(t, h) })
	t.Run("subscription numbers, cancellation, add-on reduction", func(t *testing.T) { licNumbersCancelReduce(t, h) })
	t.Run("concurrent add-on reductions never go below zero", func(t *testing.T) { licConcurrentAddOnReduce(t, h) })
	t.Run("one number, concurrently claimed, goes to one subscription", func(t *testing.T) { licConcurrentNumber(t, h) })
	t.Run("store contract", func(t *testing.T) { licStoreContract(t, h) })
	t.Run("default packages join the registering transaction", func(t *testing.T) { licDefaultPackagesInTx(t, h) })
	t.Run("ledger properties", func(t *testing.T) { licLedgerProperties(t, h) })
	t.Run("ledger by date range", func(t *testing.T) { licLedgerRange(t, h) })
	t.Run("release a leaving user", func(t *testing.T) { licReleaseUser(t, h) })
	t.Run("service packages and subscription keys", func(t *testing.T) { licPackagesAndKeys(t, h) })
	t.Run("packages granted as options, edited and retired", func(t *testing.T) { licPackageOptionsEditRetire(t, h) })
	t.Run("store: assign outside a transaction is atomic", func(t *testing.T) { licAssignOutsideTxIsAtomic(t, h) })
	t.Run("store: assign a held kind is a conflict even when the pool is full", func(t *testing.T) { licAssignHeldIsConflictWhenFull(t, h) })
}

func licPurchaseAssignListReduce(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	w := newLicWorld(t, h)
	p := w.buy(t, licensing.LicensePro, 3)
	assert.True(t, p.UnitPrice.Equal(dec("10.50")))
	assert.True(t, p.Total.Equal(dec("31.50")), "total %s", p.Total)
	u1, u2, u3, u4 := w.user(), w.user(), w.user(), w.user()
	for _, u := range []string{u1, u2} {
		_, err := w.svc.AssignLicense(ctx, w.admin, w.company.ID, u, licensing.LicensePro)
		require.NoError(t, err)
	}
	_, err := w.svc.AssignLicense(ctx, w.admin, w.company.ID, u1, licensing.LicensePro)
	require.ErrorIs(t, err, storage.ErrConflict, "one license of a kind per user")
	pool := w.pool(t, licensing.LicensePro)
	assert.Equal(t, [3]int{3, 2, 1}, [3]int{pool.Bought, pool.Assigned, pool.Unassigned()})
	assert.Zero(t, w.pool(t, licensing.LicenseMobile).Bought)

	_, err = w.svc.AssignLicense(ctx, w.admin, w.company.ID, u3, licensing.LicensePro)
	require.NoError(t, err)
	_, err = w.svc.AssignLicense(ctx, w.admin, w.company.ID, u4, licensing.LicensePro)
	require.ErrorIs(t, err, storage.ErrLimitExceeded, "pool exhausted")
	_, err = w.svc.AssignLicense(ctx, w.admin, w.company.ID, u4, licensing.LicenseMobile)
	require.ErrorIs(t, err, storage.ErrLimitExceeded, "no mobile pool")

	// List users with licenses, two per page.
	var listed []string
	req := storage.PageRequest{Limit: 2}
	for {
		page, err := w.svc.Assignments(ctx, w.admin, w.company.ID, req)
		require.NoError(t, err)
		for _, a := range page.Items {
			listed = append(listed, a.UserID)
		}
		if page.NextCursor == "" {
			break
		}
		req.After = page.NextCursor
	}
	assert.ElementsMatch(t, []string{u1, u2, u3}, listed)

	require.NoError(t, w.svc.UnassignLicense(ctx, w.admin, w.company.ID, u2, licensing.LicensePro))
	require.ErrorIs(t, w.svc.UnassignLicense(ctx, w.admin, w.company.ID, u2, licensing.LicensePro), storage.ErrNotFound)
	pool, err = w.svc.ReduceLicenses(ctx, w.admin, w.company.ID, licensing.LicensePro, 1)
	require.NoError(t, err)
	assert.Equal(t, [2]int{2, 2}, [2]int{pool.Bought, pool.Assigned})
	_, err = w.svc.ReduceLicenses(ctx, w.admin, w.company.ID, licensing.LicensePro, 1)
	require.ErrorIs(t, err, storage.ErrConflict, "never below the assigned count")
	_, err = w.svc.ReduceLicenses(ctx, w.admin, w.company.ID, licensing.LicenseMobile, 1)
	require.ErrorIs(t, err, storage.ErrNotFound)
	pool = w.pool(t, licensing.LicensePro)
	assert.Equal(t, [2]int{2, 2}, [2]int{pool.Bought, pool.Assigned})

	assert.True(t, w.checkLedger(t).Equal(dec("-31.50")))
	assert.Len(t, w.events(t, "licensing.license.assign"), 3)
	assert.Len(t, w.events(t, "licensing.purchase"), 1)
}

func licConcurrentAssign(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	w := newLicWorld(t, h)
	w.buy(t, licensing.LicensePro, 10)
	const n = 64
	users := make([]string, n)
	for i := range users {
		users[i] = w.user()
	}
	var ok, full atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for _, u := range users {
		wg.Go(func() {
			_, err := w.svc.AssignLicense(ctx, w.admin, w.company.ID, u, licensing.LicensePro)
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, storage.ErrLimitExceeded):
				full.Add(1)
			default:
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.EqualValues(t, 10, ok.Load())
	assert.EqualValues(t, n-10, full.Load())
	pool := w.pool(t, licensing.LicensePro)
	assert.Equal(t, [2]int{10, 10}, [2]int{pool.Bought, pool.Assigned})
	page, err := w.svc.Assignments(ctx, w.admin, w.company.ID, storage.PageRequest{Limit: 100})
	require.NoError(t, err)
	assert.Len(t, page.Items, 10)
}

func licIdempotentPurchases(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	w := newLicWorld(t, h)
	in := licensing.LicensePurchase{Kind: licensing.LicenseMobile, Quantity: 4, IdempotencyKey: "order-1"}
	first, err := w.svc.PurchaseLicenses(ctx, w.admin, w.company.ID, in)
	require.NoError(t, err)
	again, err := w.svc.PurchaseLicenses(ctx, w.admin, w.company.ID, in)
	require.NoError(t, err)
	assert.Equal(t, first.ID, again.ID)
	assert.Equal(t, first.EntryID, again.EntryID)
	assert.True(t, first.Total.Equal(again.Total))
	assert.True(t, first.CreatedAt.Equal(again.CreatedAt))
	assert.Equal(t, 4, w.pool(t, licensing.LicenseMobile).Bought)

	changed := in
	changed.Quantity = 5
	_, err = w.svc.PurchaseLicenses(ctx, w.admin, w.company.ID, changed)
	require.ErrorIs(t, err, storage.ErrConflict, "same key, other parameters")
	_, err = w.svc.PurchaseAddOn(ctx, w.admin, w.company.ID, licensing.AddOnPurchase{Code: "recording", Quantity: 4, IdempotencyKey: "order-1"})
	require.ErrorIs(t, err, storage.ErrConflict, "same key, other operation")
	_, err = w.svc.RecordPayment(ctx, w.resellerAdmin, w.company.ID, licensing.MoneyInput{Amount: dec("1"), IdempotencyKey: "order-1"})
	require.ErrorIs(t, err, storage.ErrConflict, "keys are per company across operations")

	// The same key in another company is another request.
	other := newLicWorld(t, h)
	_, err = other.svc.PurchaseLicenses(ctx, other.admin, other.company.ID, in)
	require.NoError(t, err)

	// Concurrent requests with one key: one purchase, everyone gets it.
	in2 := licensing.LicensePurchase{Kind: licensing.LicensePro, Quantity: 2, IdempotencyKey: "order-2"}
	const n = 16
	ids := make(chan string, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			p, err := w.svc.PurchaseLicenses(ctx, w.admin, w.company.ID, in2)
			if err != nil {
				errs <- err
				return
			}
			ids <- p.ID
		})
	}
	wg.Wait()
	close(ids)
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	seen := map[string]int{}
	for id := range ids {
		seen[id]++
	}
	assert.Len(t, seen, 1, "one purchase")
	assert.Equal(t, 2, w.pool(t, licensing.LicensePro).Bought)
	page, err := w.svc.Ledger(ctx, w.admin, w.company.ID, storage.PageRequest{})
	require.NoError(t, err)
	assert.Len(t, page.Items, 2, "two charges in all")
	assert.True(t, w.checkLedger(t).Equal(dec("-41.00")))
	assert.Len(t, w.events(t, "licensing.purchase"), 2)

	// Idempotent payments.
	pay := licensing.MoneyInput{Amount: dec("41"), Description: "invoice 7", IdempotencyKey: "pay-7"}
	e1, err := w.svc.RecordPayment(ctx, w.resellerAdmin, w.company.ID, pay)
	require.NoError(t, err)
	e2, err := w.svc.RecordPayment(ctx, w.resellerAdmin, w.company.ID, pay)
	require.NoError(t, err)
	assert.Equal(t, e1.ID, e2.ID)
	assert.True(t, w.checkLedger(t).IsZero())
}

func licConcurrentCharges(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	w := newLicWorld(t, h)
	_, err := w.svc.SetCreditTerms(ctx, w.resellerAdmin, w.company.ID, licensing.CreditTerms{CreditLimit: nullDec("100")})
	require.NoError(t, err)
	const n = 40
	var ok, refused atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			_, err := w.svc.Charge(ctx, w.resellerAdmin, w.company.ID,
				licensing.MoneyInput{Amount: dec("7.00"), IdempotencyKey: fmt.Sprint("c-", i)})
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, storage.ErrLimitExceeded):
				refused.Add(1)
			default:
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.EqualValues(t, 14, ok.Load(), "floor(100 / 7) charges fit")
	assert.EqualValues(t, n-14, refused.Load())
	bal := w.checkLedger(t)
	assert.True(t, bal.Equal(dec("-98")), "balance %s", bal)
	assert.False(t, w.credit(t).Suspended)
	// A purchase past the limit is refused too, and stores nothing.
	_, err = w.svc.PurchaseLicenses(ctx, w.admin, w.company.ID,
		licensing.LicensePurchase{Kind: licensing.LicenseMobile, Quantity: 1, IdempotencyKey: "too-much"})
	require.ErrorIs(t, err, storage.ErrLimitExceeded)
	assert.Zero(t, w.pool(t, licensing.LicenseMobile).Bought)
	assert.True(t, w.checkLedger(t).Equal(dec("-98")))
}

func licSuspension(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	w := newLicWorld(t, h)
	_, err := w.svc.SetCreditTerms(ctx, w.resellerAdmin, w.company.ID, licensing.CreditTerms{CreditLimit: nullDec("50")})
	require.NoError(t, err)
	_, err = w.svc.Charge(ctx, w.resellerAdmin, w.company.ID, licensing.MoneyInput{Amount: dec("40"), IdempotencyKey: "c1"})
	require.NoError(t, err)
	susp, err := w.svc.Suspended(ctx, w.company.ID)
	require.NoError(t, err)
	assert.False(t, susp)

	st, err := w.svc.SetCreditTerms(ctx, w.resellerAdmin, w.company.ID, licensing.CreditTerms{CreditLimit: nullDec("30")})
	require.NoError(t, err)
	assert.True(t, st.Suspended)
	susp, err = w.svc.Suspended(ctx, w.company.ID)
	require.NoError(t, err)
	assert.True(t, susp)
	require.Len(t, w.events(t, "licensing.credit.suspend"), 1)

	_, err = w.svc.Charge(ctx, w.resellerAdmin, w.company.ID, licensing.MoneyInput{Amount: dec("1"), IdempotencyKey: "c2"})
	require.ErrorIs(t, err, storage.ErrSuspended)
	_, err = w.svc.PurchaseLicenses(ctx, w.admin, w.company.ID, licensing.LicensePurchase{Kind: licensing.LicensePro, Quantity: 1, IdempotencyKey: "p1"})
	require.ErrorIs(t, err, storage.ErrSuspended)

	_, err = w.svc.RecordPayment(ctx, w.resellerAdmin, w.company.ID, licensing.MoneyInput{Amount: dec("5"), IdempotencyKey: "pay1"})
	require.NoError(t, err)
	susp, _ = w.svc.Suspended(ctx, w.company.ID)
	assert.True(t, susp, "-35 is still past -30")
	_, err = w.svc.RecordPayment(ctx, w.resellerAdmin, w.company.ID, licensing.MoneyInput{Amount: dec("5"), IdempotencyKey: "pay2"})
	require.NoError(t, err)
	susp, _ = w.svc.Suspended(ctx, w.company.ID)
	assert.False(t, susp, "-30 is exactly the limit: allowed")
	require.Len(t, w.events(t, "licensing.credit.resume"), 1)
	require.Len(t, w.events(t, "licensing.credit.suspend"), 1)

	unknown, err := w.svc.Suspended(ctx, storage.NewID())
	require.NoError(t, err)
	assert.False(t, unknown)
	w.checkLedger(t)
}

func licReminders(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	w := newLicWorld(t, h)
	_, err := w.svc.SetCreditTerms(ctx, w.resellerAdmin, w.company.ID,
		licensing.CreditTerms{CreditLimit: nullDec("1000"), ReminderThreshold: nullDec("-20")})
	require.NoError(t, err)
	charge := func(amount, key string) {
		t.Helper()
		_, err := w.svc.Charge(ctx, w.resellerAdmin, w.company.ID, licensing.MoneyInput{Amount: dec(amount), IdempotencyKey: key})
		require.NoError(t, err)
	}
	pay := func(amount, key string) {
		t.Helper()
		_, err := w.svc.RecordPayment(ctx, w.resellerAdmin, w.company.ID, licensing.MoneyInput{Amount: dec(amount), IdempotencyKey: key})
		require.NoError(t, err)
	}
	charge("10", "a") // -10
	assert.Equal(t, 0, w.reminders.count())
	charge("10", "b") // -20: reached exactly
	assert.Equal(t, 1, w.reminders.count())
	charge("10", "c") // -30: still below, no repeat
	charge("10", "b") // retried request: no new entry, no reminder
	assert.Equal(t, 1, w.reminders.count())
	pay("10", "d") // -20: at the threshold, not above: stays disarmed
	charge("1", "e")
	assert.Equal(t, 1, w.reminders.count())
	pay("25", "f") // +4: above, re-armed
	charge("24", "g")
	assert.Equal(t, 2, w.reminders.count())
	// A rolled-back use case sends nothing.
	boom := errors.New("boom")
	err = h.Tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := w.svc.RecordPayment(ctx, w.resellerAdmin, w.company.ID, licensing.MoneyInput{Amount: dec("100"), IdempotencyKey: "h"}); err != nil {
			return err
		}
		if _, err := w.svc.Charge(ctx, w.resellerAdmin, w.company.ID, licensing.MoneyInput{Amount: dec("100"), IdempotencyKey: "i"}); err != nil {
			return err
		}
		return boom
	})
	require.ErrorIs(t, err, boom)
	assert.Equal(t, 2, w.reminders.count())
	got := w.reminders.all()
	assert.True(t, got[0].Balance.Equal(dec("-20")))
	assert.True(t, got[1].Threshold.Equal(dec("-20")))
	w.checkLedger(t)
}

func licBadInput(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	w := newLicWorld(t, h)
	other := newLicWorld(t, h)
	stranger := other.user()
	field := func(err error, name string) {
		t.Helper()
		var verr *storage.ValidationError
		require.ErrorAs(t, err, &verr)
		_, ok := verr.Field(name)
		assert.True(t, ok, "names %s: %v", name, err)
	}
	for _, q := range []int{0, -3} {
		_, err := w.svc.PurchaseLicenses(ctx, w.admin, w.company.ID, licensing.LicensePurchase{Kind: licensing.LicensePro, Quantity: q, IdempotencyKey: "k"})
		field(err, "quantity")
		_, err = w.svc.PurchaseSubscriptions(ctx, w.admin, w.company.ID, licensing.SubscriptionPurchase{Kind: licensing.SubscriptionMobile, Quantity: q, IdempotencyKey: "k"})
		field(err, "quantity")
		_, err = w.svc.PurchaseAddOn(ctx, w.admin, w.company.ID, licensing.AddOnPurchase{Code: "recording", Quantity: q, IdempotencyKey: "k"})
		field(err, "quantity")
		_, err = w.svc.ReduceLicenses(ctx, w.admin, w.company.ID, licensing.LicensePro, q)
		field(err, "quantity")
	}
	_, err := w.svc.PurchaseLicenses(ctx, w.admin, w.company.ID, licensing.LicensePurchase{Kind: "gold", Quantity: 1, IdempotencyKey: "k"})
	field(err, "kind")
	_, err = w.svc.PurchaseSubscriptions(ctx, w.admin, w.company.ID, licensing.SubscriptionPurchase{Kind: "satellite", Quantity: 1, IdempotencyKey: "k"})
	field(err, "kind")
	_, err = w.svc.PurchaseAddOn(ctx, w.admin, w.company.ID, licensing.AddOnPurchase{Code: "teleport", Quantity: 1, IdempotencyKey: "k"})
	require.ErrorIs(t, err, licensing.ErrNoPrice) // no agreed price: a precondition, not bad input
	require.ErrorIs(t, err, storage.ErrPrecondition)
	_, err = w.svc.PurchaseLicenses(ctx, w.admin, w.company.ID, licensing.LicensePurchase{Kind: licensing.LicensePro, Quantity: 1})
	field(err, "idempotency_key")
	_, err = w.svc.AssignLicense(ctx, w.admin, w.company.ID, w.user(), "gold")
	field(err, "kind")
	_, err = w.svc.AssignLicense(ctx, w.admin, w.company.ID, stranger, licensing.LicensePro)
	field(err, "user_id")

	err = w.svc.SetAgreement(ctx, w.resellerAdmin, w.company.ID, map[licensing.Item]decimal.Decimal{
		licensing.LicenseItem(licensing.LicensePro): dec("9.999"),
		"license.gold": dec("1"),
	})
	field(err, "prices.license.pro")
	field(err, "prices.license.gold")
	_, err = w.svc.SetCreditTerms(ctx, w.resellerAdmin, w.company.ID, licensing.CreditTerms{CreditLimit: nullDec("-5"), ReminderThreshold: nullDec("0.001")})
	field(err, "credit_limit")
	field(err, "reminder_threshold")
	for _, amount := range []string{"1.005", "0", "-2"} {
		_, err = w.svc.RecordPayment(ctx, w.resellerAdmin, w.company.ID, licensing.MoneyInput{Amount: dec(amount), IdempotencyKey: "k"})
		field(err, "amount")
		_, err = w.svc.Charge(ctx, w.resellerAdmin, w.company.ID, licensing.MoneyInput{Amount: dec(amount), IdempotencyKey: "k"})
		field(err, "amount")
	}

	// Nothing was stored: no pool, no entry, the agreement unchanged,
	// no subscription, no add-on, and only the setup's audit event.
	for _, p := range []licensing.LicenseKind{licensing.LicensePro, licensing.LicenseMobile} {
		assert.Zero(t, w.pool(t, p).Bought)
	}
	assert.True(t, w.checkLedger(t).IsZero())
	page, err := w.svc.Ledger(ctx, w.admin, w.company.ID, storage.PageRequest{})
	require.NoError(t, err)
	assert.Empty(t, page.Items)
	acct, err := w.svc.Account(ctx, w.admin, w.company.ID)
	require.NoError(t, err)
	assert.True(t, acct.Prices[licensing.LicenseItem(licensing.LicensePro)].Equal(dec("10.50")))
	assert.False(t, acct.CreditLimit.Valid)
	subs, err := w.svc.Subscriptions(ctx, w.admin, w.company.ID, licensing.SubscriptionFilter{}, storage.PageRequest{})
	require.NoError(t, err)
	assert.Empty(t, subs.Items)
	addOns, err := w.svc.AddOns(ctx, w.admin, w.company.ID)
	require.NoError(t, err)
	assert.Empty(t, addOns)
	all, err := w.log.Query(ctx, audit.Scope{All: true}, audit.Filter{CompanyID: w.company.ID}, storage.PageRequest{})
	require.NoError(t, err)
	require.Len(t, all.Items, 1)
	assert.Equal(t, "licensing.agreement.set", all.Items[0].Action)
}

func licAuthorization(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	w := newLicWorld(t, h)
	operator := w.dir.AddMember(w.company, tenancy.RoleOperator, "")
	other := newLicWorld(t, h)
	otherReseller := other.resellerAdmin
	buy := licensing.LicensePurchase{Kind: licensing.LicensePro, Quantity: 1, IdempotencyKey: "k"}
	_, err := w.svc.PurchaseLicenses(ctx, operator, w.company.ID, buy)
	require.ErrorIs(t, err, storage.ErrForbidden)
	_, err = w.svc.PurchaseLicenses(ctx, other.admin, w.company.ID, buy)
	require.ErrorIs(t, err, storage.ErrForbidden)
	_, err = w.svc.Pools(ctx, other.admin, w.company.ID)
	require.ErrorIs(t, err, storage.ErrForbidden)
	_, err = w.svc.SetCreditTerms(ctx, w.admin, w.company.ID, licensing.CreditTerms{CreditLimit: nullDec("1000000")})
	require.ErrorIs(t, err, storage.ErrForbidden, "a company never sets its own credit")
	_, err = w.svc.SetCreditTerms(ctx, otherReseller, w.company.ID, licensing.CreditTerms{CreditLimit: nullDec("1")})
	require.ErrorIs(t, err, storage.ErrForbidden, "another reseller")
	_, err = w.svc.RecordPayment(ctx, w.admin, w.company.ID, licensing.MoneyInput{Amount: dec("1"), IdempotencyKey: "k"})
	require.ErrorIs(t, err, storage.ErrForbidden)
	require.ErrorIs(t, w.svc.SetAgreement(ctx, w.admin, w.company.ID, nil), storage.ErrForbidden)
	_, err = w.svc.SetCreditTerms(ctx, w.platform, w.company.ID, licensing.CreditTerms{CreditLimit: nullDec("5")})
	require.NoError(t, err, "the platform may")
	_, err = w.svc.Pools(ctx, w.resellerAdmin, w.company.ID)
	require.NoError(t, err, "the reseller sees its affiliate")
	_, err = w.svc.Pools(ctx, w.admin, storage.NewID())
	require.ErrorIs(t, err, storage.ErrNotFound)
}

func licPlanChanges(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	w := newLicWorld(t, h)
	ends := time.Now().Add(90 * 24 * time.Hour).UTC().Truncate(time.Microsecond)
	require.NoError(t, w.svc.SetContract(ctx, w.resellerAdmin, w.company.ID, licensing.Contract{Kind: licensing.ContractFixedTerm, EndsAt: ends}))
	d, err := w.svc.ChangePlan(ctx, w.admin, w.company.ID, licensing.TierUnlimited)
	require.NoError(t, err)
	assert.True(t, d.Allowed)
	assert.Equal(t, licensing.ReasonUpgrade, d.Reason)
	assert.False(t, d.EffectiveAt.IsZero())
	d, err = w.svc.ChangePlan(ctx, w.admin, w.company.ID, licensing.TierLight)
	require.ErrorIs(t, err, storage.ErrConflict)
	assert.False(t, d.Allowed)
	assert.Equal(t, licensing.ReasonFixedTerm, d.Reason)
	assert.True(t, d.NotBefore.Equal(ends), "not before %s, want %s", d.NotBefore, ends)
	acct, err := w.svc.Account(ctx, w.admin, w.company.ID)
	require.NoError(t, err)
	assert.Equal(t, licensing.TierUnlimited, acct.Plan.Tier)
	assert.True(t, acct.Plan.Contract.EndsAt.Equal(ends))

	require.NoError(t, w.svc.SetContract(ctx, w.resellerAdmin, w.company.ID, licensing.Contract{Kind: licensing.ContractOngoing}))
	d, err = w.svc.PreviewPlanChange(ctx, w.admin, w.company.ID, licensing.TierLight)
	require.NoError(t, err)
	assert.True(t, d.Allowed)
	d, err = w.svc.ChangePlan(ctx, w.admin, w.company.ID, licensing.TierLight)
	require.NoError(t, err)
	assert.Equal(t, licensing.ReasonDowngradeOngoing, d.Reason)
	_, err = w.svc.ChangePlan(ctx, w.admin, w.company.ID, "platinum")
	require.ErrorIs(t, err, storage.ErrInvalid)
	require.ErrorIs(t, w.svc.SetContract(ctx, w.resellerAdmin, w.company.ID, licensing.Contract{Kind: licensing.ContractFixedTerm}), storage.ErrInvalid)
	require.ErrorIs(t, w.svc.SetContract(ctx, w.admin, w.company.ID, licensing.Contract{Kind: licensing.ContractOngoing}), storage.ErrForbidden)
	assert.Len(t, w.events(t, "licensing.plan.change"), 2)
}

func licSubscriptionsAndAddOns(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	w := newLicWorld(t, h)
	stranger := newLicWorld(t, h).user()
	p, err := w.svc.PurchaseSubscriptions(ctx, w.admin, w.company.ID,
		licensing.SubscriptionPurchase{Kind: licensing.SubscriptionMobile, Quantity: 3, IdempotencyKey: "s1"})
	require.NoError(t, err)
	require.Len(t, p.SubscriptionIDs, 3)
	assert.True(t, p.Total.Equal(dec("9.30")))
	_, err = w.svc.PurchaseSubscriptions(ctx, w.admin, w.company.ID,
		licensing.SubscriptionPurchase{Kind: licensing.SubscriptionLandline, Quantity: 1, IdempotencyKey: "s2"})
	require.NoError(t, err)
	u := w.user()
	sub := p.SubscriptionIDs[1]
	require.NoError(t, w.svc.AssignSubscription(ctx, w.admin, w.company.ID, sub, u))
	require.ErrorIs(t, w.svc.AssignSubscription(ctx, w.admin, w.company.ID, sub, w.user()), storage.ErrConflict)
	require.ErrorIs(t, w.svc.AssignSubscription(ctx, w.admin, w.company.ID, p.SubscriptionIDs[0], stranger), storage.ErrInvalid)
	require.ErrorIs(t, w.svc.AssignSubscription(ctx, w.admin, w.company.ID, storage.NewID(), u), storage.ErrNotFound)

	list := func(f licensing.SubscriptionFilter) []licensing.Subscription {
		t.Helper()
		var out []licensing.Subscription
		req := storage.PageRequest{Limit: 1}
		for {
			page, err := w.svc.Subscriptions(ctx, w.admin, w.company.ID, f, req)
			require.NoError(t, err)
			out = append(out, page.Items...)
			if page.NextCursor == "" {
				return out
			}
			req.After = page.NextCursor
		}
	}
	yes, no := true, false
	assigned := list(licensing.SubscriptionFilter{Assigned: &yes})
	require.Len(t, assigned, 1)
	assert.Equal(t, u, assigned[0].UserID)
	assert.Len(t, list(licensing.SubscriptionFilter{Assigned: &no}), 3)
	assert.Len(t, list(licensing.SubscriptionFilter{Kind: licensing.SubscriptionMobile, Assigned: &no}), 2)
	assert.Len(t, list(licensing.SubscriptionFilter{}), 4)
	require.NoError(t, w.svc.UnassignSubscription(ctx, w.admin, w.company.ID, sub))
	require.ErrorIs(t, w.svc.UnassignSubscription(ctx, w.admin, w.company.ID, sub), storage.ErrConflict)
	assert.Empty(t, list(licensing.SubscriptionFilter{Assigned: &yes}))

	for i, q := range []int{2, 3} {
		_, err := w.svc.PurchaseAddOn(ctx, w.admin, w.company.ID,
			licensing.AddOnPurchase{Code: "recording", Quantity: q, IdempotencyKey: fmt.Sprint("a", i)})
		require.NoError(t, err)
	}
	addOns, err := w.svc.AddOns(ctx, w.admin, w.company.ID)
	require.NoError(t, err)
	require.Len(t, addOns, 1)
	assert.Equal(t, 5, addOns[0].Quantity)
	assert.True(t, w.checkLedger(t).Equal(dec("-19.55")), "9.30 + 4 + 5 × 1.25")
}

func licStoreContract(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	st := h.Licensing
	company := storage.NewID()
	_, err := st.LockAccount(ctx, company)
	require.ErrorIs(t, err, storage.ErrInvalid, "LockAccount outside a transaction")
	_, err = st.Account(ctx, company)
	require.ErrorIs(t, err, storage.ErrNotFound)

	// Exact decimals and microsecond times round-trip on every backend.
	ends := time.Date(2027, 3, 31, 23, 59, 59, 123456000, time.UTC)
	big := dec("999999999999999.99")
	require.NoError(t, h.Tx.InTx(ctx, func(ctx context.Context) error {
		a, err := st.LockAccount(ctx, company)
		require.NoError(t, err)
		assert.Equal(t, licensing.NewAccount(company).Plan, a.Plan, "a new account is the default")
		a.Plan = licensing.Plan{Tier: licensing.TierUnlimited, Contract: licensing.Contract{Kind: licensing.ContractFixedTerm, EndsAt: ends}}
		a.Prices = map[licensing.Item]decimal.Decimal{licensing.LicenseItem(licensing.LicensePro): dec("0.01"), licensing.AddOnItem("x"): big}
		a.CreditLimit = nullDec("123456789012.34")
		a.Balance = dec("-0.07")
		a.LastSeq = 1
		require.NoError(t, st.AppendEntry(ctx, licensing.LedgerEntry{ID: storage.NewID(), CompanyID: company, Seq: 1,
			Kind: licensing.EntryAdjustment, Amount: dec("-0.07"), BalanceAfter: dec("-0.07"), CreatedAt: time.Now()}))
		return st.SaveAccount(ctx, a)
	}))
	err = h.Tx.InTx(ctx, func(ctx context.Context) error {
		return st.AppendEntry(ctx, licensing.LedgerEntry{ID: storage.NewID(), CompanyID: company, Seq: 1,
			Kind: licensing.EntryAdjustment, Amount: dec("1"), BalanceAfter: dec("1"), CreatedAt: time.Now()})
	})
	require.ErrorIs(t, err, storage.ErrConflict, "one entry per sequence number")
	a, err := st.Account(ctx, company)
	require.NoError(t, err)
	assert.True(t, a.Plan.Contract.EndsAt.Equal(ends), "ends_at %s", a.Plan.Contract.EndsAt)
	assert.Equal(t, licensing.TierUnlimited, a.Plan.Tier)
	assert.True(t, a.Prices[licensing.LicenseItem(licensing.LicensePro)].Equal(dec("0.01")))
	assert.True(t, a.Prices[licensing.AddOnItem("x")].Equal(big))
	assert.True(t, a.CreditLimit.Valid && a.CreditLimit.Decimal.Equal(dec("123456789012.34")))
	assert.False(t, a.ReminderThreshold.Valid)
	assert.True(t, a.Balance.Equal(dec("-0.07")))
	es, err := st.Entries(ctx, company, 0, 10)
	require.NoError(t, err)
	require.Len(t, es, 1)
	assert.True(t, es[0].Amount.Equal(dec("-0.07")))

	rec := licensing.IdempotencyRecord{CompanyID: company, Key: "k", RequestHash: "h", Result: []byte(`{"a":1}`), CreatedAt: time.Now()}
	require.NoError(t, st.SaveIdempotent(ctx, rec))
	require.ErrorIs(t, st.SaveIdempotent(ctx, rec), storage.ErrConflict)
	got, err := st.Idempotent(ctx, company, "k")
	require.NoError(t, err)
	assert.JSONEq(t, `{"a":1}`, string(got.Result))
	_, err = st.Idempotent(ctx, company, "other")
	require.ErrorIs(t, err, storage.ErrNotFound)
}

func licDefaultPackagesInTx(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	w := newLicWorld(t, h)
	pkg, err := w.svc.DefinePackage(ctx, w.resellerAdmin, w.reseller.ID, licensing.PackageInput{Name: "Default"})
	require.NoError(t, err)
	require.NoError(t, w.svc.SetPackageOffer(ctx, w.admin, w.company.ID, pkg.ID, true, true))
	user := w.user()
	boom := errors.New("registration failed later")
	err = h.Tx.InTx(ctx, func(ctx context.Context) error {
		got, err := w.svc.GrantDefaultPackages(ctx, w.admin, w.company.ID, user)
		require.NoError(t, err)
		require.Equal(t, []string{pkg.ID}, got)
		return boom
	})
	require.ErrorIs(t, err, boom)
	held, err := w.svc.UserPackages(ctx, w.admin, w.company.ID, user)
	require.NoError(t, err)
	assert.Empty(t, held, "rolled back with the registration")
	_, err = w.svc.GrantDefaultPackages(ctx, w.dir.AddMember(w.company, tenancy.RoleOperator, ""), w.company.ID, user)
	require.ErrorIs(t, err, storage.ErrForbidden, "an operator registers nobody")
}

func licLedgerProperties(t *testing.T, h *Harness) {
	t.Parallel()
	LedgerProperties(t, h, 3, 40)
}

func licReleaseUser(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	w := newLicWorld(t, h)
	w.buy(t, licensing.LicensePro, 2)
	w.buy(t, licensing.LicenseMobile, 1)
	p, err := w.svc.PurchaseSubscriptions(ctx, w.admin, w.company.ID,
		licensing.SubscriptionPurchase{Kind: licensing.SubscriptionLandline, Quantity: 3, IdempotencyKey: "s"})
	require.NoError(t, err)
	leaving, staying := w.user(), w.user()
	for _, k := range []licensing.LicenseKind{licensing.LicensePro, licensing.LicenseMobile} {
		_, err := w.svc.AssignLicense(ctx, w.admin, w.company.ID, leaving, k)
		require.NoError(t, err)
	}
	_, err = w.svc.AssignLicense(ctx, w.admin, w.company.ID, staying, licensing.LicensePro)
	require.NoError(t, err)
	require.NoError(t, w.svc.AssignSubscription(ctx, w.admin, w.company.ID, p.SubscriptionIDs[0], leaving))
	require.NoError(t, w.svc.AssignSubscription(ctx, w.admin, w.company.ID, p.SubscriptionIDs[2], leaving))
	require.NoError(t, w.svc.AssignSubscription(ctx, w.admin, w.company.ID, p.SubscriptionIDs[1], staying))

	got, err := w.svc.ReleaseUser(ctx, w.admin, w.company.ID, leaving)
	require.NoError(t, err)
	assert.ElementsMatch(t, []licensing.LicenseKind{licensing.LicensePro, licensing.LicenseMobile}, got.Licenses)
	assert.ElementsMatch(t, []string{p.SubscriptionIDs[0], p.SubscriptionIDs[2]}, got.Subscriptions)
	assert.Equal(t, 1, w.pool(t, licensing.LicensePro).Assigned)
	assert.Equal(t, 0, w.pool(t, licensing.LicenseMobile).Assigned)
	page, err := w.svc.Assignments(ctx, w.admin, w.company.ID, storage.PageRequest{})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	assert.Equal(t, staying, page.Items[0].UserID)
	yes := true
	subs, err := w.svc.Subscriptions(ctx, w.admin, w.company.ID, licensing.SubscriptionFilter{Assigned: &yes}, storage.PageRequest{})
	require.NoError(t, err)
	require.Len(t, subs.Items, 1)
	assert.Equal(t, staying, subs.Items[0].UserID)
	again, err := w.svc.ReleaseUser(ctx, w.admin, w.company.ID, leaving)
	require.NoError(t, err)
	assert.Empty(t, again.Licenses)
	assert.Empty(t, again.Subscriptions)
}

func licPackagesAndKeys(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	w := newLicWorld(t, h)
	other := newLicWorld(t, h)
	suffix := storage.NewID()
	platformPkg, err := w.svc.DefinePackage(ctx, w.platform, "", licensing.PackageInput{Name: "Basic " + suffix})
	require.NoError(t, err)
	resellerPkg, err := w.svc.DefinePackage(ctx, w.resellerAdmin, w.reseller.ID, licensing.PackageInput{Name: "Contact centre"})
	require.NoError(t, err)
	foreignPkg, err := other.svc.DefinePackage(ctx, other.resellerAdmin, other.reseller.ID, licensing.PackageInput{Name: "Contact centre"})
	require.NoError(t, err, "names are per owner")
	_, err = w.svc.DefinePackage(ctx, w.resellerAdmin, w.reseller.ID, licensing.PackageInput{Name: "Contact centre"})
	require.ErrorIs(t, err, storage.ErrConflict)
	_, err = w.svc.DefinePackage(ctx, w.admin, w.company.ID, licensing.PackageInput{Name: "Mine"})
	require.ErrorIs(t, err, storage.ErrForbidden, "company admins never define packages")
	_, err = w.svc.DefinePackage(ctx, w.resellerAdmin, "", licensing.PackageInput{Name: "Global"})
	require.ErrorIs(t, err, storage.ErrForbidden, "only the platform defines platform packages")
	_, err = w.svc.DefinePackage(ctx, w.platform, w.company.ID, licensing.PackageInput{Name: "X"})
	require.ErrorIs(t, err, storage.ErrInvalid, "a regular company owns no catalogue")

	require.ErrorIs(t, w.svc.SetPackageOffer(ctx, w.admin, w.company.ID, platformPkg.ID, false, true), storage.ErrInvalid, "default implies offered")
	require.ErrorIs(t, w.svc.SetPackageOffer(ctx, w.admin, w.company.ID, foreignPkg.ID, true, false), storage.ErrNotFound)
	require.ErrorIs(t, w.svc.SetPackageOffer(ctx, w.dir.AddMember(w.company, tenancy.RoleOperator, ""), w.company.ID, platformPkg.ID, true, false), storage.ErrForbidden)
	require.NoError(t, w.svc.SetPackageOffer(ctx, w.admin, w.company.ID, platformPkg.ID, true, true))
	require.NoError(t, w.svc.SetPackageOffer(ctx, w.admin, w.company.ID, resellerPkg.ID, true, false))

	choices, err := w.svc.PackageChoices(ctx, w.admin, w.company.ID)
	require.NoError(t, err)
	byID := map[string]licensing.PackageChoice{}
	for _, c := range choices {
		byID[c.Package.ID] = c
	}
	assert.NotContains(t, byID, foreignPkg.ID)
	assert.Equal(t, [2]bool{true, true}, [2]bool{byID[platformPkg.ID].Offered, byID[platformPkg.ID].Default})
	assert.Equal(t, [2]bool{true, false}, [2]bool{byID[resellerPkg.ID].Offered, byID[resellerPkg.ID].Default})

	newUser := w.user()
	got, err := w.svc.GrantDefaultPackages(ctx, w.admin, w.company.ID, newUser)
	require.NoError(t, err)
	assert.Equal(t, []string{platformPkg.ID}, got)
	held, err := w.svc.UserPackages(ctx, w.admin, w.company.ID, newUser)
	require.NoError(t, err)
	assert.Equal(t, []string{platformPkg.ID}, held)
	_, err = w.svc.GrantDefaultPackages(ctx, w.admin, w.company.ID, other.user())
	require.ErrorIs(t, err, storage.ErrInvalid)

	_, err = w.svc.AddSubscriptionKey(ctx, w.admin, w.company.ID, licensing.KeyInput{Code: "KEY-1"})
	require.ErrorIs(t, err, storage.ErrForbidden, "company admins cannot add keys")
	k1, err := w.svc.AddSubscriptionKey(ctx, w.resellerAdmin, w.company.ID, licensing.KeyInput{Code: "KEY-1"})
	require.NoError(t, err)
	_, err = w.svc.AddSubscriptionKey(ctx, w.platform, w.company.ID, licensing.KeyInput{Code: "KEY-2"})
	require.NoError(t, err)
	_, err = w.svc.AddSubscriptionKey(ctx, w.resellerAdmin, w.company.ID, licensing.KeyInput{Code: "KEY-1"})
	require.ErrorIs(t, err, storage.ErrConflict)
	_, err = w.svc.AddSubscriptionKey(ctx, w.resellerAdmin, w.company.ID, licensing.KeyInput{Code: ""})
	require.ErrorIs(t, err, storage.ErrInvalid)
	require.ErrorIs(t, w.svc.RemoveSubscriptionKey(ctx, w.admin, w.company.ID, k1.ID), storage.ErrForbidden)
	require.NoError(t, w.svc.RemoveSubscriptionKey(ctx, w.resellerAdmin, w.company.ID, k1.ID))
	require.ErrorIs(t, w.svc.RemoveSubscriptionKey(ctx, w.resellerAdmin, w.company.ID, k1.ID), storage.ErrNotFound)
	keys, err := w.svc.SubscriptionKeys(ctx, w.admin, w.company.ID)
	require.NoError(t, err)
	require.Len(t, keys, 1)
	assert.Equal(t, "KEY-2", keys[0].Code)
}

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

// LedgerProperties runs seeded random sequences of charges, payments,
// adjustments and credit-term changes and checks after every step that the
// running balance is the model's sum, the suspension state is balance <
// -limit, and reminders fired exactly once per downward crossing; at the
// end, that the ledger's entries sum to the running balance.
func LedgerProperties(t *testing.T, h *Harness, seeds, steps int) {
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
			dir := tenancytest.NewDirectory()
			svc := licensing.NewService(h.Tx, h.Licensing, dir, audit.NewLog(h.Audit), h.Outbox)
			reseller := dir.AddCompany(tenancy.CompanyRef{Kind: tenancy.KindReseller})
			boss := dir.AddMember(reseller, tenancy.RoleResellerAdmin, "")
			company := dir.AddCompany(tenancy.CompanyRef{ResellerID: reseller.ID})
			fired := reminders{fx: h.effects(), company: company.ID}
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
				require.Equal(t, m.reminders, fired.count(), "step %d (%s): reminders", step, what)
			}
			totalReminders.Add(int64(fired.count()))
			derived, err := svc.LedgerBalance(ctx, boss, company.ID)
			require.NoError(t, err)
			require.True(t, derived.Equal(m.balance), "ledger sum %s, model %s", derived, m.balance)
		})
	}
}

// testNumber is an E.164 number no other run of the suite is likely to
// hold: numbers are unique on the whole platform, and a SQL test database
// outlives one run.
func testNumber() string { return fmt.Sprintf("+44%012d", rand.Int64N(1e12)) }

func licNumbersCancelReduce(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	w, other := newLicWorld(t, h), newLicWorld(t, h)
	buy := func(w *licWorld) []string {
		t.Helper()
		p, err := w.svc.PurchaseSubscriptions(ctx, w.admin, w.company.ID,
			licensing.SubscriptionPurchase{Kind: licensing.SubscriptionMobile, Quantity: 2, IdempotencyKey: storage.NewID()})
		require.NoError(t, err)
		return p.SubscriptionIDs
	}
	mine, theirs := buy(w), buy(other)
	number, second := testNumber(), testNumber()

	sub, err := w.svc.SetSubscriptionPhone(ctx, w.admin, w.company.ID, mine[0], licensing.SubscriptionPhone{Phone: number})
	require.NoError(t, err)
	assert.Equal(t, number, sub.Phone)
	assert.Len(t, w.events(t, "licensing.subscription.phone"), 1)
	_, err = w.svc.SetSubscriptionPhone(ctx, w.admin, w.company.ID, mine[0], licensing.SubscriptionPhone{Phone: number})
	require.NoError(t, err, "the number it has")
	assert.Len(t, w.events(t, "licensing.subscription.phone"), 1, "setting the same number records nothing")

	// Bad input: a field error, nothing stored, nothing audited.
	for _, bad := range []string{"89161234567", "+0123456789", "+7 916", "+1234"} {
		_, err := w.svc.SetSubscriptionPhone(ctx, w.admin, w.company.ID, mine[1], licensing.SubscriptionPhone{Phone: bad})
		RequireInvalid(t, err, "phone")
	}
	// Unique on the platform: the same company's other subscription, and
	// another company's, are refused.
	_, err = w.svc.SetSubscriptionPhone(ctx, w.admin, w.company.ID, mine[1], licensing.SubscriptionPhone{Phone: number})
	require.ErrorIs(t, err, storage.ErrConflict)
	_, err = other.svc.SetSubscriptionPhone(ctx, other.admin, other.company.ID, theirs[0], licensing.SubscriptionPhone{Phone: number})
	require.ErrorIs(t, err, storage.ErrConflict)
	require.NotRegexp(t, `(?i)constraint|duplicate|unique|licensing_subscriptions`, err.Error(), "the database's wording stays inside")
	_, err = w.svc.SetSubscriptionPhone(ctx, w.admin, w.company.ID, theirs[0], licensing.SubscriptionPhone{Phone: second})
	require.ErrorIs(t, err, storage.ErrNotFound, "another company's subscription")
	_, err = w.svc.SetSubscriptionPhone(ctx, w.admin, w.company.ID, storage.NewID(), licensing.SubscriptionPhone{Phone: second})
	require.ErrorIs(t, err, storage.ErrNotFound)
	// Several subscriptions without a number coexist.
	_, err = w.svc.SetSubscriptionPhone(ctx, w.admin, w.company.ID, mine[1], licensing.SubscriptionPhone{Phone: second})
	require.NoError(t, err)
	_, err = w.svc.SetSubscriptionPhone(ctx, w.admin, w.company.ID, mine[1], licensing.SubscriptionPhone{})
	require.NoError(t, err)
	_, err = other.svc.SetSubscriptionPhone(ctx, other.admin, other.company.ID, theirs[1], licensing.SubscriptionPhone{Phone: second})
	require.NoError(t, err, "a removed number is free")
	assert.Len(t, w.events(t, "licensing.subscription.phone"), 3)

	page, err := w.svc.Subscriptions(ctx, w.admin, w.company.ID, licensing.SubscriptionFilter{}, storage.PageRequest{})
	require.NoError(t, err)
	phones := map[string]string{}
	for _, s := range page.Items {
		phones[s.ID] = s.Phone
	}
	assert.Equal(t, map[string]string{mine[0]: number, mine[1]: ""}, phones)

	// Cancelling an assigned subscription with a number frees both.
	u := w.user()
	require.NoError(t, w.svc.AssignSubscription(ctx, w.admin, w.company.ID, mine[0], u))
	require.NoError(t, w.svc.CancelSubscription(ctx, w.admin, w.company.ID, mine[0]))
	require.ErrorIs(t, w.svc.CancelSubscription(ctx, w.admin, w.company.ID, mine[0]), storage.ErrNotFound)
	require.ErrorIs(t, w.svc.CancelSubscription(ctx, w.admin, w.company.ID, theirs[0]), storage.ErrNotFound)
	cancelled := w.events(t, "licensing.subscription.cancel")
	require.Len(t, cancelled, 1)
	assert.Equal(t, mine[0], cancelled[0].EntityID)
	assert.ElementsMatch(t, []string{"kind", "user_id", "phone"}, Events(cancelled).Fields("licensing.subscription.cancel"))
	page, err = w.svc.Subscriptions(ctx, w.admin, w.company.ID, licensing.SubscriptionFilter{UserID: u}, storage.PageRequest{})
	require.NoError(t, err)
	assert.Empty(t, page.Items)
	_, err = other.svc.SetSubscriptionPhone(ctx, other.admin, other.company.ID, theirs[0], licensing.SubscriptionPhone{Phone: number})
	require.NoError(t, err, "a cancelled subscription's number is free")

	// Add-ons: reduce to zero, never below.
	_, err = w.svc.PurchaseAddOn(ctx, w.admin, w.company.ID, licensing.AddOnPurchase{Code: "recording", Quantity: 5, IdempotencyKey: storage.NewID()})
	require.NoError(t, err)
	a, err := w.svc.ReduceAddOn(ctx, w.admin, w.company.ID, "recording", 2)
	require.NoError(t, err)
	assert.Equal(t, 3, a.Quantity)
	_, err = w.svc.ReduceAddOn(ctx, w.admin, w.company.ID, "recording", 4)
	require.ErrorIs(t, err, storage.ErrConflict)
	_, err = w.svc.ReduceAddOn(ctx, w.admin, w.company.ID, "Bad code", 1)
	RequireInvalid(t, err, "code")
	for _, q := range []int{0, -1, licensing.MaxQuantity + 1} {
		_, err = w.svc.ReduceAddOn(ctx, w.admin, w.company.ID, "recording", q)
		RequireInvalid(t, err, "quantity")
	}
	held, err := w.svc.AddOns(ctx, w.admin, w.company.ID)
	require.NoError(t, err)
	require.Len(t, held, 1)
	assert.Equal(t, 3, held[0].Quantity, "refused reductions left nothing behind")
	a, err = w.svc.ReduceAddOn(ctx, w.admin, w.company.ID, "recording", 3)
	require.NoError(t, err)
	assert.Equal(t, 0, a.Quantity)
	held, err = w.svc.AddOns(ctx, w.admin, w.company.ID)
	require.NoError(t, err)
	assert.Empty(t, held)
	_, err = w.svc.ReduceAddOn(ctx, w.admin, w.company.ID, "recording", 1)
	require.ErrorIs(t, err, storage.ErrNotFound)
	reduced := w.events(t, "licensing.addon.reduce")
	require.Len(t, reduced, 2)
}

func licConcurrentAddOnReduce(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	w := newLicWorld(t, h)
	_, err := w.svc.PurchaseAddOn(ctx, w.admin, w.company.ID, licensing.AddOnPurchase{Code: "recording", Quantity: 5, IdempotencyKey: storage.NewID()})
	require.NoError(t, err)
	const n = 12
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = w.svc.ReduceAddOn(ctx, w.admin, w.company.ID, "recording", 1)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, storage.ErrConflict), errors.Is(err, storage.ErrNotFound):
		default:
			t.Errorf("unexpected error %v", err)
		}
	}
	held, err := w.svc.AddOns(ctx, w.admin, w.company.ID)
	require.NoError(t, err)
	left := 0
	if len(held) == 1 {
		left = held[0].Quantity
	}
	assert.Equal(t, 5, ok, "five of twelve reductions of one succeed")
	assert.Equal(t, 0, left, "every successful reduction took exactly one")
	assert.Len(t, w.events(t, "licensing.addon.reduce"), ok)
}

func licPackageOptionsEditRetire(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	w, other := newLicWorld(t, h), newLicWorld(t, h)
	inCompany := func(companyID, action string) int {
		t.Helper()
		page, err := w.log.Query(ctx, audit.Scope{All: true}, audit.Filter{CompanyID: companyID, Action: action}, storage.PageRequest{Limit: 1000})
		require.NoError(t, err)
		return len(page.Items)
	}
	option, err := w.svc.DefinePackage(ctx, w.resellerAdmin, w.reseller.ID, licensing.PackageInput{Name: "Recording"})
	require.NoError(t, err)
	spare, err := w.svc.DefinePackage(ctx, w.resellerAdmin, w.reseller.ID, licensing.PackageInput{Name: "Spare"})
	require.NoError(t, err)
	foreign, err := other.svc.DefinePackage(ctx, other.resellerAdmin, other.reseller.ID, licensing.PackageInput{Name: "Recording"})
	require.NoError(t, err)
	require.NoError(t, w.svc.SetPackageOffer(ctx, w.admin, w.company.ID, option.ID, true, false))
	u, stranger := w.user(), other.user()

	// Offered as an option: granted user by user, never by default.
	got, err := w.svc.GrantDefaultPackages(ctx, w.admin, w.company.ID, u)
	require.NoError(t, err)
	assert.Empty(t, got)
	require.NoError(t, w.svc.GrantPackage(ctx, w.admin, w.company.ID, u, option.ID))
	require.NoError(t, w.svc.GrantPackage(ctx, w.admin, w.company.ID, u, option.ID), "held already")
	assert.Equal(t, 1, inCompany(w.company.ID, "licensing.package.grant"), "a held package records nothing")
	RequireInvalid(t, w.svc.GrantPackage(ctx, w.admin, w.company.ID, u, spare.ID), "package_id") // not offered
	RequireInvalid(t, w.svc.GrantPackage(ctx, w.admin, w.company.ID, stranger, option.ID), "user_id")
	require.ErrorIs(t, w.svc.GrantPackage(ctx, w.admin, w.company.ID, u, foreign.ID), storage.ErrNotFound)
	require.ErrorIs(t, w.svc.GrantPackage(ctx, w.admin, w.company.ID, u, storage.NewID()), storage.ErrNotFound)
	operator := w.dir.AddMember(w.company, tenancy.RoleOperator, "")
	require.ErrorIs(t, w.svc.GrantPackage(ctx, operator, w.company.ID, u, option.ID), storage.ErrForbidden)
	held, err := w.svc.UserPackages(ctx, w.admin, w.company.ID, u)
	require.NoError(t, err)
	assert.Equal(t, []string{option.ID}, held, "refused grants left nothing behind")

	// The reseller edits its package; the platform too; nobody else.
	edited, err := w.svc.UpdatePackage(ctx, w.resellerAdmin, w.reseller.ID, option.ID,
		licensing.PackageInput{Name: "Call recording", Description: "Every call, kept 90 days"})
	require.NoError(t, err)
	assert.Equal(t, "Call recording", edited.Name)
	_, err = w.svc.UpdatePackage(ctx, w.resellerAdmin, w.reseller.ID, option.ID, licensing.PackageInput{Name: "Call recording", Description: "Every call, kept 90 days"})
	require.NoError(t, err)
	assert.Equal(t, 1, inCompany(w.reseller.ID, "licensing.package.update"), "an unchanged package records nothing")
	_, err = w.svc.UpdatePackage(ctx, w.resellerAdmin, w.reseller.ID, option.ID, licensing.PackageInput{Name: "Spare"})
	require.ErrorIs(t, err, storage.ErrConflict)
	_, err = w.svc.UpdatePackage(ctx, w.resellerAdmin, w.reseller.ID, option.ID, licensing.PackageInput{Name: ""})
	RequireInvalid(t, err, "name")
	_, err = w.svc.UpdatePackage(ctx, w.resellerAdmin, w.reseller.ID, foreign.ID, licensing.PackageInput{Name: "Mine now"})
	require.ErrorIs(t, err, storage.ErrNotFound, "another reseller's package")
	_, err = other.svc.UpdatePackage(ctx, other.resellerAdmin, w.reseller.ID, option.ID, licensing.PackageInput{Name: "Mine now"})
	require.ErrorIs(t, err, storage.ErrNotFound, "another reseller's catalogue")
	_, err = w.svc.UpdatePackage(ctx, w.admin, w.reseller.ID, option.ID, licensing.PackageInput{Name: "Mine now"})
	require.Error(t, err, "a company administrator edits no catalogue")
	assert.True(t, errors.Is(err, storage.ErrForbidden) || errors.Is(err, storage.ErrNotFound), "%v", err)
	_, err = w.svc.UpdatePackage(ctx, w.platform, w.reseller.ID, spare.ID, licensing.PackageInput{Name: "Spare 2"})
	require.NoError(t, err)
	pkg, err := w.h.Licensing.Package(ctx, option.ID)
	require.NoError(t, err)
	assert.Equal(t, "Every call, kept 90 days", pkg.Description, "refused edits left nothing behind")

	// Retired: gone from the choices, no longer offered or granted; held grants stay.
	retired, err := w.svc.RetirePackage(ctx, w.resellerAdmin, w.reseller.ID, option.ID)
	require.NoError(t, err)
	assert.True(t, retired.Retired)
	_, err = w.svc.RetirePackage(ctx, w.resellerAdmin, w.reseller.ID, option.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, inCompany(w.reseller.ID, "licensing.package.retire"))
	_, err = other.svc.RetirePackage(ctx, other.resellerAdmin, other.reseller.ID, option.ID)
	require.ErrorIs(t, err, storage.ErrNotFound)
	choices, err := w.svc.PackageChoices(ctx, w.admin, w.company.ID)
	require.NoError(t, err)
	for _, ch := range choices {
		assert.NotEqual(t, option.ID, ch.Package.ID, "a retired package is not offered")
	}
	RequireInvalid(t, w.svc.SetPackageOffer(ctx, w.admin, w.company.ID, option.ID, true, false), "package_id")
	require.NoError(t, w.svc.SetPackageOffer(ctx, w.admin, w.company.ID, option.ID, false, false), "withdrawing stays allowed")
	v := w.user()
	RequireInvalid(t, w.svc.GrantPackage(ctx, w.admin, w.company.ID, v, option.ID), "package_id")
	held, err = w.svc.UserPackages(ctx, w.admin, w.company.ID, u)
	require.NoError(t, err)
	assert.Equal(t, []string{option.ID}, held, "an existing grant is kept")
	held, err = w.svc.UserPackages(ctx, w.admin, w.company.ID, v)
	require.NoError(t, err)
	assert.Empty(t, held)

	require.NoError(t, w.svc.RevokePackage(ctx, w.admin, w.company.ID, u, option.ID))
	require.ErrorIs(t, w.svc.RevokePackage(ctx, w.admin, w.company.ID, u, option.ID), storage.ErrNotFound)
	assert.Equal(t, 1, inCompany(w.company.ID, "licensing.package.revoke"))
	held, err = w.svc.UserPackages(ctx, w.admin, w.company.ID, u)
	require.NoError(t, err)
	assert.Empty(t, held)
}

func licConcurrentNumber(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	const n = 8
	worlds := make([]*licWorld, n)
	subs := make([]string, n)
	for i := range worlds {
		worlds[i] = newLicWorld(t, h)
		p, err := worlds[i].svc.PurchaseSubscriptions(ctx, worlds[i].admin, worlds[i].company.ID,
			licensing.SubscriptionPurchase{Kind: licensing.SubscriptionMobile, Quantity: 1, IdempotencyKey: storage.NewID()})
		require.NoError(t, err)
		subs[i] = p.SubscriptionIDs[0]
	}
	number := testNumber()
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, w := range worlds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = w.svc.SetSubscriptionPhone(ctx, w.admin, w.company.ID, subs[i], licensing.SubscriptionPhone{Phone: number})
		}()
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
			assert.Len(t, worlds[i].events(t, "licensing.subscription.phone"), 1)
		case errors.Is(err, storage.ErrConflict):
			assert.Empty(t, worlds[i].events(t, "licensing.subscription.phone"), "a refused claim records nothing")
		default:
			t.Errorf("unexpected error %v", err)
		}
	}
	assert.Equal(t, 1, won, "companies of one platform never share a number")
}
