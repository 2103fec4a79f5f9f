package storagetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/account/presence"
	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// identityEnv is a tenancy.Service on a manual clock (started at the wall
// clock, so its outbox messages are due at once) recording every
// CredentialsChange its hook hears, and a deactivation hook's calls.
type identityEnv struct {
	*tenancyEnv
	clock *storage.ManualClock

	mu      sync.Mutex
	changes []tenancy.CredentialsChange
	deacts  []string
	failCh  atomic.Bool // the credentials hook fails while set
	limited atomic.Bool // the reset limiter refuses while set
	limKeys []string
	regStop atomic.Bool // the registration limiter refuses while set
	regKeys []string
}

func newIdentityEnv(h *Harness) *identityEnv {
	e := &identityEnv{tenancyEnv: newTenancyEnv(h), clock: storage.NewManualClock(time.Now())}
	e.svc = tenancy.NewService(h.Tx, h.Tenancy, e.log, h.Outbox, TestKeys, tenancy.WithPasswordCost(4), tenancy.WithClock(e.clock),
		tenancy.WithCredentialsChangedHook(func(_ context.Context, c tenancy.CredentialsChange) error {
			if e.failCh.Load() {
				return errors.New("the host's session store is down")
			}
			e.mu.Lock()
			defer e.mu.Unlock()
			e.changes = append(e.changes, c)
			return nil
		}),
		tenancy.WithMemberDeactivatedHook(func(_ context.Context, _ tenancy.Actor, companyID, userID string) error {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.deacts = append(e.deacts, companyID+"/"+userID)
			return nil
		}),
		tenancy.WithRegistrationLimiter(tenancy.RateLimiterFunc(func(_ context.Context, key string) error {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.regKeys = append(e.regKeys, key)
			if e.regStop.Load() {
				return errors.New("too many sign-ups")
			}
			return nil
		})),
		tenancy.WithPasswordResetLimiter(tenancy.RateLimiterFunc(func(_ context.Context, key string) error {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.limKeys = append(e.limKeys, key)
			if e.limited.Load() {
				return errors.New("slow down")
			}
			return nil
		})))
	return e
}

// changesOf returns the CredentialsChanges heard for userID.
func (e *identityEnv) changesOf(userID string) []tenancy.CredentialsChange {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []tenancy.CredentialsChange
	for _, c := range e.changes {
		if c.UserID == userID {
			out = append(out, c)
		}
	}
	return out
}

// emailTokens returns the e-mail change requests delivered for userID.
func (e *identityEnv) emailTokens(userID string) []tenancy.EmailChangeRequest {
	var out []tenancy.EmailChangeRequest
	for _, r := range delivered[tenancy.EmailChangeRequest](e.rec.fx, storage.TopicEmailChange, "") {
		if r.UserID == userID {
			out = append(out, r)
		}
	}
	return out
}

func (e *identityEnv) notices(userID string) []tenancy.EmailChangeNotice {
	var out []tenancy.EmailChangeNotice
	for _, n := range delivered[tenancy.EmailChangeNotice](e.rec.fx, storage.TopicEmailChangeNotice, "") {
		if n.UserID == userID {
			out = append(out, n)
		}
	}
	return out
}

func (e *identityEnv) resets(userID string) []tenancy.PasswordReset {
	var out []tenancy.PasswordReset
	for _, r := range delivered[tenancy.PasswordReset](e.rec.fx, storage.TopicPasswordReset, "") {
		if r.UserID == userID {
			out = append(out, r)
		}
	}
	return out
}

// actions counts the audit events of action on the entity entityID.
func (e *identityEnv) actions(t *testing.T, entityID, action string) int {
	t.Helper()
	page, err := e.log.Query(context.Background(), audit.Scope{All: true}, audit.Filter{EntityID: entityID, Action: action},
		storage.PageRequest{Limit: storage.MaxPageSize})
	require.NoError(t, err)
	return len(page.Items)
}

func runIdentity(t *testing.T, h *Harness) {
	t.Run("phone", func(t *testing.T) { t.Parallel(); identityPhone(t, newIdentityEnv(h)) })
	t.Run("e-mail change", func(t *testing.T) { t.Parallel(); identityEmailChange(t, newIdentityEnv(h)) })
	t.Run("e-mail change race", func(t *testing.T) { t.Parallel(); identityEmailRace(t, newIdentityEnv(h)) })
	t.Run("password reset", func(t *testing.T) { t.Parallel(); identityPasswordReset(t, newIdentityEnv(h)) })
	t.Run("deactivation", func(t *testing.T) { t.Parallel(); identityDeactivation(t, newIdentityEnv(h)) })
	t.Run("deactivation takes the member offline", func(t *testing.T) { t.Parallel(); identityDeactivationOffline(t, h) })
	t.Run("registration by invitation", func(t *testing.T) { t.Parallel(); identityRegistration(t, newIdentityEnv(h)) })
	t.Run("employee filters and sub-account pages", func(t *testing.T) { t.Parallel(); identityFilters(t, newIdentityEnv(h)) })
	t.Run("tax identity and company filters", func(t *testing.T) { t.Parallel(); identityTaxAndFilters(t, h) })
}

