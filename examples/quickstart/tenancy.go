package main

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// mailbox stands in for the host's e-mail sender, the handler of the
// credentials topic: it remembers the generated passwords so the tour can
// log in, and prints only that a password was delivered.
type mailbox struct {
	out       *tourOut
	mu        sync.Mutex
	passwords map[string]string
	tokens    map[string]string // address → the last token sent there (a link in a real e-mail)
}

func (m *mailbox) token(email string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.tokens[email]
}

func (m *mailbox) emailChange(_ context.Context, _ string, r tenancy.EmailChangeRequest) error {
	m.mu.Lock()
	m.tokens[r.NewEmail] = string(r.Token)
	m.mu.Unlock()
	fmt.Fprintf(m.out, "  ✉ Dispatch sent %s a confirmation link (token %v, valid until %s)\n", r.NewEmail, r.Token, r.ExpiresAt.Format("15:04"))
	return nil
}

func (m *mailbox) emailNotice(_ context.Context, _ string, n tenancy.EmailChangeNotice) error {
	what := "a change to " + n.NewEmail + " was requested"
	if n.Confirmed {
		what = "the login is now " + n.NewEmail
	}
	fmt.Fprintf(m.out, "  ✉ Dispatch told the old address %s: %s\n", n.OldEmail, what)
	return nil
}

func (m *mailbox) invitation(_ context.Context, _ string, i tenancy.Invitation) error {
	m.mu.Lock()
	m.tokens[i.Email] = string(i.Token)
	m.mu.Unlock()
	fmt.Fprintf(m.out, "  ✉ Dispatch sent %s an invitation to …/register/%s (valid until %s)\n", i.Email, i.Slug, i.ExpiresAt.Format("2006-01-02"))
	return nil
}

func (m *mailbox) passwordReset(_ context.Context, _ string, r tenancy.PasswordReset) error {
	m.mu.Lock()
	m.tokens[r.Email] = string(r.Token)
	m.mu.Unlock()
	fmt.Fprintf(m.out, "  ✉ Dispatch sent %s a password-reset link (valid until %s)\n", r.Email, r.ExpiresAt.Format("15:04"))
	return nil
}

func (m *mailbox) send(_ context.Context, _ string, c tenancy.Credentials) error {
	m.mu.Lock()
	m.passwords[c.Email] = c.Password
	m.mu.Unlock()
	fmt.Fprintf(m.out, "  ✉ Dispatch delivered the credentials for %s (%d-character generated password)\n", c.Email, len(c.Password))
	return nil
}

