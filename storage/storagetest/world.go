package storagetest

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/account/presence"
	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/memory"
	"github.com/switchboardkit/switchboard/tenancy"
)

// WorldStart is when a World's clock starts unless StartingAt says
// otherwise: Monday 16 March 2026, 07:00 UTC — 09:00 in Kaliningrad, 10:00
// in Moscow, 17:00 in Vladivostok, 19:00 in Kamchatka: a working day's
// calling hours in every Russian zone.
var WorldStart = time.Date(2026, 3, 16, 7, 0, 0, 0, time.UTC)

// WorldPasswordCost is the bcrypt cost a World's tenancy hashes with
// (bcrypt.MinCost): about a millisecond a user instead of a quarter second.
const WorldPasswordCost = 4

// World is every Switchboard service wired on one backend the way a host
// wires them at start-up (the README's "Wiring"), for a host's own tests:
// tenancy's member-added hook grants the default packages, its
// member-removed hook releases the leaver's licenses, settings and status,
// its member-deactivated hook takes the member offline, its
// credentials-changed hook is recorded (CredentialsChanges), presence reads operators' time zones from account, compliance asks
// licensing who is suspended. Time is a manual clock (Clock) every service
// and the audit trail read, passwords are hashed at WorldPasswordCost,
// secrets are sealed with an in-memory key provider (Keys), and account's
// host adapters are fakes the test controls (Mail, Registry; OpenBill's
// password check goes to tenancy.Service.VerifyPassword).
//
// Effects are delivered, not dropped: one dispatcher drains the backend's
// outbox into recorders (Credentials, Password, Invitations,
// PasswordResets, Removals, Deactivations, Reminders, Suspensions, Switches,
// Delivered), each call draining first, so a test
// reads what a host's dispatch loop would have delivered by then. Never
// call them inside an open transaction: the drain runs transactions of
// its own. The world's dispatcher is the backend's only one (a second
// would take messages from it), so test a host's own handler by calling it
// with what a recorder returns: Delivered gives each message's ID, the
// handler's deduplication key.
//
// The fixtures (Company, Reseller, Operator, Policy, Employee) go through
// the real use cases, so what they build is valid and audited; they fail
// the test on an error and, like the recorders, run their own transactions:
// call them outside any InTx. The assertions (AuditOf, RequireNoTrace,
// RequireKind) check what a call did.
//
// A World's services, recorders and fakes are safe for concurrent use; a
// fixture or assertion that fails calls Fatalf, which testing allows only
// on the test's own goroutine. Its backend is closed by tb.Cleanup (a
// backend given with OnHarness is the caller's).
type World struct {
	tb T

	// H is the backend the services run on: the conformance suite's
	// Harness, so a test can reach a domain store directly.
	H *Harness
	// Clock is the time of every service, the audit trail and (unless
	// OnHarness) the dispatcher. Move it with Set or Advance.
	Clock *storage.ManualClock
	// Keys seals generated passwords and account secrets.
	Keys *storage.StaticKeys

	Trail     *audit.Log
	People    *tenancy.Service    // the tenancy.Directory everyone asks
	Credit    *licensing.Service  // plans, licenses, credit
	Settings  *account.Service    // profile, settings, secrets
	Operators *presence.Service   // operator status and pause budgets; nil on a harness without a presence store
	Calls     *compliance.Service // call policies and reservations; nil on a harness without a compliance store

	// Mail is the mail connection tester account.SetMailAccess calls.
	Mail *MailTester
	// Registry is the fill-by-INN registry account.FillByINN asks.
	Registry *Registry
	// Platform is the platform's support actor, the one that creates
	// companies.
	Platform tenancy.Actor

	st *worldState // shared with the worlds For returns
}

// worldState is what a World and the copies For makes of it share.
type worldState struct {
	mu     sync.Mutex
	serial int               // names fixtures apart
	emails map[string]string // user ID → address, of the users fixtures registered
	creds  []tenancy.CredentialsChange
}