func identityPhone(t *testing.T, e *identityEnv) {
	ctx := context.Background()
	r, _ := e.newReseller(t)
	w := e.newAffiliate(t, r)
	u, err := e.svc.SetPhone(ctx, w.operator, w.c.ID, w.operator.UserID, tenancy.PhoneInput{Phone: " +74951234567 "})
	require.NoError(t, err, "a user sets its own phone")
	require.Equal(t, "+74951234567", u.Phone)
	for _, bad := range []string{"84951234567", "+7 495 123-45-67", "+0123", "+1234567890123456", "phone"} {
		_, err := e.svc.SetPhone(ctx, w.admin, w.c.ID, w.operator.UserID, tenancy.PhoneInput{Phone: bad})
		fieldOf(t, err, "phone")
	}
	got, err := e.h.Tenancy.GetUser(ctx, w.operator.UserID)
	require.NoError(t, err)
	require.Equal(t, "+74951234567", got.Phone, "refused input changed nothing")
	require.Equal(t, 1, e.actions(t, w.operator.UserID, "tenancy.user.phone"))
	denied(t, e2(e.svc.SetPhone(ctx, w.operator, w.c.ID, w.admin.UserID, tenancy.PhoneInput{Phone: "+74951234568"})))
	u, err = e.svc.SetPhone(ctx, w.admin, w.c.ID, w.operator.UserID, tenancy.PhoneInput{})
	require.NoError(t, err, "an administrator clears it")
	require.Empty(t, u.Phone)
	got, err = e.h.Tenancy.GetUser(ctx, w.operator.UserID)
	require.NoError(t, err)
	require.Empty(t, got.Phone)
}

// e2 drops a result, keeping the error.
func e2[T any](_ T, err error) error { return err }

func identityEmailChange(t *testing.T, e *identityEnv) {
	ctx := context.Background()
	r, _ := e.newReseller(t)
	w := e.newAffiliate(t, r)
	cred, _ := e.rec.For(w.opEmail)
	next := uniqueEmail("moved")

	// Bad input: field errors, and nothing stored or sent.
	_, err := e.svc.RequestEmailChange(ctx, w.operator, w.c.ID, w.operator.UserID, tenancy.EmailChangeInput{NewEmail: next, Password: "wrong-password"})
	fieldOf(t, err, "password")
	_, err = e.svc.RequestEmailChange(ctx, w.operator, w.c.ID, w.operator.UserID, tenancy.EmailChangeInput{NewEmail: "not-an-address", Password: cred.Password})
	fieldOf(t, err, "new_email")
	_, err = e.svc.RequestEmailChange(ctx, w.operator, w.c.ID, w.operator.UserID, tenancy.EmailChangeInput{NewEmail: w.opEmail, Password: cred.Password})
	fieldOf(t, err, "new_email")
	_, err = e.svc.RequestEmailChange(ctx, w.operator, w.c.ID, w.operator.UserID, tenancy.EmailChangeInput{NewEmail: strings.ToUpper(w.managerEmail), Password: cred.Password})
	require.ErrorIs(t, err, storage.ErrConflict, "another user's address, differently cased")
	denied(t, e2(e.svc.RequestEmailChange(ctx, w.operator, w.c.ID, w.admin.UserID, tenancy.EmailChangeInput{NewEmail: next})))
	require.Empty(t, e.emailTokens(w.operator.UserID), "nothing sent for refused requests")
	require.Empty(t, e.notices(w.operator.UserID))
	require.Zero(t, e.actions(t, w.operator.UserID, "tenancy.user.email_request"))
	_, err = e.svc.ConfirmEmailChange(ctx, "no-such-token")
	fieldOf(t, err, "token")
	_, err = e.svc.ConfirmEmailChange(ctx, " ")
	fieldOf(t, err, "token")

	// The user asks, with its password: a token to the new address, a notice to the old.
	p, err := e.svc.RequestEmailChange(ctx, w.operator, w.c.ID, w.operator.UserID, tenancy.EmailChangeInput{NewEmail: next, Password: cred.Password})
	require.NoError(t, err)
	require.Equal(t, next, p.NewEmail)
	toks := e.emailTokens(w.operator.UserID)
	require.Len(t, toks, 1)
	tok := toks[0]
	require.Equal(t, next, tok.NewEmail)
	require.Equal(t, w.opEmail, tok.OldEmail)
	require.NotContains(t, fmt.Sprintf("%v %+v %#v", tok, tok, tok), string(tok.Token), "a token never prints")
	ns := e.notices(w.operator.UserID)
	require.Len(t, ns, 1)
	require.Equal(t, w.opEmail, ns[0].OldEmail)
	require.False(t, ns[0].Confirmed)
	stored, err := e.h.Tenancy.GetToken(ctx, tenancy.TokenEmailChange, string(tok.Token))
	require.ErrorIs(t, err, storage.ErrNotFound, "the token itself is not stored, only its hash")
	require.Nil(t, stored)
	u, err := e.h.Tenancy.GetUser(ctx, w.operator.UserID)
	require.NoError(t, err)
	require.Equal(t, w.opEmail, u.Email, "nothing changes before the confirmation")

	// Confirming changes the login; the token is single-use.
	got, err := e.svc.ConfirmEmailChange(ctx, string(tok.Token))
	require.NoError(t, err)
	require.Equal(t, next, got.Email)
	_, err = e.svc.Authenticate(ctx, next, cred.Password)
	require.NoError(t, err, "the new address is the login")
	_, err = e.svc.Authenticate(ctx, w.opEmail, cred.Password)
	require.ErrorIs(t, err, storage.ErrForbidden, "the old one no longer is")
	_, err = e.svc.ConfirmEmailChange(ctx, string(tok.Token))
	fieldOf(t, err, "token")
	ns = e.notices(w.operator.UserID)
	require.Len(t, ns, 2)
	require.True(t, ns[1].Confirmed)
	require.Equal(t, w.opEmail, ns[1].OldEmail, "the old address hears of the change")
	ch := e.changesOf(w.operator.UserID)
	require.Len(t, ch, 1)
	require.Equal(t, tenancy.CredentialsEmailChanged, ch[0].Reason)
	require.Equal(t, 1, e.actions(t, w.operator.UserID, "tenancy.user.email"))

	// An administrator changes a member's address without a password; a
	// second request voids the first; an expired token is refused and
	// changes nothing.
	first := uniqueEmail("first")
	_, err = e.svc.RequestEmailChange(ctx, w.admin, w.c.ID, w.manager.UserID, tenancy.EmailChangeInput{NewEmail: first})
	require.NoError(t, err)
	second := uniqueEmail("second")
	_, err = e.svc.RequestEmailChange(ctx, w.admin, w.c.ID, w.manager.UserID, tenancy.EmailChangeInput{NewEmail: second})
	require.NoError(t, err)
	toks = e.emailTokens(w.manager.UserID)
	require.Len(t, toks, 2)
	_, err = e.svc.ConfirmEmailChange(ctx, string(toks[0].Token))
	fieldOf(t, err, "token")
	e.clock.Advance(tenancy.EmailChangeTTL)
	_, err = e.svc.ConfirmEmailChange(ctx, string(toks[1].Token))
	fieldOf(t, err, "token")
	u, err = e.h.Tenancy.GetUser(ctx, w.manager.UserID)
	require.NoError(t, err)
	require.Equal(t, w.managerEmail, u.Email)
	e.clock.Advance(-tenancy.EmailChangeTTL) // back: messages written later stay due on the dispatcher's clock
	got, err = e.svc.ConfirmEmailChange(ctx, string(toks[1].Token))
	require.NoError(t, err)
	require.Equal(t, second, got.Email)

	// An administrator of one company does not move the login of a person
	// another company also has; the platform and the person do.
	other := e.newAffiliate(t, r)
	_, err = e.svc.AddMember(ctx, other.admin, other.c.ID, second, tenancy.MemberChange{Role: tenancy.RoleOperator})
	require.NoError(t, err)
	_, err = e.svc.RequestEmailChange(ctx, w.admin, w.c.ID, w.manager.UserID, tenancy.EmailChangeInput{NewEmail: uniqueEmail("hijack")})
	require.ErrorIs(t, err, storage.ErrForbidden)
	_, err = e.svc.RequestEmailChange(ctx, e.platform, w.c.ID, w.manager.UserID, tenancy.EmailChangeInput{NewEmail: uniqueEmail("support")})
	require.NoError(t, err)
	require.NoError(t, e.svc.RemoveMember(ctx, other.admin, other.c.ID, w.manager.UserID))

	// A failing host hook rolls the confirmation back: the token stays usable.
	third := uniqueEmail("third")
	_, err = e.svc.RequestEmailChange(ctx, w.admin, w.c.ID, w.manager.UserID, tenancy.EmailChangeInput{NewEmail: third})
	require.NoError(t, err)
	toks = e.emailTokens(w.manager.UserID)
	e.failCh.Store(true)
	_, err = e.svc.ConfirmEmailChange(ctx, string(toks[len(toks)-1].Token))
	e.failCh.Store(false)
	require.Error(t, err)
	u, err = e.h.Tenancy.GetUser(ctx, w.manager.UserID)
	require.NoError(t, err)
	require.Equal(t, second, u.Email)
	_, err = e.svc.ConfirmEmailChange(ctx, string(toks[len(toks)-1].Token))
	require.NoError(t, err)
}

