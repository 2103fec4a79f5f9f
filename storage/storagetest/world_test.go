package storagetest_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/account/presence"
	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/storagetest"
	"github.com/switchboardkit/switchboard/tenancy"
)

// backends are the worlds the kit's own tests run on; the SQL servers skip
// without their DSN.
var backends = []struct {
	name string
	opts []storagetest.WorldOption
}{
	{"memory", nil},
	{"sqlite", []storagetest.WorldOption{storagetest.OnSQLite()}},
	{"postgres", []storagetest.WorldOption{storagetest.OnPostgres()}},
	{"mysql", []storagetest.WorldOption{storagetest.OnMySQL()}},
}

func eachBackend(t *testing.T, fn func(t *testing.T, w *storagetest.World)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			fn(t, storagetest.NewWorld(t, b.opts...))
		})
	}
}

func TestWorldCompany(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, w *storagetest.World) {
		ctx := context.Background()
		c := w.Company()
		for role, a := range map[tenancy.Role]tenancy.Actor{tenancy.RoleOwner: c.Owner, tenancy.RoleAdministrator: c.Admin,
			tenancy.RoleManager: c.Manager, tenancy.RoleOperator: c.Operator} {
			assert.Equal(t, role, a.Role)
			assert.Equal(t, c.ID, a.CompanyID)
			got, err := w.People.Verify(ctx, a)
			require.NoError(t, err, "%s is a member", role)
			assert.Equal(t, a, got)
			// Every fixture user received a working password through the outbox.
			email := w.Email(a.UserID)
			require.NotEmpty(t, email)
			require.Len(t, w.Credentials(email), 1, role)
			u, err := w.People.Authenticate(ctx, email, w.Password(email))
			require.NoError(t, err, role)
			assert.Equal(t, a.UserID, u.ID)
		}
		require.Len(t, c.SubAccounts, 2)
		assert.Equal(t, c.SubAccounts[0].ID, c.Manager.SubAccountID)
		assert.Equal(t, c.SubAccounts[0].ID, c.Operator.SubAccountID)
		assert.Empty(t, c.Admin.SubAccountID)
		assert.Equal(t, w.Clock.Now(), c.Company.CreatedAt, "the world's clock stamps the rows")

		// A manager sees only its own sub-account.
		all, ids, err := w.People.VisibleSubAccounts(ctx, c.Manager, c.ID)
		require.NoError(t, err)
		assert.False(t, all)
		assert.Equal(t, []string{c.SubAccounts[0].ID}, ids)
	})
}

func TestWorldReseller(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, w *storagetest.World) {
		ctx := context.Background()
		r := w.Reseller(2)
		require.Len(t, r.Affiliates, 2)
		assert.Equal(t, tenancy.KindReseller, r.Company.Kind)
		assert.Equal(t, tenancy.RoleResellerAdmin, r.Admin.Role)
		for _, a := range r.Affiliates {
			assert.Equal(t, r.ID, a.Company.ResellerID)
			_, err := w.People.GetCompany(ctx, r.Admin, a.ID)
			require.NoError(t, err, "the reseller sees its affiliate")
			require.Len(t, w.Credentials(w.Email(a.Owner.UserID)), 1, "the affiliate's owner got a password")
		}
		_, err := w.People.GetCompany(ctx, r.Affiliates[0].Owner, r.ID)
		storagetest.RequireKind(t, err, storage.ErrNotFound) // invisible, so not found
		_, err = w.People.GetCompany(ctx, r.Affiliates[0].Owner, r.Affiliates[1].ID)
		storagetest.RequireKind(t, err, storage.ErrNotFound)
	})
}

