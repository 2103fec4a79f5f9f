package main

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/text/language"
	"golang.org/x/time/rate"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/account/presence"
	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/bunstore"
	"github.com/switchboardkit/switchboard/tenancy"
)

// Mailer delivers what the SDK hands the host through the outbox: a new
// user's generated password, a password-reset token, a reseller's
// invitation, an e-mail change's token and its notice to the old address. msgID deduplicates a redelivery (delivery is at least once).
type Mailer interface {
	Credentials(ctx context.Context, msgID string, c tenancy.Credentials) error
	PasswordReset(ctx context.Context, msgID string, p tenancy.PasswordReset) error
	Invitation(ctx context.Context, msgID string, i tenancy.Invitation) error
	EmailChange(ctx context.Context, msgID string, c tenancy.EmailChangeRequest) error
	EmailChangeNotice(ctx context.Context, msgID string, n tenancy.EmailChangeNotice) error
}

// Config is what the service is built from.
type Config struct {
	Store *bunstore.Store
	Keys  storage.KeyProvider // seals passwords and tokens in the outbox
	// Signer signs audit checkpoints; nil leaves them unsigned. Verifier
	// checks the checkpoints a witness brings back (its public half).
	Signer   note.Signer
	Verifier note.Verifier
	Mailer   Mailer
	// PlatformToken is the bootstrap credential of the platform's support
	// staff: a request bearing it acts as tenancy.Platform. Required.
	PlatformToken string
	Clock         storage.Clock // default storage.SystemClock
	IdleTTL       time.Duration // default DefaultIdleTTL
	AbsoluteTTL   time.Duration // default DefaultAbsoluteTTL
	// LoginRate and LoginBurst bound logins and password-reset requests per
	// client address; default 1 per second with a burst of 5.
	LoginRate  rate.Limit
	LoginBurst int
	// PasswordCost is the bcrypt cost of new passwords (default tenancy's).
	PasswordCost int
	// Registry answers "fill by INN"; nil makes that route 503.
	Registry account.Registry
	// MailTester tests a mail connection before it is saved; nil makes the
	// mail-access and mail-login routes 503.
	MailTester account.ConnectionTester
	// PBXTypes are the phone systems a company may connect (default "asterisk").
	PBXTypes []string
}

// Server is the reference HTTP service over every Switchboard domain.
type Server struct {
	store     *bunstore.Store
	clock     storage.Clock
	trail     *audit.Log
	people    *tenancy.Service
	credit    *licensing.Service
	settings  *account.Service
	operators *presence.Service
	calls     *compliance.Service
	registry  account.Registry
	dispatch  *storage.Dispatcher
	sessions  *sessions
	platform  []byte // SHA-256 hex of the platform token
	logins    *limiter
	handler   http.Handler
	docJSON   []byte // the OpenAPI document served at /openapi.json
	verifier  note.Verifier
	console   *consoleSite // the web console (console.go)
}