func identityEmailRace(t *testing.T, e *identityEnv) {
	ctx := context.Background()
	r, _ := e.newReseller(t)
	w1, w2 := e.newAffiliate(t, r), e.newAffiliate(t, r)
	target := uniqueEmail("contested")
	users := []tenancy.Actor{w1.operator, w1.manager, w2.operator, w2.manager}
	admins := []tenancy.Actor{w1.admin, w1.admin, w2.admin, w2.admin}
	var tokens []string
	for i, u := range users {
		addr := target
		if i%2 == 1 {
			addr = strings.ToUpper(target)
		}
		_, err := e.svc.RequestEmailChange(ctx, admins[i], u.CompanyID, u.UserID, tenancy.EmailChangeInput{NewEmail: addr})
		require.NoError(t, err, "the address is free while nobody confirmed")
		toks := e.emailTokens(u.UserID)
		require.Len(t, toks, 1)
		tokens = append(tokens, string(toks[0].Token))
	}
	// Every token is confirmed twice at once, and a registration races for
	// the same address.
	errs := make([]error, 2*len(tokens))
	var regErr error
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() { _, errs[i] = e.svc.ConfirmEmailChange(ctx, tokens[i%len(tokens)]) })
	}
	wg.Go(func() {
		_, regErr = e.svc.RegisterEmployee(ctx, w1.admin, w1.c.ID, tenancy.NewEmployee{FirstName: "R", LastName: "C", Email: target, Role: tenancy.RoleOperator})
	})
	wg.Wait()
	ok := 0
	for _, err := range append(errs, regErr) {
		if err == nil {
			ok++
			continue
		}
		if !errors.Is(err, storage.ErrConflict) {
			fieldOf(t, err, "token") // the second use of a token
		}
	}
	require.Equal(t, 1, ok, "exactly one user gets the address: %v", errs)
	owner, err := e.h.Tenancy.UserByEmail(ctx, target)
	require.NoError(t, err)
	n := 0
	for _, u := range users {
		got, err := e.h.Tenancy.GetUser(ctx, u.UserID)
		require.NoError(t, err)
		if tenancy.EmailKey(got.Email) == tenancy.EmailKey(target) {
			n++
			require.Equal(t, owner.ID, got.ID)
		}
	}
	require.LessOrEqual(t, n, 1)
}