func TestWorldOperatorSwitch(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, w *storagetest.World) {
		ctx := context.Background()
		o := w.Operator()
		assert.Equal(t, o.Unpaid.ID, o.Break.FallbackID)
		assert.Equal(t, o.Unpaid.ID, o.Lunch.FallbackID)
		cur, err := w.Operators.Status(ctx, o.Operator, o.ID, o.Operator.UserID)
		require.NoError(t, err)
		_, err = w.Operators.SetStatus(ctx, o.Operator, o.ID, o.Operator.UserID,
			presence.Change{State: presence.Away, PauseTypeID: o.Break.ID, Version: cur.Version})
		require.NoError(t, err)
		at, ok, err := w.Operators.NextTransition(ctx, o.ID)
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, w.Clock.Now().Add(15*time.Minute), at, "the break's allocation runs out in 15 minutes")
		assert.Empty(t, w.Switches(o.Operator.UserID))
		n, err := w.Operators.ApplyDue(ctx, o.ID, w.Clock.Advance(20*time.Minute))
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		sw := w.Switches(o.Operator.UserID)
		require.Len(t, sw, 1, "the operator is told once")
		assert.Equal(t, presence.Switch{CompanyID: o.ID, UserID: o.Operator.UserID, From: o.Break.ID, To: o.Unpaid.ID,
			At: at, AppliedAt: w.Clock.Now()}, sw[0])
		assert.Empty(t, w.Switches(o.Manager.UserID))
	})
}

func TestWorldPolicy(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, w *storagetest.World) {
		ctx := context.Background()
		p := w.Policy(compliance.FZ230Calls())
		assert.True(t, p.Settings.FZ230)
		require.Len(t, p.Calls, 5)
		zones := []string{"Europe/Moscow", "Asia/Vladivostok", "Europe/Kaliningrad", "Asia/Novosibirsk", "Asia/Yekaterinburg"}
		checked, err := w.Calls.CheckBatch(ctx, p.Dialer, p.Calls, w.Clock.Now())
		require.NoError(t, err)
		for i, c := range checked {
			assert.Equal(t, fmt.Sprintf("debt-%d", i+1), p.Calls[i].Key)
			assert.Equal(t, []string{zones[i]}, c.Zones, p.Calls[i].Phone)
			assert.True(t, c.Allowed, "%s at %s: %v", p.Calls[i].Phone, w.Clock.Now(), c.Reasons)
		}
		// One conversation a day: the second call to debt-1 waits.
		r, d, err := w.Calls.Reserve(ctx, p.Dialer, p.Calls[0])
		require.NoError(t, err)
		require.True(t, d.Allowed)
		_, err = w.Calls.Complete(ctx, p.Dialer, r.ID, compliance.OutcomeAnsweredHuman)
		require.NoError(t, err)
		_, d, err = w.Calls.Reserve(ctx, p.Dialer, p.Calls[0])
		require.NoError(t, err)
		assert.False(t, d.Allowed)

		// Compliance asks licensing who is suspended: a company in debt past
		// its limit may not call, and its suspension is delivered.
		_, err = w.Credit.SetCreditTerms(ctx, w.Platform, p.ID, licensing.CreditTerms{CreditLimit: decimal.NewNullDecimal(decimal.Zero)})
		require.NoError(t, err)
		_, err = w.Credit.Adjust(ctx, w.Platform, p.ID, licensing.MoneyInput{Amount: decimal.RequireFromString("-1"), IdempotencyKey: "debt"})
		require.NoError(t, err)
		susp := w.Suspensions(p.ID)
		require.Len(t, susp, 1)
		assert.True(t, susp[0].Suspended)
		d, err = w.Calls.Check(ctx, p.Dialer, p.Calls[1])
		require.NoError(t, err, "a refusal is a decision")
		assert.False(t, d.Allowed)
		assert.NotZero(t, d.Reasons&compliance.ReasonSuspended, "%v", d.Reasons)
	})
}