// For returns the world reporting its failures to t instead — the same
// backend, services, fakes and recorders — for a subtest of the test that
// built it (a test may fail only from its own goroutine).
func (w *World) For(t T) *World {
	c := *w
	c.tb = t
	return &c
}

// T is what a World needs of the test it serves: *testing.T, *testing.B,
// *testing.F and every testing.TB have it, and so can an Example's own
// stand-in. Fatalf should end the test as testing's does; a World returns
// after it but what follows may not make sense. The SQL backends
// (OnSQLite, …) need a testing.TB.
type T interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// WorldOption configures NewWorld.
type WorldOption func(*worldConfig)

type worldConfig struct {
	open      func(T) *Harness
	shared    bool
	start     time.Time
	tenancy   []tenancy.Option
	licensing []licensing.Option
	account   []account.Option
	presence  []presence.Option
	comp      []compliance.Option
	audit     []audit.Option
}

// OnSQLite runs the world on a fresh, migrated SQLite file under the
// test's temporary directory (OpenSQLite).
func OnSQLite() WorldOption {
	return func(c *worldConfig) {
		c.open = func(t T) *Harness {
			st := OpenSQLite(needTB(t, "OnSQLite"))
			t.Cleanup(func() { _ = st.Close() }) // the file is removed with TempDir
			return BunHarness(st)
		}
	}
}

// OnPostgres runs the world on a fresh database on the server named by
// SWITCHBOARD_POSTGRES_DSN, dropped when the test ends (OpenPostgres). The
// test skips without the variable, and fails under CI=true.
func OnPostgres() WorldOption {
	return func(c *worldConfig) {
		c.open = func(t T) *Harness { return BunHarness(OpenPostgres(needTB(t, "OnPostgres"))) }
	}
}

// OnMySQL is OnPostgres for SWITCHBOARD_MYSQL_DSN (MySQL or MariaDB).
func OnMySQL() WorldOption {
	return func(c *worldConfig) {
		c.open = func(t T) *Harness { return BunHarness(OpenMySQL(needTB(t, "OnMySQL"))) }
	}
}

// OnHarness runs the world on a backend the caller already has, which
// other worlds and tests may share (the conformance suite's): the world
// does not close it, and its recorders read the harness's one dispatcher,
// so Delivered and Credentials see what every world on h caused — filter
// by the world's own companies and e-mail addresses. That dispatcher
// decides what is due by the system clock, so keep the world's clock in
// the past (WorldStart is).
func OnHarness(h *Harness) WorldOption {
	return func(c *worldConfig) { c.open, c.shared = func(T) *Harness { return h }, true }
}

// StartingAt starts the world's clock at t instead of WorldStart.
func StartingAt(t time.Time) WorldOption { return func(c *worldConfig) { c.start = t } }

// WithTenancy adds options to tenancy.NewService, after the world's own
// (clock, password cost, the README's hooks): a hook given here runs after
// those, a clock replaces the world's.
func WithTenancy(opts ...tenancy.Option) WorldOption {
	return func(c *worldConfig) { c.tenancy = append(c.tenancy, opts...) }
}

// WithLicensing adds options to licensing.NewService.
func WithLicensing(opts ...licensing.Option) WorldOption {
	return func(c *worldConfig) { c.licensing = append(c.licensing, opts...) }
}

// WithAccount adds options to account.NewService, after the world's own
// (clock, languages en and ru, PBX type asterisk, the fakes): a later one
// replaces an earlier.
func WithAccount(opts ...account.Option) WorldOption {
	return func(c *worldConfig) { c.account = append(c.account, opts...) }
}

// WithPresence adds options to presence.NewService.
func WithPresence(opts ...presence.Option) WorldOption {
	return func(c *worldConfig) { c.presence = append(c.presence, opts...) }
}

// WithCompliance adds options to compliance.NewService.
func WithCompliance(opts ...compliance.Option) WorldOption {
	return func(c *worldConfig) { c.comp = append(c.comp, opts...) }
}

// WithAudit adds options to audit.NewLog (a signer, say).
func WithAudit(opts ...audit.Option) WorldOption {
	return func(c *worldConfig) { c.audit = append(c.audit, opts...) }
}