// New wires every service on cfg.Store the way the README's Wiring section
// does. The store must be migrated (see Migrate).
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil || cfg.Keys == nil || cfg.Mailer == nil {
		return nil, errors.New("server: Store, Keys and Mailer are required")
	}
	if len(cfg.PlatformToken) < 16 {
		return nil, errors.New("server: the platform token must be at least 16 characters")
	}
	if cfg.Clock == nil {
		cfg.Clock = storage.SystemClock{}
	}
	if cfg.IdleTTL <= 0 {
		cfg.IdleTTL = DefaultIdleTTL
	}
	if cfg.AbsoluteTTL <= 0 {
		cfg.AbsoluteTTL = DefaultAbsoluteTTL
	}
	if cfg.LoginRate <= 0 {
		cfg.LoginRate, cfg.LoginBurst = 1, 5
	}
	if cfg.LoginBurst <= 0 {
		cfg.LoginBurst = 1
	}
	store := cfg.Store
	s := &Server{
		store:    store,
		clock:    cfg.Clock,
		sessions: &sessions{store: store, clock: cfg.Clock, idle: cfg.IdleTTL, absolute: cfg.AbsoluteTTL},
		platform: []byte(hashToken(cfg.PlatformToken)),
		logins:   newLimiter(cfg.LoginRate, cfg.LoginBurst),
		verifier: cfg.Verifier,
	}
	logOpts := []audit.Option{audit.WithClock(cfg.Clock)}
	if cfg.Signer != nil {
		logOpts = append(logOpts, audit.WithSigner(cfg.Signer))
	}
	s.trail = audit.NewLog(store.Audit(), logOpts...)
	box := store.Outbox()
	tenancyOpts := []tenancy.Option{
		tenancy.WithClock(cfg.Clock),
		tenancy.WithMemberAddedHook(func(ctx context.Context, by tenancy.Actor, company, user string) error {
			_, err := s.credit.GrantDefaultPackages(ctx, by, company, user)
			return err
		}),
		tenancy.WithMemberRemovedHook(func(ctx context.Context, by tenancy.Actor, company, user string) error {
			if _, err := s.credit.ReleaseUser(ctx, by, company, user); err != nil {
				return err
			}
			if _, err := s.settings.ReleaseUser(ctx, by, company, user); err != nil {
				return err
			}
			_, err := s.operators.ReleaseUser(ctx, by, company, user)
			return err
		}),
		tenancy.WithMemberDeactivatedHook(func(ctx context.Context, by tenancy.Actor, company, user string) error {
			_, err := s.operators.ReleaseUser(ctx, by, company, user)
			return err
		}),
		// In the change's own transaction: the sessions opened with the old
		// password end when it commits, except the one that changed it.
		tenancy.WithCredentialsChangedHook(func(ctx context.Context, c tenancy.CredentialsChange) error {
			keep := ""
			if c.Reason == tenancy.CredentialsPasswordChanged {
				keep = sessionHash(ctx)
			}
			_, err := s.sessions.RevokeUser(ctx, c.UserID, keep)
			return err
		}),
		tenancy.WithRegistrationLimiter(tenancy.RateLimiterFunc(func(ctx context.Context, key string) error {
			if !s.logins.allow(key) { // "registration:" + slug
				return errRateLimited
			}
			return nil
		})),
		tenancy.WithPasswordResetLimiter(tenancy.RateLimiterFunc(func(ctx context.Context, key string) error {
			if !s.logins.allow("reset:" + key) {
				return storage.LimitExceeded("server.PasswordReset", "too many password-reset requests for this address; retry later")
			}
			return nil
		})),
	}
	if cfg.PasswordCost > 0 {
		tenancyOpts = append(tenancyOpts, tenancy.WithPasswordCost(cfg.PasswordCost))
	}
	s.people = tenancy.NewService(store, store.Tenancy(), s.trail, box, cfg.Keys, tenancyOpts...)
	// The company's INN/KPP live on its tenancy.Company; purchases are booked to the account's cost centres.
	if len(cfg.PBXTypes) == 0 {
		cfg.PBXTypes = []string{"asterisk"}
	}
	accountOpts := []account.Option{account.WithClock(cfg.Clock), account.WithTaxIdentity(s.people),
		account.WithPasswordChecker(memberPasswords{s.people}), account.WithPBXTypes(cfg.PBXTypes...)}
	if cfg.Registry != nil {
		accountOpts = append(accountOpts, account.WithRegistry(cfg.Registry))
	}
	if cfg.MailTester != nil {
		accountOpts = append(accountOpts, account.WithConnectionTester(cfg.MailTester))
	}
	s.settings = account.NewService(store, store.Account(), s.people, s.trail, cfg.Keys, accountOpts...)
	s.registry = cfg.Registry
	s.credit = licensing.NewService(store, store.Licensing(), s.people, s.trail, box, licensing.WithClock(cfg.Clock),
		licensing.WithCostCentres(s.settings))
	s.operators = presence.NewService(store, store.Presence(), s.people, s.settings, s.trail, box, presence.WithClock(cfg.Clock))
	s.calls = compliance.NewService(store, store.Compliance(), s.people, s.trail,
		compliance.WithSuspensions(s.credit), compliance.WithClock(cfg.Clock))

	s.dispatch = storage.NewDispatcher(box, storage.WithKeys(cfg.Keys), storage.WithDispatchClock(cfg.Clock),
		storage.WithErrorHandler(func(err error) { slog.Error("outbox delivery failed", "err", err) }))
	tenancy.OnCredentials(s.dispatch, cfg.Mailer.Credentials)
	tenancy.OnPasswordReset(s.dispatch, cfg.Mailer.PasswordReset)
	tenancy.OnInvitation(s.dispatch, cfg.Mailer.Invitation)
	tenancy.OnEmailChange(s.dispatch, cfg.Mailer.EmailChange)
	tenancy.OnEmailChangeNotice(s.dispatch, cfg.Mailer.EmailChangeNotice)
	// A member removed or deactivated loses its sessions. Its Actor is
	// refused from the commit on anyway (actors are rebuilt per request);
	// this ends what the session still holds.
	tenancy.OnMemberRemoved(s.dispatch, func(ctx context.Context, _ string, m tenancy.MemberRemoved) error {
		_, err := s.sessions.RevokeUser(ctx, m.UserID, "")
		return err
	})
	tenancy.OnMemberDeactivated(s.dispatch, func(ctx context.Context, _ string, m tenancy.MemberDeactivated) error {
		_, err := s.sessions.RevokeUser(ctx, m.UserID, "")
		return err
	})
	doc, err := s.buildOpenAPI()
	if err != nil {
		return nil, err
	}
	if s.docJSON, err = marshalDoc(doc); err != nil {
		return nil, err
	}
	if s.console, err = newConsoleSite(); err != nil {
		return nil, err
	}
	s.handler = s.middleware(s.routes())
	return s, nil
}