func TestWorldHooksAndEffects(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, w *storagetest.World) {
		ctx := context.Background()
		c := w.Company()
		// The member-removed hook frees the leaver's license with the removal.
		require.NoError(t, w.Credit.SetAgreement(ctx, w.Platform, c.ID, map[licensing.Item]decimal.Decimal{
			licensing.LicenseItem(licensing.LicensePro): decimal.RequireFromString("9.90")}))
		_, err := w.Credit.SetCreditTerms(ctx, w.Platform, c.ID, licensing.CreditTerms{
			CreditLimit: decimal.NewNullDecimal(decimal.RequireFromString("100")), ReminderThreshold: decimal.NewNullDecimal(decimal.Zero)})
		require.NoError(t, err)
		_, err = w.Credit.PurchaseLicenses(ctx, c.Admin, c.ID, licensing.LicensePurchase{Kind: licensing.LicensePro, Quantity: 1, IdempotencyKey: "first"})
		require.NoError(t, err)
		require.Len(t, w.Reminders(c.ID), 1, "the purchase took the balance below the reminder threshold")
		_, err = w.Credit.AssignLicense(ctx, c.Admin, c.ID, c.Operator.UserID, licensing.LicensePro)
		require.NoError(t, err)
		events := w.AuditOf(func() {
			require.NoError(t, w.People.RemoveMember(ctx, c.Admin, c.ID, c.Operator.UserID))
		})
		assert.Contains(t, events.Actions(), "tenancy.member.remove", events)
		assert.Contains(t, events.Actions(), "licensing.license.unassign", events)
		_, err = w.Credit.AssignLicense(ctx, c.Admin, c.ID, c.Manager.UserID, licensing.LicensePro)
		require.NoError(t, err, "the leaver's license is free again")
		rm := w.Removals(c.ID)
		require.Len(t, rm, 1)
		assert.Equal(t, c.Operator.UserID, rm[0].UserID)
		assert.Len(t, w.Delivered(storage.TopicMemberRemoved), 1)
		assert.Empty(t, w.Suspensions(c.ID))
	})
}

// The member-added hook gives new members the company's default packages
// in their registration's transaction.
func TestWorldDefaultPackages(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, w *storagetest.World) {
		ctx := context.Background()
		c := w.Company()
		pkg, err := w.Credit.DefinePackage(ctx, w.Platform, "", licensing.PackageInput{Name: "Starter"})
		require.NoError(t, err)
		require.NoError(t, w.Credit.SetPackageOffer(ctx, c.Owner, c.ID, pkg.ID, true, true))
		before, err := w.Credit.UserPackages(ctx, c.Admin, c.ID, c.Operator.UserID)
		require.NoError(t, err)
		assert.Empty(t, before, "registered before the offer")
		u := w.Employee(c.Admin, c.ID, tenancy.RoleOperator, "")
		got, err := w.Credit.UserPackages(ctx, c.Admin, c.ID, u.UserID)
		require.NoError(t, err)
		assert.Equal(t, []string{pkg.ID}, got)
	})
}

// Worlds sharing a harness share its one dispatcher: each sees what the
// other caused, told apart by company and address.
func TestWorldsOnOneHarness(t *testing.T) {
	t.Parallel()
	a := storagetest.NewWorld(t)
	b := storagetest.NewWorld(t, storagetest.OnHarness(a.H))
	ca, cb := a.Company(), b.Company()
	assert.Len(t, b.Credentials(a.Email(ca.Owner.UserID)), 1, "b's recorder sees a's credentials")
	assert.Len(t, a.Credentials(b.Email(cb.Admin.UserID)), 1)
	assert.Len(t, a.Delivered(storage.TopicCredentials), 8, "both companies' four users")
	assert.Empty(t, b.Email(ca.Owner.UserID), "each world knows the addresses of its own fixtures")

	// A subtest reports through For: the same world, failing the subtest.
	t.Run("subtest", func(t *testing.T) {
		f := &fakeT{TB: t}
		sub := a.For(f)
		assert.Equal(t, a.Email(ca.Owner.UserID), sub.Email(ca.Owner.UserID))
		sub.Password("nobody@nowhere.example")
		require.Len(t, f.failed, 1)
		assert.Contains(t, f.failed[0], "no credentials were delivered to nobody@nowhere.example")
	})
}