// NewWorld wires every service on a fresh in-memory store (or the backend
// an option names) and returns the world. The backend is closed when the
// test ends.
func NewWorld(tb T, opts ...WorldOption) *World {
	tb.Helper()
	cfg := worldConfig{start: WorldStart, open: func(tb T) *Harness {
		st := memory.New()
		tb.Cleanup(func() { _ = st.Close() }) // closing a memory store cannot fail
		return MemoryHarness(st)
	}}
	for _, o := range opts {
		o(&cfg)
	}
	h := cfg.open(tb)
	w := &World{tb: tb, H: h, Clock: storage.NewManualClock(cfg.start), Keys: TestKeys,
		Mail: &MailTester{}, Registry: &Registry{}, Platform: tenancy.Platform("support"), st: &worldState{}}
	if !cfg.shared {
		h.fxClock = w.Clock // the world's own dispatcher: due by the world's time
	}
	h.effects() // one dispatcher per harness, created before any message exists

	w.Trail = audit.NewLog(h.Audit, append([]audit.Option{audit.WithClock(w.Clock)}, cfg.audit...)...)
	box := h.Outbox
	// The README's wiring: licensing, account and presence are created
	// after tenancy, whose hooks call them.
	tops := []tenancy.Option{tenancy.WithClock(w.Clock), tenancy.WithPasswordCost(WorldPasswordCost),
		tenancy.WithMemberAddedHook(func(ctx context.Context, by tenancy.Actor, companyID, userID string) error {
			_, err := w.Credit.GrantDefaultPackages(ctx, by, companyID, userID) // new users get the default packages
			return err
		}),
		tenancy.WithMemberRemovedHook(func(ctx context.Context, by tenancy.Actor, companyID, userID string) error {
			// Leavers free their licenses, subscriptions and packages, their
			// organisation options and SMS permissions, and go offline.
			if _, err := w.Credit.ReleaseUser(ctx, by, companyID, userID); err != nil {
				return err
			}
			if _, err := w.Settings.ReleaseUser(ctx, by, companyID, userID); err != nil {
				return err
			}
			if w.Operators == nil { // a harness without presence
				return nil
			}
			_, err := w.Operators.ReleaseUser(ctx, by, companyID, userID)
			return err
		}),
		tenancy.WithMemberDeactivatedHook(func(ctx context.Context, by tenancy.Actor, companyID, userID string) error {
			if w.Operators == nil {
				return nil
			}
			_, err := w.Operators.ReleaseUser(ctx, by, companyID, userID) // deactivated: seats kept, status offline
			return err
		}),
		// The host ends the user's other sessions; the world records the
		// change once it committed.
		tenancy.WithCredentialsChangedHook(func(ctx context.Context, c tenancy.CredentialsChange) error {
			storage.AfterCommit(ctx, func(context.Context) {
				w.st.mu.Lock()
				w.st.creds = append(w.st.creds, c)
				w.st.mu.Unlock()
			})
			return nil
		})}
	w.People = tenancy.NewService(h.Tx, h.Tenancy, w.Trail, box, w.Keys, append(tops, cfg.tenancy...)...)
	w.Settings = account.NewService(h.Tx, h.Account, w.People, w.Trail, w.Keys,
		append([]account.Option{account.WithClock(w.Clock), account.WithLanguages("en", "ru"),
			account.WithPBXTypes("asterisk"), account.WithRegistry(w.Registry), account.WithConnectionTester(w.Mail),
			account.WithPasswordChecker(worldPasswords{w.People}), account.WithTaxIdentity(w.People)}, cfg.account...)...)
	// Purchases are booked to the account's cost centres.
	w.Credit = licensing.NewService(h.Tx, h.Licensing, w.People, w.Trail, box,
		append([]licensing.Option{licensing.WithClock(w.Clock), licensing.WithCostCentres(w.Settings)}, cfg.licensing...)...)
	if h.Presence != nil {
		w.Operators = presence.NewService(h.Tx, h.Presence, w.People, w.Settings, w.Trail, box,
			append([]presence.Option{presence.WithClock(w.Clock)}, cfg.presence...)...)
	}
	if h.Compliance != nil {
		w.Calls = compliance.NewService(h.Tx, h.Compliance, w.People, w.Trail,
			append([]compliance.Option{compliance.WithClock(w.Clock), compliance.WithSuspensions(w.Credit)}, cfg.comp...)...)
	}
	return w
}

