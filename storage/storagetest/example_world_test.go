package storagetest_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/account/presence"
	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/storagetest"
	"github.com/switchboardkit/switchboard/tenancy"
)

// agents is a host's handler: an administrator invites an agent, who gets
// a Pro license in the same transaction — no free license, no invitation.
type agents struct {
	tx     storage.Transactor
	people *tenancy.Service
	credit *licensing.Service
}

func (a agents) Invite(ctx context.Context, by tenancy.Actor, companyID, email string) (userID string, err error) {
	err = a.tx.InTx(ctx, func(ctx context.Context) error {
		emp, err := a.people.RegisterEmployee(ctx, by, companyID, tenancy.NewEmployee{
			FirstName: "New", LastName: "Agent", Email: email, Role: tenancy.RoleOperator})
		if err != nil {
			return err
		}
		userID = emp.UserID
		_, err = a.credit.AssignLicense(ctx, by, companyID, emp.UserID, licensing.LicensePro)
		return err
	})
	return userID, err
}

// exampleT stands in for the *testing.T a real test passes to NewWorld:
// an Example has none.
type exampleT struct{ cleanups []func() }

func (*exampleT) Helper()                           {}
func (*exampleT) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
func (t *exampleT) Cleanup(fn func())               { t.cleanups = append(t.cleanups, fn) }
func (t *exampleT) done() {
	for _, fn := range slices.Backward(t.cleanups) {
		fn()
	}
}

// A host's handler tested with the kit. In a test, pass the test's t:
//
//	func TestInvite(t *testing.T) {
//		w := storagetest.NewWorld(t) // storagetest.OnSQLite() for the embedded SQL backend
//		…
func ExampleNewWorld() {
	t := &exampleT{}
	defer t.done()
	ctx := context.Background()

	w := storagetest.NewWorld(t)
	c := w.Company() // an owner, an administrator, a manager and an operator
	invite := agents{tx: w.H.Tx, people: w.People, credit: w.Credit}

	// Without a license to give, the invitation fails and leaves nothing
	// behind: no user, no audit event, no password e-mail.
	err := w.RequireNoTrace(func() error {
		_, err := invite.Invite(ctx, c.Admin, c.ID, "ann@acme.example")
		return err
	})
	storagetest.RequireKind(t, err, storage.ErrLimitExceeded)
	fmt.Println("without a license:", storagetest.KindOf(err), len(w.Credentials("ann@acme.example")), "e-mails")

	// With one, the agent is registered, licensed and e-mailed a password.
	if err := w.Credit.SetAgreement(ctx, w.Platform, c.ID, map[licensing.Item]decimal.Decimal{
		licensing.LicenseItem(licensing.LicensePro): decimal.RequireFromString("9.90")}); err != nil {
		t.Fatalf("agreement: %v", err)
	}
	if _, err := w.Credit.PurchaseLicenses(ctx, c.Admin, c.ID, licensing.LicensePurchase{
		Kind: licensing.LicensePro, Quantity: 1, IdempotencyKey: "example"}); err != nil {
		t.Fatalf("purchase: %v", err)
	}
	events := w.AuditOf(func() {
		if _, err := invite.Invite(ctx, c.Admin, c.ID, "ann@acme.example"); err != nil {
			t.Fatalf("invite: %v", err)
		}
	})
	fmt.Println("audited:", events.Actions())
	if _, err := w.People.Authenticate(ctx, "ann@acme.example", w.Password("ann@acme.example")); err != nil {
		t.Fatalf("the e-mailed password does not work: %v", err)
	}
	fmt.Println("e-mails:", len(w.Credentials("ann@acme.example")))
	// Output:
	// without a license: limit exceeded 0 e-mails
	// audited: [tenancy.user.register tenancy.member.add licensing.license.assign]
	// e-mails: 1
}

// The world's clock drives presence: an operator whose break allocation
// runs out is switched to the fallback pause when the host applies what
// is due, and the switch is delivered through the outbox.
func ExampleWorld_Switches() {
	t := &exampleT{}
	defer t.done()
	ctx := context.Background()
	w := storagetest.NewWorld(t)
	o := w.Operator() // pause types Break (15 min a day), Lunch (1 h), Unpaid

	cur, err := w.Operators.Status(ctx, o.Operator, o.ID, o.Operator.UserID)
	if err != nil {
		t.Fatalf("status: %v", err)
	}
	if _, err := w.Operators.SetStatus(ctx, o.Operator, o.ID, o.Operator.UserID,
		presence.Change{State: presence.Away, PauseTypeID: o.Break.ID, Version: cur.Version}); err != nil {
		t.Fatalf("break: %v", err)
	}
	if _, err := w.Operators.ApplyDue(ctx, o.ID, w.Clock.Advance(time.Hour)); err != nil {
		t.Fatalf("apply: %v", err)
	}
	for _, s := range w.Switches(o.Operator.UserID) {
		fmt.Println(s.From == o.Break.ID, s.To == o.Unpaid.ID, s.At.Sub(storagetest.WorldStart))
	}
	// Output:
	// true true 15m0s
}

// A company under FZ-230 and its call list, checked in one batch at the
// world's time (10:00 in Moscow).
func ExampleWorld_Policy() {
	t := &exampleT{}
	defer t.done()
	w := storagetest.NewWorld(t)
	p := w.Policy(compliance.FZ230Calls())
	checked, err := w.Calls.CheckBatch(context.Background(), p.Dialer, p.Calls, w.Clock.Now())
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	for i, c := range checked {
		fmt.Println(p.Calls[i].Key, c.Zones, c.Allowed)
	}
	// Output:
	// debt-1 [Europe/Moscow] true
	// debt-2 [Asia/Vladivostok] true
	// debt-3 [Europe/Kaliningrad] true
	// debt-4 [Asia/Novosibirsk] true
	// debt-5 [Asia/Yekaterinburg] true
}

// TestInviteNeedsALicense is the README's "Testing your code" sample,
// verbatim, so the README shows code that compiles and passes.
func TestInviteNeedsALicense(t *testing.T) {
	ctx := context.Background()
	w := storagetest.NewWorld(t) // storagetest.OnSQLite() for the SQL backend
	c := w.Company()
	invite := agents{tx: w.H.Tx, people: w.People, credit: w.Credit} // your handler (in ExampleNewWorld)

	err := w.RequireNoTrace(func() error { // it must fail, leaving no row, event or e-mail
		_, err := invite.Invite(ctx, c.Admin, c.ID, "ann@acme.example")
		return err
	})
	storagetest.RequireKind(t, err, storage.ErrLimitExceeded)

	require.NoError(t, w.Credit.SetAgreement(ctx, w.Platform, c.ID, map[licensing.Item]decimal.Decimal{
		licensing.LicenseItem(licensing.LicensePro): decimal.RequireFromString("9.90")}))
	_, err = w.Credit.PurchaseLicenses(ctx, c.Admin, c.ID, licensing.LicensePurchase{
		Kind: licensing.LicensePro, Quantity: 1, IdempotencyKey: "one"})
	require.NoError(t, err)
	events := w.AuditOf(func() {
		_, err := invite.Invite(ctx, c.Admin, c.ID, "ann@acme.example")
		require.NoError(t, err)
	})
	require.Equal(t, []string{"tenancy.user.register", "tenancy.member.add", "licensing.license.assign"}, events.Actions())
	require.Len(t, w.Credentials("ann@acme.example"), 1)
}
