package account

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/observe"
	"github.com/switchboardkit/switchboard/tenancy"
)

// Registry looks a company up by INN in a public registry ("Fill by INN").
// The host implements it; the Service validates what it returns before
// storing anything.
type Registry interface {
	// LookupINN returns the registry's record for inn, or an error wrapping
	// storage.ErrNotFound when the registry does not know it.
	LookupINN(ctx context.Context, inn string) (RegistryRecord, error)
}

// RegistryRecord is what a registry lookup returns. LegalName is shown to
// the caller but not stored: the legal name belongs to tenancy.
type RegistryRecord struct {
	LegalName    string
	INN          string
	KPP          string
	LegalAddress string
	PostalCode   string
	City         string
}

// ConnectionTester checks a mail connection before it is saved. The host
// implements it (opens the connection and logs in when a user name is given).
type ConnectionTester interface {
	TestMailConnection(ctx context.Context, c MailConnection) error
}

// ConnectionTesterFunc adapts a function to ConnectionTester.
type ConnectionTesterFunc func(ctx context.Context, c MailConnection) error

// TestMailConnection calls f.
func (f ConnectionTesterFunc) TestMailConnection(ctx context.Context, c MailConnection) error {
	return f(ctx, c)
}

// MailConnection is the mail-access input: what SetMailAccess stores (the
// password sealed) and what the ConnectionTester receives.
type MailConnection struct {
	Host     string       `json:"host" validate:"required,text,max=253,hostname_rfc1123|ip"`
	Port     int          `json:"port" validate:"required,min=1,max=65535"`
	Security MailSecurity `json:"security" validate:"required,text,oneof=none tls starttls"`
	Username string       `json:"username" validate:"text,max=254"`
	Password Secret       `json:"password"`
}

// PasswordChecker verifies a user's password (tenancy owns the hashes). The
// host wires it to tenancy; it returns nil for the right password, an error
// wrapping storage.ErrForbidden for a wrong one.
type PasswordChecker interface {
	CheckPassword(ctx context.Context, companyID, userID string, password Secret) error
}

// Service is the account domain's use cases. It is safe for concurrent use.
type Service struct {
	obs       observe.Observer // logger and tracer (observe.WithLogger, observe.WithTracerProvider)
	tx        storage.Transactor
	store     Store
	dir       tenancy.Directory
	log       audit.Recorder
	seal      sealer
	clock     storage.Clock
	validate  *storage.Validator
	languages []string
	pbxTypes  []string
	ai        []AIFeatureInfo
	registry  Registry
	taxes     TaxIdentities // the company's one INN/KPP (WithTaxIdentity); nil: kept in the requisites
	tester    ConnectionTester
	passwords PasswordChecker
	people    EmployeeFinder // SearchEmployees' employee search (WithEmployees; default dir when it is one)
	grantTTL  time.Duration
	zones     sync.Map // IANA name → *time.Location
}

// Option configures a Service. It is observe.Option, so the shared observe.WithLogger and
// observe.WithTracerProvider are accepted too.
type Option = observe.Option

// WithClock sets the clock (default storage.SystemClock).
// TaxIdentities is the one home of a company's INN and KPP:
// tenancy.Service implements it (tenancy.Company's TaxID and KPP).
type TaxIdentities interface {
	SetTaxIdentity(ctx context.Context, by tenancy.Actor, companyID string, in tenancy.TaxIdentity) (tenancy.Company, error)
	GetCompany(ctx context.Context, by tenancy.Actor, companyID string) (tenancy.Company, error)
}

// WithTaxIdentity keeps the requisites' INN and KPP in t alone (wire the
// tenancy.Service): UpdateRequisites and FillByINN set them there, in their
// transaction and under its rules (tenancy.Service.SetTaxIdentity: once an
// INN is set only the platform changes it), and every Company this service
// returns reads them from there, so company search finds what the company
// saved. Without it the requisites keep their own INN and KPP.
func WithTaxIdentity(t TaxIdentities) Option { return observe.For(func(s *Service) { s.taxes = t }) }