// memberPasswords re-authenticates a member for the account domain's bill
// access, against tenancy's password hashes.
type memberPasswords struct{ people *tenancy.Service }

func (p memberPasswords) CheckPassword(ctx context.Context, companyID, userID string, password account.Secret) error {
	return p.people.VerifyPassword(ctx, companyID, userID, password.Reveal())
}

// Migrate brings the SDK's schema and the service's own up to date.
func Migrate(ctx context.Context, store *bunstore.Store) error {
	if err := store.Migrate(ctx); err != nil {
		return err
	}
	return migrateService(ctx, store.DB())
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Loops are the periodic jobs the SDK leaves to its host; Run starts them.
type Loops struct {
	Dispatch time.Duration // outbox delivery
	Seal     time.Duration // audit sealing
	Presence time.Duration // pause budgets running out (ApplyPlatformDue)
	Sessions time.Duration // expired sessions deleted
}

// DefaultLoops are the intervals the service runs with.
var DefaultLoops = Loops{Dispatch: time.Second, Seal: 10 * time.Second, Presence: time.Second, Sessions: time.Minute}

// RunLoops runs each job on its own ticker until ctx ends, then returns
// once all of them have stopped. Failures are logged and retried on the
// next tick.
func (s *Server) RunLoops(ctx context.Context, l Loops) {
	var wg sync.WaitGroup
	every := func(name string, d time.Duration, job func(ctx context.Context) error) {
		if d <= 0 {
			return
		}
		wg.Go(func() {
			t := time.NewTicker(d)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					if err := job(ctx); err != nil && ctx.Err() == nil {
						slog.Error("host loop failed", "loop", name, "err", err)
					}
				}
			}
		})
	}
	every("dispatch", l.Dispatch, func(ctx context.Context) error { _, err := s.dispatch.Dispatch(ctx); return err })
	every("seal", l.Seal, func(ctx context.Context) error { _, err := s.trail.Seal(ctx, s.store); return err })
	every("presence", l.Presence, func(ctx context.Context) error {
		_, err := s.operators.ApplyPlatformDue(ctx, s.clock.Now())
		return err
	})
	every("sessions", l.Sessions, func(ctx context.Context) error { _, err := s.sessions.Prune(ctx); return err })
	wg.Wait()
}

// Context keys of a request.
type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyPrincipal
	keyLocale
)

// principal is who a request authenticated as: the platform, or a user
// through a session.
type principal struct {
	platform bool
	userID   string
	session  string // the session's token hash
	// in is the path's company when the session was read with the
	// membership its user acts through there (sessions.LookupIn), member.
	in     string
	member bunstore.ActingMember
}

// authenticate reads the session of token; for a request naming a company
// (the path's), the membership the Actor is built from comes in the same
// statement.
func (s *Server) authenticate(ctx context.Context, token, company string) (principal, error) {
	if company == "" {
		sess, err := s.sessions.Lookup(ctx, token)
		return principal{userID: sess.UserID, session: sess.Hash}, err
	}
	sess, m, err := s.sessions.LookupIn(ctx, token, company)
	return principal{userID: sess.UserID, session: sess.Hash, in: company, member: m}, err
}

func requestID(ctx context.Context) string { v, _ := ctx.Value(keyRequestID).(string); return v }

func sessionHash(ctx context.Context) string {
	p, _ := ctx.Value(keyPrincipal).(principal)
	return p.session
}

func contentLanguage(ctx context.Context) string {
	if v, ok := ctx.Value(keyLocale).(string); ok {
		return v
	}
	return storage.LocaleEnglish
}

var locales = language.NewMatcher([]language.Tag{language.English, language.Russian})