func identityPasswordReset(t *testing.T, e *identityEnv) {
	ctx := context.Background()
	r, _ := e.newReseller(t)
	w := e.newAffiliate(t, r)
	cred, _ := e.rec.For(w.opEmail)

	// Unknown and known e-mails get the same answer; only the known one is sent a token.
	require.NoError(t, e.svc.RequestPasswordReset(ctx, uniqueEmail("nobody")))
	fieldOf(t, e.svc.RequestPasswordReset(ctx, "not-an-address"), "email")
	require.NoError(t, e.svc.RequestPasswordReset(ctx, strings.ToUpper(w.opEmail)))
	rs := e.resets(w.operator.UserID)
	require.Len(t, rs, 1)
	require.Equal(t, w.opEmail, rs[0].Email)
	require.WithinDuration(t, e.clock.Now().Add(tenancy.PasswordResetTTL), rs[0].ExpiresAt, time.Second)
	require.NotContains(t, fmt.Sprintf("%v %+v", rs[0], rs[0]), string(rs[0].Token))
	tok := string(rs[0].Token)

	// The limiter is asked for every request, known or not, keyed by the folded e-mail.
	e.limited.Store(true)
	require.ErrorIs(t, e.svc.RequestPasswordReset(ctx, w.opEmail), storage.ErrLimitExceeded)
	require.ErrorIs(t, e.svc.RequestPasswordReset(ctx, uniqueEmail("nobody")), storage.ErrLimitExceeded)
	e.limited.Store(false)
	require.Len(t, e.resets(w.operator.UserID), 1, "a limited request sends nothing")
	e.mu.Lock()
	require.Contains(t, e.limKeys, "password_reset:"+tenancy.EmailKey(w.opEmail))
	e.mu.Unlock()

	// Bad input: field errors, the old password still works, the token stays usable.
	fieldOf(t, e.svc.ResetPassword(ctx, tok, "short", "short"), "new_password")
	fieldOf(t, e.svc.ResetPassword(ctx, tok, "new-password-1", "new-password-2"), "new_password_repeat")
	fieldOf(t, e.svc.ResetPassword(ctx, "forged-token", "new-password-1", "new-password-1"), "token")
	fieldOf(t, e.svc.ResetPassword(ctx, "", "new-password-1", "new-password-1"), "token")
	e.failCh.Store(true)
	require.Error(t, e.svc.ResetPassword(ctx, tok, "new-password-1", "new-password-1"), "a failing hook rolls the reset back")
	e.failCh.Store(false)
	_, err := e.svc.Authenticate(ctx, w.opEmail, cred.Password)
	require.NoError(t, err, "refused resets changed nothing")

	// The reset: single use, the hook told, audited with the hash redacted.
	require.NoError(t, e.svc.ResetPassword(ctx, tok, "new-password-1", "new-password-1"))
	_, err = e.svc.Authenticate(ctx, w.opEmail, "new-password-1")
	require.NoError(t, err)
	_, err = e.svc.Authenticate(ctx, w.opEmail, cred.Password)
	require.ErrorIs(t, err, storage.ErrForbidden)
	fieldOf(t, e.svc.ResetPassword(ctx, tok, "new-password-2", "new-password-2"), "token")
	ch := e.changesOf(w.operator.UserID)
	require.Len(t, ch, 1)
	require.Equal(t, tenancy.CredentialsPasswordReset, ch[0].Reason)
	page, err := e.log.Query(ctx, audit.Scope{All: true}, audit.Filter{CompanyID: w.c.ID, EntityID: w.operator.UserID, Action: "tenancy.user.password"}, storage.PageRequest{})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	for _, c := range page.Items[0].Changes {
		require.NotContains(t, string(c.After), "$2")
	}

	// A newer request voids the older; a token expires after 30 minutes.
	require.NoError(t, e.svc.RequestPasswordReset(ctx, w.opEmail))
	require.NoError(t, e.svc.RequestPasswordReset(ctx, w.opEmail))
	rs = e.resets(w.operator.UserID)
	require.Len(t, rs, 3)
	fieldOf(t, e.svc.ResetPassword(ctx, string(rs[1].Token), "new-password-3", "new-password-3"), "token")
	e.clock.Advance(tenancy.PasswordResetTTL)
	fieldOf(t, e.svc.ResetPassword(ctx, string(rs[2].Token), "new-password-3", "new-password-3"), "token")
	e.clock.Advance(-time.Second)
	require.NoError(t, e.svc.ResetPassword(ctx, string(rs[2].Token), "new-password-3", "new-password-3"), "valid until the 30 minutes are over")
	e.clock.Advance(-tenancy.PasswordResetTTL + time.Second) // back: messages written later stay due on the dispatcher's clock

	// Expired tokens are pruned by the platform; live ones stay. The prune
	// is platform-wide and the tests share one database, so it runs on a
	// clock before WorldStart: it deletes no token a parallel test's World
	// (whose clocks start there) still needs.
	resume := e.clock.Now()
	e.clock.Set(WorldStart.Add(-48 * time.Hour))
	require.NoError(t, e.svc.RequestPasswordReset(ctx, w.opEmail))
	live := e.resets(w.operator.UserID)
	e.clock.Advance(2 * tenancy.PasswordResetTTL)
	_, err = e.svc.PruneTokens(ctx, w.admin)
	require.ErrorIs(t, err, storage.ErrForbidden)
	e.clock.Advance(-2 * tenancy.PasswordResetTTL)
	n, err := e.svc.PruneTokens(ctx, e.platform)
	require.NoError(t, err)
	_, err = e.h.Tenancy.GetToken(ctx, tenancy.TokenPasswordReset, tokenSHA(string(live[len(live)-1].Token)))
	require.NoError(t, err, "an unexpired token survives the prune (%d pruned)", n)
	e.clock.Advance(2 * tenancy.PasswordResetTTL)
	n, err = e.svc.PruneTokens(ctx, e.platform)
	require.NoError(t, err)
	require.Positive(t, n)
	e.clock.Advance(-2 * tenancy.PasswordResetTTL)
	_, err = e.h.Tenancy.GetToken(ctx, tenancy.TokenPasswordReset, tokenSHA(string(live[len(live)-1].Token)))
	require.ErrorIs(t, err, storage.ErrNotFound, "an expired token is pruned")
	fieldOf(t, e.svc.ResetPassword(ctx, string(live[len(live)-1].Token), "new-password-9", "new-password-9"), "token")
	e.clock.Set(resume)

	// ChangePassword tells the hook too, with the acting session's actor,
	// and voids pending resets.
	require.NoError(t, e.svc.RequestPasswordReset(ctx, w.opEmail))
	rs = e.resets(w.operator.UserID)
	require.NoError(t, e.svc.ChangePassword(ctx, w.operator, "new-password-3", "new-password-4", "new-password-4"))
	ch = e.changesOf(w.operator.UserID)
	require.Equal(t, tenancy.CredentialsPasswordChanged, ch[len(ch)-1].Reason)
	require.Equal(t, w.operator.UserID, ch[len(ch)-1].By.UserID)
	fieldOf(t, e.svc.ResetPassword(ctx, string(rs[len(rs)-1].Token), "new-password-5", "new-password-5"), "token")
}