// withTax fills c's INN and KPP from the tax identity's home.
func (s *Service) withTax(ctx context.Context, op string, by tenancy.Actor, c *Company) (*Company, error) {
	if s.taxes == nil || c == nil {
		return c, nil
	}
	tc, err := s.taxes.GetCompany(ctx, by, c.CompanyID)
	if err != nil {
		return nil, storage.Reop(op, err)
	}
	c.Requisites.INN, c.Requisites.KPP = tc.TaxID, tc.KPP
	return c, nil
}

// storeTax sets r's INN and KPP in their home and blanks them in r, so the
// requisites keep no copy. In the caller's transaction.
func (s *Service) storeTax(ctx context.Context, by tenancy.Actor, companyID string, r *Requisites) error {
	if s.taxes == nil {
		return nil
	}
	if _, err := s.taxes.SetTaxIdentity(ctx, by, companyID, tenancy.TaxIdentity{INN: r.INN, KPP: r.KPP}); err != nil {
		return err
	}
	r.INN, r.KPP = "", ""
	return nil
}

func WithClock(c storage.Clock) Option { return observe.For(func(s *Service) { s.clock = c }) }

// WithLanguages sets the languages the platform offers (BCP 47 tags, e.g.
// "en", "ru"); the first is the default. Default: only "en". A company's
// second language is allowed only when more than one is offered.
func WithLanguages(tags ...string) Option {
	return observe.For(func(s *Service) { s.languages = slices.Clone(tags) })
}

// WithPBXTypes sets the supported phone systems (default: none, so SetPBX
// refuses every type until the host configures them).
func WithPBXTypes(types ...string) Option {
	return observe.For(func(s *Service) { s.pbxTypes = slices.Clone(types) })
}

// WithAIFeatures replaces the AI feature catalogue (default DefaultAIFeatures).
func WithAIFeatures(fs ...AIFeatureInfo) Option {
	return observe.For(func(s *Service) { s.ai = slices.Clone(fs) })
}

// WithRegistry sets the "Fill by INN" registry (default: none; FillByINN
// then fails with storage.ErrUnavailable).
func WithRegistry(r Registry) Option { return observe.For(func(s *Service) { s.registry = r }) }

// WithConnectionTester sets the mail connection tester (default: none;
// SetMailAccess then fails with storage.ErrUnavailable).
func WithConnectionTester(t ConnectionTester) Option {
	return observe.For(func(s *Service) { s.tester = t })
}

// WithPasswordChecker sets the checker OpenBill re-authenticates with
// (default: none; OpenBill then fails with storage.ErrUnavailable).
func WithPasswordChecker(p PasswordChecker) Option {
	return observe.For(func(s *Service) { s.passwords = p })
}

// WithBillGrantTTL sets how long a bill-access grant lasts (default 5 minutes).
func WithBillGrantTTL(d time.Duration) Option {
	return observe.For(func(s *Service) { s.grantTTL = d })
}

// NewService returns the account service. store and tx are usually the same
// backend; dir is tenancy's directory; log records every change; keys seals
// secrets at rest.
func NewService(tx storage.Transactor, store Store, dir tenancy.Directory, log audit.Recorder, keys KeyProvider, opts ...Option) *Service {
	s := &Service{
		tx: tx, store: store, dir: dir, log: log, seal: sealer{keys: keys},
		clock:     storage.SystemClock{},
		languages: []string{"en"}, ai: slices.Clone(DefaultAIFeatures), grantTTL: 5 * time.Minute,
	}
	if f, ok := dir.(EmployeeFinder); ok {
		s.people = f
	}
	observe.Apply("github.com/switchboardkit/switchboard/account", s, &s.obs, opts)
	s.validate = storage.NewValidator()
	rules := RequisiteRules()
	for _, r := range tenancy.Rules() {
		if r.Tag == "role" { // the organisation search's role filter
			rules = append(rules, r)
		}
	}
	for _, r := range rules {
		if err := s.validate.RegisterRule(r); err != nil {
			panic("account: registering validation rules: " + err.Error()) // static rules: cannot fail
		}
	}
	return s
}

// check validates v with messages in the locale of ctx.
func (s *Service) check(ctx context.Context, op string, v any) error {
	return storage.Validate(ctx, op, s.validate, v)
}

