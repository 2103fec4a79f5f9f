package storagetest

import (
	"fmt"
	"strings"
	"time"

	"github.com/switchboardkit/switchboard/account/presence"
	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/compliance/calllist"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// Tenant is a company the world created and its owner.
type Tenant struct {
	ID      string
	Company tenancy.Company
	Owner   tenancy.Actor
}

// CompanyFixture is a regular company with two sub-accounts and one member
// of each company role: Manager and Operator work in SubAccounts[0].
type CompanyFixture struct {
	Tenant
	SubAccounts []tenancy.SubAccount // "Sales", "Support"
	Admin       tenancy.Actor
	Manager     tenancy.Actor
	Operator    tenancy.Actor
}

// ResellerFixture is a reseller, its reseller administrator, and the
// affiliates registered through its link (tenancy.Service.RegisterAffiliate),
// each with an invitation the administrator issued.
type ResellerFixture struct {
	Tenant
	Slug       string
	Admin      tenancy.Actor // RoleResellerAdmin: sees the reseller and its affiliates
	Affiliates []Tenant
}

// OperatorFixture is a CompanyFixture whose administrator created three
// pause types: Break (paid, 15 minutes a day), Lunch (unpaid, 60 minutes a
// day), both falling back to Unpaid (unpaid, unlimited) when their
// allocation runs out. The operator is Operator.
type OperatorFixture struct {
	CompanyFixture
	Break, Lunch, Unpaid *presence.PauseType
}

// PolicyFixture is a company with FZ-230 switched on under a policy, a
// dialer (an operator) and a call list of five subscribers in five Russian
// time zones, read with compliance/calllist.
type PolicyFixture struct {
	Tenant
	Dialer   tenancy.Actor
	Settings compliance.Settings
	// Calls are the call list's records as calls of this company: keys
	// debt-1 … debt-5, Moscow, Vladivostok, Kaliningrad, Novosibirsk and
	// Yekaterinburg numbers.
	Calls []compliance.Call
}

// callList is the PolicyFixture's call list, as a dialer's CSV export.
const callList = "phone,key\n" +
	"+7 495 123-45-67,debt-1\n" +
	"+7 423 222-33-44,debt-2\n" +
	"+7 4012 12-34-56,debt-3\n" +
	"+7 383 212-34-56,debt-4\n" +
	"+7 343 212-34-56,debt-5\n"

// next returns a fresh fixture number and a suffix no other world on the
// same backend uses (e-mail addresses and slugs are unique per backend).
func (w *World) next() (int, string) {
	w.st.mu.Lock()
	w.st.serial++
	n := w.st.serial
	w.st.mu.Unlock()
	return n, strings.ToLower(strings.ReplaceAll(storage.NewID(), "-", "")[20:])
}

func (w *World) fatal(what string, err error) {
	w.tb.Helper()
	w.tb.Fatalf("storagetest: %s: %v", what, err)
}

// Tenant creates a company of kind (regular or reseller; a reseller gets a
// slug) and its owner, as the platform does.
func (w *World) Tenant(kind tenancy.CompanyKind) Tenant {
	w.tb.Helper()
	n, sfx := w.next()
	in := tenancy.NewCompany{Kind: kind, LegalName: fmt.Sprintf("Company %d", n),
		Owner: tenancy.Person{FirstName: "Owner", LastName: fmt.Sprintf("Of %d", n), Email: fmt.Sprintf("owner-%d-%s@company.example", n, sfx)}}
	if kind == tenancy.KindReseller {
		in.LegalName, in.Slug = fmt.Sprintf("Reseller %d", n), "reseller-"+sfx
	}
	return w.create(in)
}

func (w *World) create(in tenancy.NewCompany) Tenant {
	w.tb.Helper()
	ctx := w.ctx()
	c, owner, err := w.People.CreateCompany(ctx, w.Platform, in)
	if err != nil {
		w.fatal("creating company "+in.LegalName, err)
	}
	a, err := w.People.ActorFor(ctx, owner.ID, c.ID)
	if err != nil {
		w.fatal("acting as the owner of "+in.LegalName, err)
	}
	w.remember(owner.ID, owner.Email)
	return Tenant{ID: c.ID, Company: c, Owner: a}
}

// Employee registers a new person in companyID with role (and sub-account),
// as by, and returns the actor the person acts as. Its address is
// w.Email(actor.UserID); its generated password, w.Password of it.
func (w *World) Employee(by tenancy.Actor, companyID string, role tenancy.Role, subAccountID string) tenancy.Actor {
	w.tb.Helper()
	ctx := w.ctx()
	n, sfx := w.next()
	emp, err := w.People.RegisterEmployee(ctx, by, companyID, tenancy.NewEmployee{FirstName: strings.ToUpper(string(role[0])) + string(role[1:]),
		LastName: fmt.Sprint(n), Email: fmt.Sprintf("%s-%d-%s@company.example", strings.ReplaceAll(string(role), "_", "-"), n, sfx),
		Role: role, SubAccountID: subAccountID})
	if err != nil {
		w.fatal(fmt.Sprintf("registering a %s in %s", role, companyID), err)
	}
	a, err := w.People.ActorFor(ctx, emp.UserID, companyID)
	if err != nil {
		w.fatal("acting as the new "+string(role), err)
	}
	w.remember(emp.UserID, emp.Email)
	return a
}

// Email returns the address of a user a fixture registered ("" for
// another).
func (w *World) Email(userID string) string {
	w.st.mu.Lock()
	defer w.st.mu.Unlock()
	return w.st.emails[userID]
}

func (w *World) remember(userID, email string) {
	w.st.mu.Lock()
	defer w.st.mu.Unlock()
	if w.st.emails == nil {
		w.st.emails = map[string]string{}
	}
	w.st.emails[userID] = email
}

// Company creates a regular company with sub-accounts Sales and Support
// and an owner, an administrator, a manager and an operator (the last two
// in Sales), each registered by the owner.
func (w *World) Company() CompanyFixture {
	w.tb.Helper()
	ctx := w.ctx()
	c := CompanyFixture{Tenant: w.Tenant(tenancy.KindRegular)}
	for _, name := range []string{"Sales", "Support"} {
		sa, err := w.People.CreateSubAccount(ctx, c.Owner, c.ID, name)
		if err != nil {
			w.fatal("creating sub-account "+name, err)
		}
		c.SubAccounts = append(c.SubAccounts, sa)
	}
	c.Admin = w.Employee(c.Owner, c.ID, tenancy.RoleAdministrator, "")
	c.Manager = w.Employee(c.Owner, c.ID, tenancy.RoleManager, c.SubAccounts[0].ID)
	c.Operator = w.Employee(c.Owner, c.ID, tenancy.RoleOperator, c.SubAccounts[0].ID)
	return c
}

// Reseller creates a reseller with a reseller administrator (registered by
// the platform) and n affiliates: for each, the administrator issues an
// invitation, and its owner registers through the reseller's link with the
// token the invitation delivered. The link stays closed, a new reseller's
// default (tenancy.Service.SetOpenRegistration opens it).
func (w *World) Reseller(n int) ResellerFixture {
	w.tb.Helper()
	ctx := w.ctx()
	r := ResellerFixture{Tenant: w.Tenant(tenancy.KindReseller)}
	r.Slug = r.Company.Slug
	r.Admin = w.Employee(w.Platform, r.ID, tenancy.RoleResellerAdmin, "")
	for range n {
		i, sfx := w.next()
		email := fmt.Sprintf("affiliate-%d-%s@affiliate.example", i, sfx)
		if _, err := w.People.IssueInvitation(ctx, r.Admin, r.ID, tenancy.InvitationInput{Email: email}); err != nil {
			w.fatal("inviting an affiliate of "+r.Slug, err)
		}
		inv := w.Invitations(email)
		if len(inv) != 1 {
			w.tb.Fatalf("storagetest: %d invitations delivered to %s, want 1", len(inv), email)
			return r
		}
		c, owner, err := w.People.RegisterAffiliate(ctx, r.Slug, tenancy.NewAffiliate{LegalName: fmt.Sprintf("Affiliate %d", i),
			Owner: tenancy.Person{FirstName: "Affiliate", LastName: fmt.Sprint(i), Email: email}, Invitation: string(inv[0].Token)})
		if err != nil {
			w.fatal("registering an affiliate of "+r.Slug, err)
		}
		a, err := w.People.ActorFor(ctx, owner.ID, c.ID)
		if err != nil {
			w.fatal("acting as an affiliate's owner", err)
		}
		w.remember(owner.ID, email)
		r.Affiliates = append(r.Affiliates, Tenant{ID: c.ID, Company: c, Owner: a})
	}
	return r
}

// Operator creates a CompanyFixture and its pause types (OperatorFixture).
func (w *World) Operator() OperatorFixture {
	w.tb.Helper()
	o := OperatorFixture{CompanyFixture: w.Company()}
	o.Unpaid = w.pauseType(o.Admin, o.ID, presence.PauseTypeInput{Name: "Unpaid"})
	o.Break = w.pauseType(o.Admin, o.ID, presence.PauseTypeInput{Name: "Break", Paid: true, DailyAllocation: new(15 * time.Minute), FallbackID: o.Unpaid.ID})
	o.Lunch = w.pauseType(o.Admin, o.ID, presence.PauseTypeInput{Name: "Lunch", DailyAllocation: new(time.Hour), FallbackID: o.Unpaid.ID})
	return o
}

func (w *World) pauseType(by tenancy.Actor, companyID string, in presence.PauseTypeInput) *presence.PauseType {
	w.tb.Helper()
	p, err := w.Operators.CreatePauseType(w.ctx(), by, companyID, in)
	if err != nil {
		w.fatal("creating pause type "+in.Name, err)
	}
	return p
}

// Policy creates a company whose owner switched FZ-230 on under p
// (compliance.FZ230Calls() for the statute's conversation caps), a dialer,
// and the call list (PolicyFixture).
func (w *World) Policy(p compliance.Policy) PolicyFixture {
	w.tb.Helper()
	ctx := w.ctx()
	f := PolicyFixture{Tenant: w.Tenant(tenancy.KindRegular)}
	f.Dialer = w.Employee(f.Owner, f.ID, tenancy.RoleOperator, "")
	s, err := w.Calls.SetSettings(ctx, f.Owner, f.ID, true, p)
	if err != nil {
		w.fatal("setting the call policy", err)
	}
	f.Settings = s
	rd, err := calllist.NewReader(strings.NewReader(callList), calllist.Options{})
	if err != nil {
		w.fatal("reading the call list", err)
	}
	for rec, err := range rd.All() {
		if err != nil {
			w.fatal("reading the call list", err)
		}
		f.Calls = append(f.Calls, rec.Call(f.ID))
	}
	return f
}