func identityDeactivation(t *testing.T, e *identityEnv) {
	ctx := context.Background()
	r, _ := e.newReseller(t)
	w := e.newAffiliate(t, r)
	cred, _ := e.rec.For(w.opEmail)
	// The operator holds a license seat before it is deactivated.
	lic := licensing.NewService(e.h.Tx, e.h.Licensing, e.svc, e.log, e.h.Outbox)
	require.NoError(t, lic.SetAgreement(ctx, e.platform, w.c.ID, map[licensing.Item]decimal.Decimal{
		licensing.LicenseItem(licensing.LicensePro): decimal.RequireFromString("9.90")}))
	_, err := lic.PurchaseLicenses(ctx, w.owner, w.c.ID, licensing.LicensePurchase{Kind: licensing.LicensePro, Quantity: 3, IdempotencyKey: storage.NewID()})
	require.NoError(t, err)
	_, err = lic.AssignLicense(ctx, w.admin, w.c.ID, w.operator.UserID, licensing.LicensePro)
	require.NoError(t, err)

	fieldOf(t, e.svc.DeactivateMember(ctx, w.admin, w.c.ID, w.owner.UserID), "user_id")
	fieldOf(t, e.svc.DeactivateMember(ctx, w.admin, w.c.ID, w.admin.UserID), "user_id")
	denied(t, e.svc.DeactivateMember(ctx, w.operator, w.c.ID, w.manager.UserID))
	denied(t, e.svc.DeactivateMember(ctx, w.manager, w.c.ID, w.admin.UserID))
	require.Zero(t, e.actions(t, w.admin.UserID, "tenancy.member.deactivate"))

	require.NoError(t, e.svc.DeactivateMember(ctx, w.admin, w.c.ID, w.operator.UserID))
	require.NoError(t, e.svc.DeactivateMember(ctx, w.admin, w.c.ID, w.operator.UserID), "again: nothing changes")
	require.Equal(t, 1, e.actions(t, w.operator.UserID, "tenancy.member.deactivate"))
	e.mu.Lock()
	require.Equal(t, []string{w.c.ID + "/" + w.operator.UserID}, e.deacts, "the hook ran once")
	e.mu.Unlock()
	var told []tenancy.MemberDeactivated
	for _, m := range delivered[tenancy.MemberDeactivated](e.rec.fx, storage.TopicMemberDeactivated, w.c.ID) {
		if m.UserID == w.operator.UserID {
			told = append(told, m)
		}
	}
	require.Len(t, told, 1)
	require.Equal(t, w.admin.UserID, told[0].By)

	// It cannot act, nor be assigned anything, nor become the owner; it keeps its seat.
	require.NoError(t, e.svc.DeactivateMember(ctx, w.admin, w.c.ID, w.manager.UserID))
	_, err = lic.AssignLicense(ctx, w.admin, w.c.ID, w.manager.UserID, licensing.LicensePro)
	require.ErrorIs(t, err, storage.ErrPrecondition, "no license for a deactivated member")
	seats, err := lic.Assignments(ctx, w.admin, w.c.ID, storage.PageRequest{Limit: 100})
	require.NoError(t, err)
	holders := map[string]bool{}
	for _, a := range seats.Items {
		holders[a.UserID] = true
	}
	require.Equal(t, map[string]bool{w.operator.UserID: true}, holders, "the deactivated operator keeps its seat")
	_, err = lic.PurchaseLicenses(ctx, w.operator, w.c.ID, licensing.LicensePurchase{Kind: licensing.LicensePro, Quantity: 1, IdempotencyKey: storage.NewID()})
	require.ErrorIs(t, err, storage.ErrForbidden, "a deactivated member cannot act in another domain either")
	_, err = e.svc.ActorFor(ctx, w.operator.UserID, w.c.ID)
	require.ErrorIs(t, err, storage.ErrForbidden)
	_, err = e.svc.Verify(ctx, w.operator)
	require.ErrorIs(t, err, storage.ErrForbidden)
	require.ErrorIs(t, e.svc.VerifyPassword(ctx, w.c.ID, w.operator.UserID, cred.Password), storage.ErrForbidden)
	_, err = e.svc.SetPhone(ctx, w.operator, w.c.ID, w.operator.UserID, tenancy.PhoneInput{Phone: "+74951234567"})
	require.ErrorIs(t, err, storage.ErrForbidden)
	err = e.h.Tx.InTx(ctx, func(ctx context.Context) error {
		_, err := e.svc.LockMember(ctx, w.c.ID, w.operator.UserID)
		return err
	})
	require.ErrorIs(t, err, storage.ErrPrecondition, "nothing is assigned to a deactivated member")
	_, err = e.svc.ChangeOwner(ctx, e.platform, w.c.ID, w.operator.UserID)
	fieldOf(t, err, "user_id")
	m, err := e.svc.Member(ctx, w.c.ID, w.operator.UserID)
	require.NoError(t, err, "the membership is kept")
	require.True(t, m.Deactivated)
	page, err := e.svc.ListEmployees(ctx, w.admin, w.c.ID, storage.PageRequest{Limit: 100})
	require.NoError(t, err)
	seen := false
	for _, emp := range page.Items {
		if emp.UserID == w.operator.UserID {
			seen = true
			require.True(t, emp.Deactivated)
		}
	}
	require.True(t, seen, "a deactivated member is still listed")
	_, err = e.svc.Authenticate(ctx, w.opEmail, cred.Password)
	require.NoError(t, err, "the login stays: the person may belong to other companies")

	denied(t, e.svc.ReactivateMember(ctx, w.operator, w.c.ID, w.operator.UserID))
	require.NoError(t, e.svc.ReactivateMember(ctx, w.admin, w.c.ID, w.operator.UserID))
	require.Equal(t, 1, e.actions(t, w.operator.UserID, "tenancy.member.reactivate"))
	a, err := e.svc.ActorFor(ctx, w.operator.UserID, w.c.ID)
	require.NoError(t, err)
	require.Equal(t, w.operator, a, "reactivated as it was")
	err = e.h.Tx.InTx(ctx, func(ctx context.Context) error {
		_, err := e.svc.LockMember(ctx, w.c.ID, w.operator.UserID)
		return err
	})
	require.NoError(t, err)
}