// company loads the directory's reference to companyID.
func (s *Service) company(ctx context.Context, id string) (tenancy.CompanyRef, error) {
	return s.dir.Company(ctx, id)
}

// authorizeCompany loads the directory's reference to companyID and
// authorises act on the company.
func (s *Service) authorizeCompany(ctx context.Context, op string, by tenancy.Actor, companyID string, act tenancy.Action) (tenancy.CompanyRef, error) {
	ref, err := s.company(ctx, companyID)
	if err != nil {
		return ref, storage.Reop(op, err)
	}
	return ref, tenancy.AuthorizeIn(ctx, s.dir, op, by, act, ref.Resource())
}

// authorizeMember loads userID's membership of companyID and authorises act
// on the member.
func (s *Service) authorizeMember(ctx context.Context, op string, by tenancy.Actor, companyID, userID string, act tenancy.Action) error {
	m, err := s.dir.Member(ctx, companyID, userID)
	if err != nil {
		return storage.Reop(op, err)
	}
	return tenancy.AuthorizeIn(ctx, s.dir, op, by, act, m.Resource())
}

// record records one audit event of by on an entity of companyID.
func (s *Service) record(ctx context.Context, by tenancy.Actor, companyID, action, entityType, entityID string, changes []audit.Change) error {
	_, err := s.log.Record(ctx, audit.Entry{Actor: by.Audit(), CompanyID: companyID, Action: action,
		EntityType: entityType, EntityID: entityID, Changes: changes})
	return err
}

// loadCompany returns the stored document of ref, or a fresh one.
func (s *Service) loadCompany(ctx context.Context, companyID string) (*Company, error) {
	c, err := s.store.Company(ctx, companyID)
	if errors.Is(err, storage.ErrNotFound) {
		return &Company{CompanyID: companyID}, nil
	}
	return c, err
}

func (s *Service) loadUser(ctx context.Context, companyID, userID string) (*User, error) {
	u, err := s.store.User(ctx, companyID, userID)
	if errors.Is(err, storage.ErrNotFound) {
		return &User{CompanyID: companyID, UserID: userID}, nil
	}
	return u, err
}

// cloneCompany deep-copies c so a before/after pair can be diffed.
func cloneCompany(c *Company) *Company {
	out := *c
	out.AI = slices.Clone(c.AI)
	for i := range out.AI {
		if out.AI[i].Consent != nil {
			cr := *out.AI[i].Consent
			out.AI[i].Consent = &cr
		}
	}
	out.SMS.Types = slices.Clone(c.SMS.Types)
	out.SMS.Zones = slices.Clone(c.SMS.Zones)
	for i := range out.SMS.Zones {
		out.SMS.Zones[i].Users = slices.Clone(out.SMS.Zones[i].Users)
	}
	out.CostCentres = slices.Clone(c.CostCentres)
	out.Mail.Password = slices.Clone(c.Mail.Password)
	out.PBX.Password = slices.Clone(c.PBX.Password)
	return &out
}

func cloneUser(u *User) *User {
	out := *u
	out.MailLogin.Password = slices.Clone(u.MailLogin.Password)
	if u.MaxDialogs != nil {
		n := *u.MaxDialogs
		out.MaxDialogs = &n
	}
	return &out
}

// updateCompany is the shape of every company-setting change: inside one
// transaction it loads the company reference and document, authorises act
// on the company, lets change edit a copy (change validates and returns the
// audit changes, or nil for "nothing changed"), stores it and records the
// audit event.
func (s *Service) updateCompany(ctx context.Context, op string, by tenancy.Actor, companyID string, act tenancy.Action, action string,
	change func(ctx context.Context, ref tenancy.CompanyRef, c *Company) ([]audit.Change, error)) (*Company, error) {
	var out *Company
	err := storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		ref, err := s.authorizeCompany(ctx, op, by, companyID, act)
		if err != nil {
			return err
		}
		before, err := s.loadCompany(ctx, companyID)
		if err != nil {
			return err
		}
		after := cloneCompany(before)
		changes, err := change(ctx, ref, after)
		if err != nil {
			return err
		}
		if len(changes) == 0 {
			out = after
			return nil
		}
		after.UpdatedAt = storage.Timestamp(s.clock.Now())
		if err := s.sealAllUnderCurrent(ctx, op, after); err != nil {
			return err
		}
		if err := s.store.SaveCompany(ctx, after); err != nil {
			return err
		}
		if err := s.record(ctx, by, companyID, action, "account.company", companyID, changes); err != nil {
			return err
		}
		out = after
		return nil
	}))
	if err != nil {
		return nil, err
	}
	return s.withTax(ctx, op, by, forCaller(out))
}