// needTB is t as a testing.TB, for the helpers that open SQL databases.
func needTB(t T, what string) testing.TB {
	t.Helper()
	tb, ok := t.(testing.TB)
	if !ok {
		t.Fatalf("storagetest: %s needs a testing.TB, not a %T", what, t)
	}
	return tb
}

// worldPasswords is the one-line adapter a host writes: account's bill
// access re-authenticates with tenancy.
type worldPasswords struct{ people *tenancy.Service }

func (p worldPasswords) CheckPassword(ctx context.Context, companyID, userID string, pw account.Secret) error {
	return p.people.VerifyPassword(ctx, companyID, userID, pw.Reveal())
}

// MailTester is the fake account.ConnectionTester: it records every
// connection it is asked to test and answers with the error set by Fail
// (nil: the connection works). Safe for concurrent use.
type MailTester struct {
	mu    sync.Mutex
	calls []account.MailConnection
	err   error
}

// TestMailConnection implements account.ConnectionTester.
func (m *MailTester) TestMailConnection(_ context.Context, c account.MailConnection) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls = append(m.calls, c)
	return m.err
}

// Fail makes every later test answer err (nil: succeed again).
func (m *MailTester) Fail(err error) {
	m.mu.Lock()
	m.err = err
	m.mu.Unlock()
}

// Tested returns the connections tested so far, in order.
func (m *MailTester) Tested() []account.MailConnection {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.calls)
}

// Registry is the fake fill-by-INN account.Registry: it knows the records
// added to it, and an INN it does not know is storage.ErrNotFound, as the
// real registry's answer. Safe for concurrent use.
type Registry struct {
	mu      sync.Mutex
	records map[string]account.RegistryRecord
	asked   []string
}

// Add makes the registry know r (by r.INN).
func (r *Registry) Add(rec account.RegistryRecord) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.records == nil {
		r.records = map[string]account.RegistryRecord{}
	}
	r.records[rec.INN] = rec
}

// LookupINN implements account.Registry.
func (r *Registry) LookupINN(_ context.Context, inn string) (account.RegistryRecord, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.asked = append(r.asked, inn)
	rec, ok := r.records[inn]
	if !ok {
		return account.RegistryRecord{}, storage.NotFound("storagetest.Registry", "inn", inn)
	}
	return rec, nil
}

// Asked returns the INNs looked up so far, in order.
func (r *Registry) Asked() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.asked)
}

// Delivery is one outbox message the world's dispatcher delivered.
type Delivery struct {
	ID        string // the message ID: a host's deduplication key
	Topic     storage.Topic
	CompanyID string
	// Value is the decoded payload: a tenancy.Credentials,
	// tenancy.MemberRemoved, tenancy.MemberDeactivated,
	// tenancy.EmailChangeRequest, tenancy.EmailChangeNotice,
	// tenancy.PasswordReset, tenancy.Invitation, licensing.Reminder,
	// licensing.Suspension or presence.Switch.
	Value any
}

// Delivered drains the outbox and returns every message delivered on
// topic so far ("" for every topic), in delivery order.
func (w *World) Delivered(topic storage.Topic) []Delivery {
	w.tb.Helper()
	all, err := w.H.effects().all()
	if err != nil {
		w.tb.Fatalf("storagetest: draining the outbox: %v", err)
	}
	var out []Delivery
	for _, d := range all {
		if topic == "" || d.topic == topic {
			out = append(out, Delivery{ID: d.id, Topic: d.topic, CompanyID: d.company, Value: d.v})
		}
	}
	return out
}