func identityRegistration(t *testing.T, e *identityEnv) {
	ctx := context.Background()
	r, _, err := e.svc.CreateCompany(ctx, e.platform, tenancy.NewCompany{Kind: tenancy.KindReseller,
		LegalName: "Closed " + storage.NewID(), Slug: "c-" + strings.ToLower(storage.NewID()[24:]), Owner: person("cowner")})
	require.NoError(t, err)
	require.False(t, r.OpenRegistration)
	rowner := e.actor(t, r.OwnerUserID, r.ID)
	ra, _ := e.register(t, e.platform, r.ID, tenancy.RoleResellerAdmin, "")
	other, otherAdmin := e.newReseller(t)
	aff := e.newAffiliate(t, other)
	invited := func(email string) []tenancy.Invitation {
		var out []tenancy.Invitation
		for _, i := range delivered[tenancy.Invitation](e.rec.fx, storage.TopicInvitation, "") {
			if i.Email == email {
				out = append(out, i)
			}
		}
		return out
	}
	register := func(owner tenancy.Person, token string) error {
		_, _, err := e.svc.RegisterAffiliate(ctx, r.Slug, tenancy.NewAffiliate{LegalName: "Invited " + storage.NewID(), Owner: owner, Invitation: token})
		return err
	}
	gone := func(p tenancy.Person) {
		t.Helper()
		_, err := e.h.Tenancy.UserByEmail(ctx, p.Email)
		require.ErrorIs(t, err, storage.ErrNotFound, "a refused registration leaves nothing behind")
	}

	// Closed: no invitation, a forged one, refused callers and bad input.
	p := person("closed")
	fieldOf(t, register(p, ""), "invitation")
	fieldOf(t, register(p, "forged-token"), "invitation")
	gone(p)
	radmin, _ := e.register(t, rowner, r.ID, tenancy.RoleAdministrator, "")
	denied(t, e2(e.svc.IssueInvitation(ctx, radmin, r.ID, tenancy.InvitationInput{Email: p.Email})))
	denied(t, e2(e.svc.SetOpenRegistration(ctx, radmin, r.ID, true)))
	denied(t, e2(e.svc.IssueInvitation(ctx, otherAdmin, r.ID, tenancy.InvitationInput{Email: p.Email})))
	_, err = e.svc.IssueInvitation(ctx, ra, r.ID, tenancy.InvitationInput{Email: "not-an-address"})
	fieldOf(t, err, "email")
	_, err = e.svc.IssueInvitation(ctx, otherAdmin, aff.c.ID, tenancy.InvitationInput{Email: p.Email})
	fieldOf(t, err, "reseller_id")
	_, err = e.svc.SetOpenRegistration(ctx, otherAdmin, aff.c.ID, true)
	fieldOf(t, err, "open_registration")
	require.Empty(t, invited(p.Email))

	// Invited: the token arrives sealed, admits one registration, once.
	iss, err := e.svc.IssueInvitation(ctx, ra, r.ID, tenancy.InvitationInput{Email: p.Email})
	require.NoError(t, err)
	require.WithinDuration(t, e.clock.Now().Add(tenancy.InvitationTTL), iss.ExpiresAt, time.Second)
	inv := invited(p.Email)
	require.Len(t, inv, 1)
	require.Equal(t, r.Slug, inv[0].Slug)
	require.NotContains(t, fmt.Sprintf("%v %+v", inv[0], inv[0]), string(inv[0].Token))
	_, _, err = e.svc.RegisterAffiliate(ctx, other.Slug, tenancy.NewAffiliate{LegalName: "Elsewhere", Owner: person("elsewhere"), Invitation: string(inv[0].Token)})
	fieldOf(t, err, "invitation") // another reseller's link: the token is not its
	c, _, err := e.svc.RegisterAffiliate(ctx, r.Slug, tenancy.NewAffiliate{LegalName: "Invited Ltd", Owner: p, Invitation: string(inv[0].Token)})
	require.NoError(t, err)
	require.Equal(t, r.ID, c.ResellerID)
	q := person("again")
	fieldOf(t, register(q, string(inv[0].Token)), "invitation")
	gone(q)

	// An invitation expires after InvitationTTL.
	_, err = e.svc.IssueInvitation(ctx, ra, r.ID, tenancy.InvitationInput{Email: q.Email})
	require.NoError(t, err)
	late := invited(q.Email)
	require.Len(t, late, 1)
	e.clock.Advance(tenancy.InvitationTTL)
	fieldOf(t, register(q, string(late[0].Token)), "invitation")
	e.clock.Advance(-tenancy.InvitationTTL)
	gone(q)

	// Open: anyone with the link registers; the limiter throttles the link.
	r, err = e.svc.SetOpenRegistration(ctx, ra, r.ID, true)
	require.NoError(t, err)
	require.True(t, r.OpenRegistration)
	require.Equal(t, 1, e.actions(t, r.ID, "tenancy.company.registration"))
	require.NoError(t, register(person("open"), ""))
	e.regStop.Store(true)
	s := person("throttled")
	require.ErrorIs(t, register(s, ""), storage.ErrLimitExceeded)
	e.regStop.Store(false)
	gone(s)
	e.mu.Lock()
	require.Contains(t, e.regKeys, "registration:"+r.Slug)
	e.mu.Unlock()
	e.clock.Advance(tenancy.InvitationTTL)
	fieldOf(t, register(q, string(late[0].Token)), "invitation") // a bad token is refused even where the link is open
	e.clock.Advance(-tenancy.InvitationTTL)
	gone(q)
}