// forCaller is the copy of c the Service hands out: sealed secrets are
// replaced by HasPassword flags, so even ciphertext never reaches a host's
// API responses or logs.
func forCaller(c *Company) *Company {
	out := cloneCompany(c)
	out.Mail.HasPassword, out.Mail.Password = len(c.Mail.Password) > 0, nil
	out.PBX.HasPassword, out.PBX.Password = len(c.PBX.Password) > 0, nil
	return out
}

// saveUser stores u, recording in u.KeyID the key its sealed secrets are
// under, so RotateSecrets finds the users an older key still holds.
func (s *Service) saveUser(ctx context.Context, u *User) error {
	u.KeyID = ""
	if len(u.MailLogin.Password) > 0 {
		u.KeyID = u.MailLogin.Password.KeyID()
	}
	return s.store.SaveUser(ctx, u)
}

// updateUser is updateCompany for one member's settings; authorisation is
// act on the member's resource.
func (s *Service) updateUser(ctx context.Context, op string, by tenancy.Actor, companyID, userID string, act tenancy.Action, action string,
	change func(ctx context.Context, c *Company, u *User) ([]audit.Change, error)) (*User, error) {
	var out *User
	err := storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.authorizeMember(ctx, op, by, companyID, userID, act); err != nil {
			return err
		}
		c, err := s.loadCompany(ctx, companyID)
		if err != nil {
			return err
		}
		before, err := s.loadUser(ctx, companyID, userID)
		if err != nil {
			return err
		}
		after := cloneUser(before)
		changes, err := change(ctx, c, after)
		if err != nil {
			return err
		}
		if len(changes) == 0 {
			out = after
			return nil
		}
		after.UpdatedAt = storage.Timestamp(s.clock.Now())
		if err := s.saveUser(ctx, after); err != nil {
			return err
		}
		if err := s.record(ctx, by, companyID, action, "account.user", userID, changes); err != nil {
			return err
		}
		out = after
		return nil
	}))
	if err != nil {
		return nil, err
	}
	return userForCaller(out), nil
}

// userForCaller is the copy of u the Service hands out: the sealed mail
// password is replaced by HasPassword.
func userForCaller(u *User) *User {
	out := cloneUser(u)
	out.MailLogin.HasPassword, out.MailLogin.Password = len(u.MailLogin.Password) > 0, nil
	return out
}

// Company returns companyID's account document (defaults when nothing was
// stored yet). Authorised: tenancy.ActView on the company (administrators,
// managers read-only, the company's reseller, the platform).
func (s *Service) Company(ctx context.Context, by tenancy.Actor, companyID string) (_ *Company, err error) {
	const op = "account.Company"
	ctx, uc := s.obs.Start(ctx, op, companyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	if _, err := s.authorizeCompany(ctx, op, by, companyID, tenancy.ActView); err != nil {
		return nil, err
	}
	c, err := s.loadCompany(ctx, companyID)
	if err != nil {
		return nil, err
	}
	return s.withTax(ctx, op, by, forCaller(c))
}

// UserSettings returns userID's own settings in companyID (empty when none
// were stored). Authorised: tenancy.ActView on the member.
func (s *Service) UserSettings(ctx context.Context, by tenancy.Actor, companyID, userID string) (_ *User, err error) {
	const op = "account.UserSettings"
	ctx, uc := s.obs.Start(ctx, op, companyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	if err := s.authorizeMember(ctx, op, by, companyID, userID, tenancy.ActView); err != nil {
		return nil, err
	}
	u, err := s.loadUser(ctx, companyID, userID)
	if err != nil {
		return nil, err
	}
	return userForCaller(u), nil
}