// deliveredAs is Delivered on topic, values of type T kept when keep says so.
func deliveredAs[T any](w *World, topic storage.Topic, keep func(T) bool) []T {
	w.tb.Helper()
	var out []T
	for _, d := range w.Delivered(topic) {
		if v := d.Value.(T); keep(v) {
			out = append(out, v)
		}
	}
	return out
}

// Credentials returns the credentials delivered to email
// (case-insensitively), oldest first: one for each registration that
// generated a password.
func (w *World) Credentials(email string) []tenancy.Credentials {
	w.tb.Helper()
	key := tenancy.EmailKey(email)
	return deliveredAs(w, storage.TopicCredentials, func(c tenancy.Credentials) bool { return tenancy.EmailKey(c.Email) == key })
}

// Password returns the last password delivered to email; the test fails
// when none was.
func (w *World) Password(email string) string {
	w.tb.Helper()
	cs := w.Credentials(email)
	if len(cs) == 0 {
		w.tb.Fatalf("storagetest: no credentials were delivered to %s", email)
		return ""
	}
	return cs[len(cs)-1].Password
}

// Removals returns the member removals of companyID delivered so far.
func (w *World) Removals(companyID string) []tenancy.MemberRemoved {
	w.tb.Helper()
	return deliveredAs(w, storage.TopicMemberRemoved, func(m tenancy.MemberRemoved) bool { return m.CompanyID == companyID })
}

// Reminders returns the payment reminders of companyID delivered so far.
func (w *World) Reminders(companyID string) []licensing.Reminder {
	w.tb.Helper()
	return deliveredAs(w, storage.TopicReminder, func(r licensing.Reminder) bool { return r.CompanyID == companyID })
}

// Suspensions returns the suspensions (and lifts) of companyID delivered so far.
func (w *World) Suspensions(companyID string) []licensing.Suspension {
	w.tb.Helper()
	return deliveredAs(w, storage.TopicSuspension, func(s licensing.Suspension) bool { return s.CompanyID == companyID })
}

// Switches returns the automatic pause switches of the user userID
// delivered so far.
func (w *World) Switches(userID string) []presence.Switch {
	w.tb.Helper()
	return deliveredAs(w, storage.TopicPauseSwitch, func(s presence.Switch) bool { return s.UserID == userID })
}

// ctx is the context fixtures and assertions run their calls with.
func (w *World) ctx() context.Context { return context.Background() }

// Invitations returns the reseller invitations delivered to email
// (case-insensitively), oldest first.
func (w *World) Invitations(email string) []tenancy.Invitation {
	w.tb.Helper()
	key := tenancy.EmailKey(email)
	return deliveredAs(w, storage.TopicInvitation, func(i tenancy.Invitation) bool { return tenancy.EmailKey(i.Email) == key })
}

// PasswordResets returns the password-reset tokens delivered to email
// (case-insensitively), oldest first.
func (w *World) PasswordResets(email string) []tenancy.PasswordReset {
	w.tb.Helper()
	key := tenancy.EmailKey(email)
	return deliveredAs(w, storage.TopicPasswordReset, func(r tenancy.PasswordReset) bool { return tenancy.EmailKey(r.Email) == key })
}

// Deactivations returns the member deactivations of companyID delivered so far.
func (w *World) Deactivations(companyID string) []tenancy.MemberDeactivated {
	w.tb.Helper()
	return deliveredAs(w, storage.TopicMemberDeactivated, func(m tenancy.MemberDeactivated) bool { return m.CompanyID == companyID })
}

// CredentialsChanges returns the committed credential changes of the user
// userID (a password changed or reset, a login e-mail changed), oldest
// first: what the host's credentials-changed hook ends sessions on.
func (w *World) CredentialsChanges(userID string) []tenancy.CredentialsChange {
	w.st.mu.Lock()
	defer w.st.mu.Unlock()
	var out []tenancy.CredentialsChange
	for _, c := range w.st.creds {
		if c.UserID == userID {
			out = append(out, c)
		}
	}
	return out
}