func identityFilters(t *testing.T, e *identityEnv) {
	ctx := context.Background()
	r, _ := e.newReseller(t)
	w := e.newAffiliate(t, r)
	tag := strings.ToLower(storage.NewID()[24:])
	add := func(first, last string, role tenancy.Role, sub string) string {
		emp, err := e.svc.RegisterEmployee(ctx, w.admin, w.c.ID, tenancy.NewEmployee{FirstName: first, LastName: last,
			Email: first + "." + tag + "@filters.example", Role: role, SubAccountID: sub})
		require.NoError(t, err)
		return emp.UserID
	}
	zhanna := add("Жанна", "Иванова", tenancy.RoleOperator, w.subs[1].ID)
	petr := add("Petr", "Ivanov", tenancy.RoleManager, w.subs[1].ID)
	olga := add("Olga", "Lee", tenancy.RoleOperator, "")
	find := func(by tenancy.Actor, f tenancy.EmployeeFilter, size int) []string {
		t.Helper()
		var ids []string
		p := storage.PageRequest{Limit: size}
		for {
			page, err := e.svc.FindEmployees(ctx, by, w.c.ID, f, p)
			require.NoError(t, err)
			for _, it := range page.Items {
				ids = append(ids, it.UserID)
			}
			if page.NextCursor == "" {
				return ids
			}
			p.After = page.NextCursor
		}
	}
	sorted := func(ids ...string) []string { slices.Sort(ids); return ids }
	require.Equal(t, sorted(w.operator.UserID, zhanna, olga), find(w.admin, tenancy.EmployeeFilter{Role: tenancy.RoleOperator}, 1))
	require.Equal(t, sorted(zhanna, petr), find(w.admin, tenancy.EmployeeFilter{SubAccountID: w.subs[1].ID}, 1))
	require.Equal(t, []string{zhanna}, find(w.admin, tenancy.EmployeeFilter{Text: "ЖАННА"}, 10), "Unicode case folding on every backend")
	require.Equal(t, []string{zhanna}, find(w.admin, tenancy.EmployeeFilter{Text: "жанна иван"}, 10), "first and last name together")
	require.Equal(t, sorted(zhanna, petr, olga), find(w.admin, tenancy.EmployeeFilter{Text: tag}, 2), "a part of the e-mail")
	require.Equal(t, []string{petr}, find(w.admin, tenancy.EmployeeFilter{Text: "ivanov", Role: tenancy.RoleManager}, 10))
	require.Empty(t, find(w.admin, tenancy.EmployeeFilter{Text: "%" + tag}, 10), "wildcards are literal")
	require.Empty(t, find(w.manager, tenancy.EmployeeFilter{SubAccountID: w.subs[1].ID}, 10), "a manager searches its own sub-account only")
	require.Equal(t, []string{w.operator.UserID}, find(w.manager, tenancy.EmployeeFilter{Role: tenancy.RoleOperator}, 10))
	require.Equal(t, []string{w.operator.UserID}, find(w.operator, tenancy.EmployeeFilter{}, 10), "an operator finds itself only")
	_, err := e.svc.FindEmployees(ctx, w.admin, w.c.ID, tenancy.EmployeeFilter{Role: "janitor"}, storage.PageRequest{})
	fieldOf(t, err, "role")
	_, err = e.svc.FindEmployees(ctx, w.admin, w.c.ID, tenancy.EmployeeFilter{Text: strings.Repeat("x", 101)}, storage.PageRequest{})
	fieldOf(t, err, "text")
	_, err = e.svc.FindEmployees(ctx, w.operator, aff2(t, e, r).c.ID, tenancy.EmployeeFilter{}, storage.PageRequest{})
	require.ErrorIs(t, err, storage.ErrNotFound, "another company is invisible")

	// Sub-accounts a page at a time, by name.
	for _, n := range []string{"delta", "Alpha", "charlie", "Bravo", "echo"} {
		_, err := e.svc.CreateSubAccount(ctx, w.admin, w.c.ID, n+" "+tag)
		require.NoError(t, err)
	}
	all, err := e.svc.ListSubAccounts(ctx, w.admin, w.c.ID)
	require.NoError(t, err)
	var want, got []string
	for _, sa := range all {
		want = append(want, sa.ID)
	}
	p := storage.PageRequest{Limit: 2}
	pages := 0
	for {
		page, err := e.svc.SubAccountsPage(ctx, w.admin, w.c.ID, p)
		require.NoError(t, err)
		pages++
		require.LessOrEqual(t, len(page.Items), 2)
		for _, sa := range page.Items {
			got = append(got, sa.ID)
		}
		if page.NextCursor == "" {
			break
		}
		p.After = page.NextCursor
	}
	require.Equal(t, want, got, "the pages list every sub-account once, by name")
	require.Equal(t, 4, pages) // 7 sub-accounts, 2 a page
	mp, err := e.svc.SubAccountsPage(ctx, w.manager, w.c.ID, storage.PageRequest{})
	require.NoError(t, err)
	require.Len(t, mp.Items, 1)
	require.Equal(t, w.subs[0].ID, mp.Items[0].ID, "a manager sees its own sub-account")
	op, err := e.svc.SubAccountsPage(ctx, w.operator, w.c.ID, storage.PageRequest{})
	require.NoError(t, err)
	require.Empty(t, op.Items)
	_, err = e.svc.SubAccountsPage(ctx, w.admin, w.c.ID, storage.PageRequest{After: "%%%"})
	fieldOf(t, err, "after")
}