// The deactivation hook takes an online operator offline; the
// credentials-changed hook sees committed password changes only; a reset
// token is delivered to the user's address.
func TestWorldIdentityHooks(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, w *storagetest.World) {
		ctx := context.Background()
		o := w.Operator()
		cur, err := w.Operators.Status(ctx, o.Operator, o.ID, o.Operator.UserID)
		require.NoError(t, err)
		_, err = w.Operators.SetStatus(ctx, o.Operator, o.ID, o.Operator.UserID, presence.Change{State: presence.Online, Version: cur.Version})
		require.NoError(t, err)
		require.NoError(t, w.People.DeactivateMember(ctx, o.Admin, o.ID, o.Operator.UserID))
		cur, err = w.Operators.Status(ctx, o.Admin, o.ID, o.Operator.UserID)
		require.NoError(t, err)
		assert.Equal(t, presence.Offline, cur.State)
		require.Len(t, w.Deactivations(o.ID), 1)

		email := w.Email(o.Manager.UserID)
		pw := w.Password(email)
		boom := errors.New("rolled back")
		err = w.H.Tx.InTx(ctx, func(ctx context.Context) error {
			if err := w.People.ChangePassword(ctx, o.Manager, pw, "Rolled-back-1", "Rolled-back-1"); err != nil {
				return err
			}
			return boom
		})
		require.ErrorIs(t, err, boom)
		assert.Empty(t, w.CredentialsChanges(o.Manager.UserID), "a rolled-back change ends no session")
		require.NoError(t, w.People.ChangePassword(ctx, o.Manager, pw, "Changed-pass-1", "Changed-pass-1"))
		changes := w.CredentialsChanges(o.Manager.UserID)
		require.Len(t, changes, 1)
		assert.Equal(t, tenancy.CredentialsPasswordChanged, changes[0].Reason)

		require.NoError(t, w.People.RequestPasswordReset(ctx, email))
		resets := w.PasswordResets(email)
		require.Len(t, resets, 1)
		require.NoError(t, w.People.ResetPassword(ctx, string(resets[0].Token), "Reset-pass-12", "Reset-pass-12"))
		assert.Len(t, w.CredentialsChanges(o.Manager.UserID), 2)
		_, err = w.People.Authenticate(ctx, email, "Reset-pass-12")
		require.NoError(t, err)
	})
}

func TestWorldAdapters(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, w *storagetest.World) {
		ctx := context.Background()
		c := w.Company()
		conn := account.MailConnection{Host: "mail.example.com", Port: 993, Security: account.MailTLS, Username: "u", Password: account.NewSecret("p")}
		_, err := w.Settings.SetMailAccess(ctx, c.Admin, c.ID, conn)
		require.NoError(t, err)
		require.Len(t, w.Mail.Tested(), 1)
		assert.Equal(t, "mail.example.com", w.Mail.Tested()[0].Host)
		w.Mail.Fail(errors.New("connection refused"))
		err = w.RequireNoTrace(func() error { _, err := w.Settings.SetMailAccess(ctx, c.Admin, c.ID, conn); return err })
		assert.ErrorContains(t, err, "connection refused")

		w.Registry.Add(account.RegistryRecord{LegalName: "ООО Ромашка", INN: "7707083893", KPP: "773601001", LegalAddress: "Moscow", PostalCode: "117997", City: "Moscow"})
		got, rec, err := w.Settings.FillByINN(ctx, c.Admin, c.ID, "7707083893")
		require.NoError(t, err)
		assert.Equal(t, "ООО Ромашка", rec.LegalName)
		assert.Equal(t, "7707083893", got.Requisites.INN)
		_, _, err = w.Settings.FillByINN(ctx, c.Admin, c.ID, "500100732259")
		storagetest.RequireKind(t, err, storage.ErrNotFound)
		assert.Equal(t, []string{"7707083893", "500100732259"}, w.Registry.Asked())

		// OpenBill re-authenticates with tenancy.
		_, err = w.Settings.OpenBill(ctx, c.Owner, c.ID, account.NewSecret("wrong"))
		storagetest.RequireKind(t, err, storage.ErrForbidden)
		_, err = w.Settings.OpenBill(ctx, c.Owner, c.ID, account.NewSecret(w.Password(w.Email(c.Owner.UserID))))
		require.NoError(t, err)
	})
}