// middleware gives every request an id, its locale (Accept-Language: en or
// ru) and the audit metadata, and logs it.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		locale := storage.LocaleEnglish
		if tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language")); err == nil && len(tags) > 0 {
			if _, i, conf := locales.Match(tags...); conf != language.No && i == 1 {
				locale = storage.LocaleRussian
			}
		}
		ctx := context.WithValue(r.Context(), keyRequestID, id)
		ctx = context.WithValue(ctx, keyLocale, locale)
		ctx = storage.WithLocale(ctx, locale)
		ctx = audit.WithRequest(ctx, id, clientIP(r), r.UserAgent())
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r.WithContext(ctx))
		slog.LogAttrs(ctx, slog.LevelInfo, "request", slog.String("request_id", id), slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.Int("status", rec.status), slog.Duration("duration", time.Since(start)))
	})
}

// validRequestID accepts a caller's request id when it is short and plain
// (letters, digits, '-', '_', '.'), so it is safe in logs and audit metadata.
func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) { r.status = code; r.ResponseWriter.WriteHeader(code) }

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// authed wraps a handler that needs a caller: the platform token or a live
// session, from "Authorization: Bearer …". Anything else is 401.
func (s *Server) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || token == "" {
			writeError(w, r, errUnauthorized)
			return
		}
		var p principal
		if subtle.ConstantTimeCompare([]byte(hashToken(token)), s.platform) == 1 {
			p = principal{platform: true}
		} else {
			var err error
			p, err = s.authenticate(r.Context(), token, r.PathValue("company"))
			switch {
			case errors.Is(err, ErrNoSession):
				writeError(w, r, errUnauthorized)
				return
			case err != nil:
				writeError(w, r, storage.Unavailable("server.session", err))
				return
			}
		}
		h(w, r.WithContext(context.WithValue(r.Context(), keyPrincipal, p)))
	}
}

// platformUser is the user id the platform's bootstrap credential acts as
// in the audit trail.
const platformUser = "platform-bootstrap"

// actor builds the request's Actor from storage, for the company in the
// path: the caller's membership there, or — for a reseller's people acting
// on an affiliate — its membership in that company's reseller. A company the
// caller belongs to neither way is not found, like one that does not exist.
// A route naming no company (the platform's list, maintenance) is
// forbidden to everyone but the platform. The membership is the one the
// request's session was read with (authenticate: the same statement), so
// building the Actor costs no further round trip; it is read afresh on
// every request, never cached.
func (s *Server) actor(r *http.Request) (tenancy.Actor, error) {
	const op = "server.actor"
	p, _ := r.Context().Value(keyPrincipal).(principal)
	if p.platform {
		return tenancy.Platform(platformUser), nil
	}
	if p.userID == "" {
		return tenancy.Actor{}, errUnauthorized
	}
	company := r.PathValue("company")
	if company == "" { // a route over every company: the platform's
		return tenancy.Actor{}, storage.Forbidden(op, "user %s: only the platform acts outside a company", p.userID)
	}
	if p.in == company {
		m, ok := p.member.Member()
		switch {
		case !ok:
			return tenancy.Actor{}, storage.NotFound(op, "company", company)
		case p.member.Direct():
			return m.Actor() // a deactivated membership is forbidden
		}
		if a, err := m.Actor(); err == nil { // through the company's reseller
			return a, nil
		}
		return tenancy.Actor{}, storage.NotFound(op, "company", company)
	}
	// A principal authenticated without the path's company (none do
	// today): the same two ways, read one after the other.
	a, err := s.people.ActorFor(r.Context(), p.userID, company)
	if err == nil || !errors.Is(err, storage.ErrNotFound) {
		return a, err
	}
	if ref, rerr := s.people.Company(r.Context(), company); rerr == nil && ref.ResellerID != "" {
		if a, err := s.people.ActorFor(r.Context(), p.userID, ref.ResellerID); err == nil {
			return a, nil
		}
	}
	return tenancy.Actor{}, storage.NotFound(op, "company", company)
}

// limiter is a token bucket per key (client address, e-mail), for the
// endpoints a password guesser or a mail bomber would hammer.
type limiter struct {
	mu    sync.Mutex
	rate  rate.Limit
	burst int
	by    map[string]*rate.Limiter
}

const limiterKeys = 10000 // keys kept before the table is started afresh

func newLimiter(r rate.Limit, burst int) *limiter {
	return &limiter{rate: r, burst: burst, by: map[string]*rate.Limiter{}}
}

func (l *limiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.by[key]
	if !ok {
		if len(l.by) >= limiterKeys {
			clear(l.by)
		}
		lim = rate.NewLimiter(l.rate, l.burst)
		l.by[key] = lim
	}
	return lim.Allow()
}

// String names the server for logs.
func (s *Server) String() string { return fmt.Sprintf("switchboard server on %s", s.store) }