// aff2 is another affiliate of r.
func aff2(t *testing.T, e *identityEnv, r tenancy.Company) companyWorld { return e.newAffiliate(t, r) }

// identityDeactivationOffline wires presence.Service.ReleaseUser as the
// deactivation hook, as the package documentation advises: an online
// operator goes offline with its deactivation, and cannot go online again
// until reactivated.
func identityDeactivationOffline(t *testing.T, h *Harness) {
	if h.Presence == nil || h.Account == nil {
		t.Skip("backend lacks a domain store")
	}
	ctx := context.Background()
	e := newTenancyEnv(h)
	var pres *presence.Service
	e.svc = tenancy.NewService(h.Tx, h.Tenancy, e.log, h.Outbox, TestKeys, tenancy.WithPasswordCost(4),
		tenancy.WithMemberDeactivatedHook(func(ctx context.Context, by tenancy.Actor, companyID, userID string) error {
			_, err := pres.ReleaseUser(ctx, by, companyID, userID)
			return err
		}))
	keys, err := account.NewStaticKeys("k1", bytes.Repeat([]byte{7}, 32))
	require.NoError(t, err)
	acct := account.NewService(h.Tx, h.Account, e.svc, e.log, keys)
	pres = presence.NewService(h.Tx, h.Presence, e.svc, acct, e.log, h.Outbox)
	r, _ := e.newReseller(t)
	w := e.newAffiliate(t, r)
	_, err = pres.SetStatus(ctx, w.operator, w.c.ID, w.operator.UserID, presence.Change{State: presence.Online})
	require.NoError(t, err)
	require.NoError(t, e.svc.DeactivateMember(ctx, w.admin, w.c.ID, w.operator.UserID))
	cur, err := pres.Status(ctx, w.admin, w.c.ID, w.operator.UserID)
	require.NoError(t, err)
	require.Equal(t, presence.Offline, cur.State, "deactivated: offline")
	_, err = pres.SetStatus(ctx, w.admin, w.c.ID, w.operator.UserID, presence.Change{State: presence.Online, Version: cur.Version})
	require.ErrorIs(t, err, storage.ErrPrecondition, "no status for a deactivated member")
	_, err = pres.SetStatus(ctx, w.operator, w.c.ID, w.operator.UserID, presence.Change{State: presence.Online})
	require.ErrorIs(t, err, storage.ErrForbidden)
	require.NoError(t, e.svc.ReactivateMember(ctx, w.admin, w.c.ID, w.operator.UserID))
	cur, err = pres.Status(ctx, w.admin, w.c.ID, w.operator.UserID)
	require.NoError(t, err)
	require.Equal(t, presence.Offline, cur.State, "reactivated: still offline until it sets a status")
	_, err = pres.SetStatus(ctx, w.operator, w.c.ID, w.operator.UserID, presence.Change{State: presence.Online, Version: cur.Version})
	require.NoError(t, err)
}

// tokenSHA is the hash a Store keeps of a token (hex SHA-256).
func tokenSHA(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}