func TestWorldAuditOf(t *testing.T) {
	t.Parallel()
	w := storagetest.NewWorld(t)
	c := w.Company()
	events := w.AuditOf(func() {
		_, err := w.People.SetDisplayName(context.Background(), c.Owner, c.ID, "Renamed")
		require.NoError(t, err)
	})
	require.Len(t, events, 1, events)
	assert.Equal(t, []string{"tenancy.company.update"}, events.Actions())
	assert.Equal(t, []string{"display_name"}, events.Fields("tenancy.company.update"))
	assert.Equal(t, c.ID, events[0].EntityID)
	assert.Nil(t, events.Find("tenancy.company.create"))
	assert.Empty(t, w.AuditOf(func() {}))
}

// fakeT records the failures of the kit's assertions, so the tests can
// prove the assertions fail when they should.
type fakeT struct {
	testing.TB
	failed []string
}

func (f *fakeT) Fatalf(format string, args ...any) {
	f.failed = append(f.failed, fmt.Sprintf(format, args...))
}

func TestWorldRequireNoTrace(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, w *storagetest.World) {
		ctx := context.Background()
		c := w.Company()
		boom := errors.New("payment provider said no")
		// A host's use case failing after two audited calls leaves nothing.
		err := w.RequireNoTrace(func() error {
			return w.H.Tx.InTx(ctx, func(ctx context.Context) error {
				if _, err := w.People.SetDisplayName(ctx, c.Owner, c.ID, "Half done"); err != nil {
					return err
				}
				_, err := w.People.RegisterEmployee(ctx, c.Owner, c.ID, tenancy.NewEmployee{FirstName: "Half", LastName: "Done",
					Email: "half-" + c.ID + "@company.example", Role: tenancy.RoleOperator})
				if err != nil {
					return err
				}
				return boom
			})
		})
		require.ErrorIs(t, err, boom)

		// The assertion fails on a call that succeeded, and on one that
		// failed after committing something.
		f := &fakeT{TB: t}
		fw := storagetest.NewWorld(f, storagetest.OnHarness(w.H))
		_ = fw.RequireNoTrace(func() error { return nil })
		require.Len(t, f.failed, 1)
		assert.Contains(t, f.failed[0], "succeeded")
		_ = fw.RequireNoTrace(func() error {
			_, err := fw.People.SetDisplayName(ctx, c.Owner, c.ID, "Committed")
			require.NoError(t, err)
			return boom
		})
		require.Len(t, f.failed, 2)
		assert.Contains(t, f.failed[1], "audit event")
		if w.H.Digest != nil {
			assert.Contains(t, f.failed[1], "rows of table tenancy_companies")
		}
	})
}

func TestRequireKind(t *testing.T) {
	t.Parallel()
	f := &fakeT{TB: t}
	storagetest.RequireKind(f, storage.NotFound("op", "company", "c1"), storage.ErrNotFound)
	storagetest.RequireInvalid(f, storage.Invalid("op", "email", "email", "not an address"), "email")
	require.Empty(t, f.failed)
	storagetest.RequireKind(f, nil, storage.ErrNotFound)
	storagetest.RequireKind(f, storage.Forbidden("op", "no"), storage.ErrNotFound)
	storagetest.RequireInvalid(f, storage.Invalid("op", "email", "email", "not an address"), "name")
	require.Len(t, f.failed, 3)
	assert.Contains(t, f.failed[0], "got none")
	assert.Contains(t, f.failed[1], "got kind forbidden")
	assert.Contains(t, f.failed[2], `field "name" not named`)
	assert.Equal(t, "none", storagetest.KindOf(errors.New("plain")))
}

// BenchmarkWorld builds a world of 3 companies, 10 users and an FZ-230
// policy: two CompanyFixtures (4 users each) and a PolicyFixture (owner
// and dialer). On SQLite the world includes creating and migrating the
// database file; the fixtures sub-benchmark builds the same companies in
// one world opened beforehand.
func BenchmarkWorld(b *testing.B) {
	build := func(w *storagetest.World) {
		w.Company()
		w.Company()
		w.Policy(compliance.FZ230Calls())
	}
	for _, bk := range backends[:2] {
		b.Run(bk.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				build(storagetest.NewWorld(b, bk.opts...))
			}
		})
		b.Run(bk.name+"/fixtures", func(b *testing.B) {
			w := storagetest.NewWorld(b, bk.opts...)
			b.ReportAllocs()
			for b.Loop() {
				build(w)
			}
		})
	}
}