// tourTenancy builds a reseller with two affiliates through the registration
// link, users of every role, shows a manager refused outside its
// sub-account and what each actor sees, logs in, and searches companies.
// It uses env.Out, env.Tx, env.Store, env.Audit and env.Clock, and leaves
// the tenancy service, the affiliate and its people in env for the tours after it.
func tourTenancy(ctx context.Context, env *tourEnv) error {
	out := env.Out
	mail := &mailbox{out: out, passwords: map[string]string{}, tokens: map[string]string{}}
	tenancy.OnCredentials(env.Dispatch, mail.send)
	tenancy.OnEmailChange(env.Dispatch, mail.emailChange)
	tenancy.OnEmailChangeNotice(env.Dispatch, mail.emailNotice)
	tenancy.OnPasswordReset(env.Dispatch, mail.passwordReset)
	tenancy.OnInvitation(env.Dispatch, mail.invitation)
	// Production keeps DefaultPasswordCost; the tour uses a cheaper bcrypt cost to run fast.
	svc := tenancy.NewService(env.Tx, env.Store.Tenancy(), env.Audit, env.Outbox, env.Keys,
		tenancy.WithClock(env.Clock), tenancy.WithPasswordCost(8),
		// The host ends the user's other sessions in the same transaction.
		tenancy.WithCredentialsChangedHook(func(_ context.Context, c tenancy.CredentialsChange) error {
			fmt.Fprintf(out, "  host: %s → end the other sessions of user %s\n", c.Reason, c.UserID)
			return nil
		}),
		// A real host limits by e-mail, link and client address in its cache.
		tenancy.WithPasswordResetLimiter(tenancy.RateLimiterFunc(func(context.Context, string) error { return nil })),
		tenancy.WithRegistrationLimiter(tenancy.RateLimiterFunc(func(context.Context, string) error { return nil })))
	platform := tenancy.Platform("support-1")

	// The platform bootstraps the first tenant: a reseller with its owner.
	reseller, _, err := svc.CreateCompany(ctx, platform, tenancy.NewCompany{
		Kind: tenancy.KindReseller, LegalName: "ООО «Волга Телеком»", TaxID: "7707083893", DisplayName: "Volga Telecom",
		Slug: "volga", Owner: tenancy.Person{FirstName: "Olga", LastName: "Volkova", Email: "olga@volga.example"},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "platform created reseller %q (registration link …/register/%s)\n", reseller.DisplayName, reseller.Slug)
	fmt.Fprintln(out, "  (the owner's password is an outbox message, sealed, committed with the company)")
	if err := env.deliver(ctx); err != nil {
		return err
	}
	ra, err := svc.RegisterEmployee(ctx, platform, reseller.ID, tenancy.NewEmployee{
		FirstName: "Roman", LastName: "Resellerov", Email: "roman@volga.example", Role: tenancy.RoleResellerAdmin})
	if err != nil {
		return err
	}
	if err := env.deliver(ctx); err != nil {
		return err
	}
	resellerAdmin, err := svc.ActorFor(ctx, ra.UserID, reseller.ID)
	if err != nil {
		return err
	}

	// A new reseller's link admits invited companies only: New ways registers
	// with the invitation the reseller sent Nina. Then the reseller opens the
	// link and Sever registers without one.
	nina := tenancy.Person{FirstName: "Nina", LastName: "Novak", Email: "nina@newways.example"}
	_, _, err = svc.RegisterAffiliate(ctx, "volga", tenancy.NewAffiliate{LegalName: "Gatecrasher LLC", Owner: nina})
	fmt.Fprintln(out, "registration without an invitation:", verdict(err))
	if _, err := svc.IssueInvitation(ctx, resellerAdmin, reseller.ID, tenancy.InvitationInput{Email: nina.Email}); err != nil {
		return err
	}
	if err := env.deliver(ctx); err != nil {
		return err
	}
	newWays, nwOwner, err := svc.RegisterAffiliate(ctx, "volga", tenancy.NewAffiliate{
		LegalName: "New ways company", Owner: nina, Invitation: mail.token(nina.Email)})
	if err != nil {
		return err
	}
	if _, err := svc.SetOpenRegistration(ctx, resellerAdmin, reseller.ID, true); err != nil {
		return err
	}
	sever, svOwner, err := svc.RegisterAffiliate(ctx, "volga", tenancy.NewAffiliate{
		LegalName: "Sever Logistics", Owner: tenancy.Person{FirstName: "Semen", LastName: "Severov", Email: "semen@sever.example"}})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "affiliates %q (invited) and %q (open link) registered under %q\n", newWays.LegalName, sever.LegalName, reseller.DisplayName)
	if err := env.deliver(ctx); err != nil {
		return err
	}

	owner, err := svc.ActorFor(ctx, nwOwner.ID, newWays.ID)
	if err != nil {
		return err
	}
	sales, err := svc.CreateSubAccount(ctx, owner, newWays.ID, "Sales")
	if err != nil {
		return err
	}
	support, err := svc.CreateSubAccount(ctx, owner, newWays.ID, "Support")
	if err != nil {
		return err
	}
	register := func(by tenancy.Actor, first, email string, role tenancy.Role, sub string) (tenancy.Actor, error) {
		emp, err := svc.RegisterEmployee(ctx, by, newWays.ID, tenancy.NewEmployee{FirstName: first, LastName: "Example", Email: email, Role: role, SubAccountID: sub})
		if err != nil {
			return tenancy.Actor{}, err
		}
		fmt.Fprintf(out, "%s registered %s as %s\n", by.Role, email, role)
		if err := env.deliver(ctx); err != nil {
			return tenancy.Actor{}, err
		}
		return svc.ActorFor(ctx, emp.UserID, newWays.ID)
	}
	admin, err := register(owner, "Anna", "anna@newways.example", tenancy.RoleAdministrator, "")
	if err != nil {
		return err
	}
	manager, err := register(admin, "Mark", "mark@newways.example", tenancy.RoleManager, sales.ID)
	if err != nil {
		return err
	}
	operator, err := register(admin, "Oleg", "oleg@newways.example", tenancy.RoleOperator, sales.ID)
	if err != nil {
		return err
	}
	if _, err := register(admin, "Sofia", "sofia@newways.example", tenancy.RoleManager, support.ID); err != nil {
		return err
	}
	if _, err := register(manager, "Max", "max@newways.example", tenancy.RoleManager, sales.ID); err != nil {
		return err
	}

	// A manager is refused outside its own sub-account, and above its own role.
	_, err = register(manager, "Eve", "eve@newways.example", tenancy.RoleManager, support.ID)
	fmt.Fprintln(out, "manager → manager in Support:", verdict(err))
	_, err = register(manager, "Eve", "eve@newways.example", tenancy.RoleAdministrator, "")
	fmt.Fprintln(out, "manager → administrator:", verdict(err))
	_, err = svc.RegisterEmployee(ctx, admin, newWays.ID, tenancy.NewEmployee{FirstName: "", LastName: "X", Email: "not-an-address", Role: "janitor"})
	fmt.Fprintln(out, "bad input:", err)

	// What each actor sees.
	page, err := svc.ListEmployees(ctx, manager, newWays.ID, storage.PageRequest{})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "the Sales manager sees %d users:", len(page.Items))
	for _, e := range page.Items {
		fmt.Fprintf(out, " %s", e.Email)
	}
	fmt.Fprintln(out)
	all, ids, err := svc.VisibleSubAccounts(ctx, manager, newWays.ID)
	if err != nil {
		return err
	}
	names := map[string]string{sales.ID: sales.Name, support.ID: support.Name}
	fmt.Fprintf(out, "visible sub-accounts — manager: all=%v", all)
	for _, id := range ids {
		fmt.Fprintf(out, " %s", names[id])
	}
	fmt.Fprint(out, "; ")
	all, _, err = svc.VisibleSubAccounts(ctx, admin, newWays.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "administrator: all=%v\n", all)
	svAdmin, err := svc.ActorFor(ctx, svOwner.ID, sever.ID)
	if err != nil {
		return err
	}
	_, err = svc.GetCompany(ctx, svAdmin, newWays.ID)
	fmt.Fprintln(out, "Sever's owner opens New ways (a sibling affiliate):", verdict(err))
	_, err = svc.SetLegalIdentity(ctx, owner, newWays.ID, tenancy.LegalIdentity{LegalName: "Old ways"})
	fmt.Fprintln(out, "owner changes its legal name:", verdict(err))

	// Log in with the mailed password (the e-mail is case-insensitive), pick the company.
	u, err := svc.Authenticate(ctx, "MARK@newways.example", mail.passwords["mark@newways.example"])
	if err != nil {
		return err
	}
	me, err := svc.ActorFor(ctx, u.ID, newWays.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s %s logged in as %s of sub-account %s\n", u.FirstName, u.LastName, me.Role, names[me.SubAccountID])

	// Oleg changes his e-mail (re-entering his password): nothing changes
	// until the new address confirms with the token it was sent.
	_, err = svc.RequestEmailChange(ctx, operator, newWays.ID, operator.UserID, tenancy.EmailChangeInput{
		NewEmail: "oleg.petrov@newways.example", Password: mail.passwords["oleg@newways.example"]})
	if err != nil {
		return err
	}
	if err := env.deliver(ctx); err != nil {
		return err
	}
	moved, err := svc.ConfirmEmailChange(ctx, mail.token("oleg.petrov@newways.example"))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Oleg confirmed: his login is now %s\n", moved.Email)
	if err := env.deliver(ctx); err != nil {
		return err
	}
	_, err = svc.ConfirmEmailChange(ctx, mail.token("oleg.petrov@newways.example"))
	fmt.Fprintln(out, "the same link again:", verdict(err))

	// Mark forgot his password. An unknown address gets the same answer.
	known, unknown := svc.RequestPasswordReset(ctx, "mark@newways.example"), svc.RequestPasswordReset(ctx, "nobody@newways.example")
	fmt.Fprintf(out, "password reset asked for mark@ and nobody@newways.example: the same answer (%v, %v)\n", known, unknown)
	if err := env.deliver(ctx); err != nil {
		return err
	}
	if err := svc.ResetPassword(ctx, mail.token("mark@newways.example"), "Mark-new-password-1", "Mark-new-password-1"); err != nil {
		return err
	}
	_, err = svc.Authenticate(ctx, "mark@newways.example", "Mark-new-password-1")
	fmt.Fprintln(out, "Mark logs in with his new password:", verdict(err))
	mail.mu.Lock()
	mail.passwords["mark@newways.example"] = "Mark-new-password-1"
	mail.mu.Unlock()

	// Company search, scoped to what the actor sees.
	for _, q := range []string{"new", "ways", "comp", "sever", "7707"} {
		p, err := svc.SearchCompanies(ctx, resellerAdmin, q, storage.PageRequest{Limit: 10})
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "reseller admin searches %q:", q)
		for _, c := range p.Items {
			fmt.Fprintf(out, " %q", c.DisplayName)
		}
		fmt.Fprintln(out)
	}
	p, err := svc.SearchCompanies(ctx, svAdmin, "ways", storage.PageRequest{})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Sever's owner searches \"ways\": %d results\n", len(p.Items))

	// The tours after this one work in New ways company with these people.
	env.Tenancy, env.ResellerID, env.CompanyID = svc, reseller.ID, newWays.ID
	env.ResellerAdmin, env.Owner, env.Admin, env.Manager, env.Operator = resellerAdmin, owner, admin, manager, operator
	env.MailedPassword = func(email string) string {
		mail.mu.Lock()
		defer mail.mu.Unlock()
		return mail.passwords[email]
	}
	n := 0
	env.NewOperator = func(ctx context.Context) (tenancy.Actor, error) {
		n++
		return register(admin, "Agent", fmt.Sprintf("agent%d@newways.example", n), tenancy.RoleOperator, "")
	}
	return nil
}

func verdict(err error) string {
	switch {
	case err == nil:
		return "allowed"
	case errors.Is(err, storage.ErrForbidden):
		return "refused (forbidden)"
	}
	return "refused: " + err.Error()
}
