package account

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/observe"
	"github.com/switchboardkit/switchboard/tenancy"
)

// Purposes bind sealed values to their field (additional authenticated data).
const (
	purposeMail = "mail.password"
	purposePBX  = "pbx.password"
)

// sealAllUnderCurrent keeps the invariant that every secret of c is sealed
// under one key, the current one, and records it in c.KeyID.
func (s *Service) sealAllUnderCurrent(ctx context.Context, op string, c *Company) error {
	if len(c.Mail.Password) == 0 && len(c.PBX.Password) == 0 {
		c.KeyID = ""
		return nil
	}
	current, err := s.seal.keys.CurrentKeyID(ctx)
	if err != nil {
		return storage.Internal(op, err).Explain("no current secret key")
	}
	if c.Mail.Password, _, err = s.seal.reseal(ctx, op, c.CompanyID, purposeMail, c.Mail.Password, current); err != nil {
		return err
	}
	if c.PBX.Password, _, err = s.seal.reseal(ctx, op, c.CompanyID, purposePBX, c.PBX.Password, current); err != nil {
		return err
	}
	c.KeyID = current
	return nil
}

// sealOrKeep is a password input's stored form: plain sealed for purpose
// when given, else the stored value (an empty input keeps the password).
func (s *Service) sealOrKeep(ctx context.Context, op, companyID, purpose string, plain Secret, stored Sealed) (Sealed, error) {
	if plain.IsZero() {
		return stored, nil
	}
	return s.seal.seal(ctx, op, companyID, purpose, plain)
}

// SetMailAccess validates conn, tests it with the host's ConnectionTester
// and, when the test passes, stores it as the company's mail-access
// connection (inherited by future users). The password, if given, is sealed
// at rest; an empty password keeps the stored one. Authorised:
// tenancy.ActEditSettings, checked before the test and again in the
// transaction. The test runs outside the transaction (it is network I/O); a
// failed test is returned wrapped with storage.ErrInvalid on the field
// "host" and nothing is stored. Audited "account.mail.update" with the
// password redacted.
func (s *Service) SetMailAccess(ctx context.Context, by tenancy.Actor, companyID string, conn MailConnection) (_ *Company, err error) {
	const op = "account.SetMailAccess"
	ctx, uc := s.obs.Start(ctx, op, companyID, "account.mail.update")
	defer func() { uc.End(err) }()
	storage.Normalize(&conn)
	if _, err := s.authorizeCompany(ctx, op, by, companyID, tenancy.ActEditSettings); err != nil {
		return nil, err
	}
	if err := s.check(ctx, op, conn); err != nil {
		return nil, err
	}
	if s.tester == nil {
		return nil, storage.E(op, storage.ErrUnavailable, "no mail connection tester configured")
	}
	test := conn
	if test.Password.IsZero() { // test with the stored password
		cur, err := s.loadCompany(ctx, companyID)
		if err != nil {
			return nil, err
		}
		if test.Password, err = s.seal.open(ctx, op, companyID, purposeMail, cur.Mail.Password); err != nil {
			return nil, err
		}
	}
	if err := s.tester.TestMailConnection(ctx, test); err != nil {
		// The tester's message is the host's; it must not echo the password.
		msg := err.Error()
		if pw := test.Password.Reveal(); pw != "" {
			msg = strings.ReplaceAll(msg, pw, redacted)
		}
		s.obs.Logger().InfoContext(ctx, "account: mail connection test failed", "company_id", companyID, "host", conn.Host, "error", msg)
		return nil, &storage.ValidationError{Op: op, Fields: []storage.FieldError{{Field: "host", Rule: "connection",
			Message: "connection test failed: " + msg}}}
	}
	now := storage.Timestamp(s.clock.Now())
	return s.updateCompany(ctx, op, by, companyID, tenancy.ActEditSettings, "account.mail.update",
		func(ctx context.Context, _ tenancy.CompanyRef, c *Company) ([]audit.Change, error) {
			before := c.Mail
			pw, err := s.sealOrKeep(ctx, op, companyID, purposeMail, conn.Password, c.Mail.Password)
			if err != nil {
				return nil, err
			}
			m := MailAccess{Host: conn.Host, Port: conn.Port, Security: conn.Security, Username: conn.Username,
				Password: pw, TestedAt: now}
			c.Mail = m
			return audit.Diff(before, m), nil
		})
}

// MailPassword returns the mail-access password, decrypted. Authorised:
// tenancy.ActEditSettings (reading a secret is an administrator's act).
// Every read is audited "account.secret.read" on the entity secret
// "mail.password" in the company's chain — who read it and when, never the
// value — in the transaction that reads it: a read that cannot be audited
// returns nothing.
func (s *Service) MailPassword(ctx context.Context, by tenancy.Actor, companyID string) (_ Secret, err error) {
	const op = "account.MailPassword"
	ctx, uc := s.obs.Start(ctx, op, companyID, "account.secret.read")
	defer func() { uc.End(err) }()
	return s.readSecret(ctx, op, by, companyID, tenancy.ActEditSettings, "mail.password", purposeMail,
		func(c *Company) Sealed { return c.Mail.Password })
}

// readSecret authorises act, opens the secret pick returns and audits the
// read as "account.secret.read" of the entity ("secret", name), in one
// transaction.
func (s *Service) readSecret(ctx context.Context, op string, by tenancy.Actor, companyID string, act tenancy.Action,
	name, purpose string, pick func(*Company) Sealed) (Secret, error) {
	var out Secret
	err := storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		c, err := s.authorizedCompany(ctx, op, by, companyID, act)
		if err != nil {
			return err
		}
		if out, err = s.seal.open(ctx, op, companyID, purpose, pick(c)); err != nil {
			return err
		}
		return s.record(ctx, by, companyID, "account.secret.read", "secret", name, nil)
	}))
	if err != nil {
		return Secret{}, err
	}
	return out, nil
}

func (s *Service) authorizedCompany(ctx context.Context, op string, by tenancy.Actor, companyID string, act tenancy.Action) (*Company, error) {
	if _, err := s.authorizeCompany(ctx, op, by, companyID, act); err != nil {
		return nil, err
	}
	c, err := s.loadCompany(ctx, companyID)
	return c, storage.Reop(op, err)
}

// SetAssistant sets the virtual assistant's name and e-mail. Authorised:
// tenancy.ActEditSettings. Audited "account.assistant.update".
func (s *Service) SetAssistant(ctx context.Context, by tenancy.Actor, companyID string, a Assistant) (_ *Company, err error) {
	const op = "account.SetAssistant"
	ctx, uc := s.obs.Start(ctx, op, companyID, "account.assistant.update")
	defer func() { uc.End(err) }()
	storage.Normalize(&a)
	return s.updateCompany(ctx, op, by, companyID, tenancy.ActEditSettings, "account.assistant.update",
		func(_ context.Context, _ tenancy.CompanyRef, c *Company) ([]audit.Change, error) {
			if err := s.check(ctx, op, a); err != nil {
				return nil, err
			}
			changes := audit.Diff(c.Assistant, a)
			c.Assistant = a
			return changes, nil
		})
}

// PBXInput is SetPBX's input.
type PBXInput struct {
	Type      string `json:"type" validate:"required,text,max=100"`
	AccountID string `json:"account_id" validate:"text,max=255"`
	Password  Secret `json:"password"` // empty keeps the stored one
}

// SetPBX sets the company's phone system (one of WithPBXTypes) and its
// provisioning account ID and password (sealed at rest). Authorised:
// tenancy.ActManageCatalog on the company — the service provider's act:
// the company's reseller (its administrators and owner; or a reseller's
// for its own company) and the platform; the company's own administrators
// are refused.
// Audited "account.pbx.update" with the password redacted.
func (s *Service) SetPBX(ctx context.Context, by tenancy.Actor, companyID string, in PBXInput) (_ *Company, err error) {
	const op = "account.SetPBX"
	ctx, uc := s.obs.Start(ctx, op, companyID, "account.pbx.update")
	defer func() { uc.End(err) }()
	storage.Normalize(&in)
	return s.updateCompany(ctx, op, by, companyID, tenancy.ActManageCatalog, "account.pbx.update",
		func(ctx context.Context, _ tenancy.CompanyRef, c *Company) ([]audit.Change, error) {
			if err := s.check(ctx, op, in); err != nil {
				return nil, err
			}
			if !slices.Contains(s.pbxTypes, in.Type) {
				return nil, storage.Invalid(op, "type", "oneof", "is not a supported phone system")
			}
			before := c.PBX
			pw, err := s.sealOrKeep(ctx, op, companyID, purposePBX, in.Password, c.PBX.Password)
			if err != nil {
				return nil, err
			}
			p := PBX{Type: in.Type, AccountID: in.AccountID, Password: pw}
			c.PBX = p
			return audit.Diff(before, p), nil
		})
}

// PBXPassword returns the provisioning password, decrypted. Authorised:
// tenancy.ActManageCatalog, like SetPBX. Audited as MailPassword, on the
// entity secret "pbx.password".
func (s *Service) PBXPassword(ctx context.Context, by tenancy.Actor, companyID string) (_ Secret, err error) {
	const op = "account.PBXPassword"
	ctx, uc := s.obs.Start(ctx, op, companyID, "account.secret.read")
	defer func() { uc.End(err) }()
	return s.readSecret(ctx, op, by, companyID, tenancy.ActManageCatalog, "pbx.password", purposePBX,
		func(c *Company) Sealed { return c.PBX.Password })
}

// RotateSecrets re-seals every secret of companyID under the provider's
// current key: the company's mail and PBX passwords and every user's mail
// password (SetUserMailLogin), in one transaction. It reports whether
// anything was re-sealed. Authorised: tenancy.ActEditSettings. Audited
// "account.secrets.rotate" (values redacted; field "user_ids" lists the
// users re-sealed) when something changed.
func (s *Service) RotateSecrets(ctx context.Context, by tenancy.Actor, companyID string) (_ bool, err error) {
	const op = "account.RotateSecrets"
	ctx, uc := s.obs.Start(ctx, op, companyID, "account.secrets.rotate")
	defer func() { uc.End(err) }()
	changed := false
	err = storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		changed = false
		if _, err := s.authorizeCompany(ctx, op, by, companyID, tenancy.ActEditSettings); err != nil {
			return err
		}
		current, err := s.seal.keys.CurrentKeyID(ctx)
		if err != nil {
			return storage.Internal(op, err).Explain("no current secret key")
		}
		before, err := s.loadCompany(ctx, companyID)
		if err != nil {
			return err
		}
		after := cloneCompany(before)
		if err := s.sealAllUnderCurrent(ctx, op, after); err != nil {
			return err
		}
		var changes []audit.Change
		if after.KeyID != before.KeyID {
			after.UpdatedAt = storage.Timestamp(s.clock.Now())
			if err := s.store.SaveCompany(ctx, after); err != nil {
				return err
			}
			changes = append(audit.Diff(before.Mail, after.Mail), audit.Diff(before.PBX, after.PBX)...)
		}
		users, err := s.resealUsers(ctx, op, companyID, current)
		if err != nil {
			return err
		}
		if len(users) > 0 {
			changes = append(changes, audit.Set("user_ids", nil, users))
		}
		if len(changes) == 0 {
			return nil
		}
		changed = true
		return s.record(ctx, by, companyID, "account.secrets.rotate", "account.company", companyID, changes)
	}))
	return changed, err
}

// resealUsers re-seals, in the caller's transaction, the mail password of
// every user of companyID still under a key other than current, and
// returns their IDs.
func (s *Service) resealUsers(ctx context.Context, op, companyID, current string) ([]string, error) {
	var done []string
	after := ""
	for {
		ids, err := s.store.UsersNotUnderKey(ctx, companyID, current, after, 100)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			u, err := s.store.User(ctx, companyID, id)
			if err != nil {
				return nil, err
			}
			next := cloneUser(u)
			if next.MailLogin.Password, _, err = s.seal.reseal(ctx, op, companyID, purposeUserMail(id), u.MailLogin.Password, current); err != nil {
				return nil, err
			}
			next.UpdatedAt = storage.Timestamp(s.clock.Now())
			if err := s.saveUser(ctx, next); err != nil {
				return nil, err
			}
			done = append(done, id)
		}
		if len(ids) < 100 {
			return done, nil
		}
		after = ids[len(ids)-1]
	}
}

// RotateAllSecrets re-seals, company by company (one transaction each,
// RotateSecrets), the secrets of up to limit companies still holding some
// under an older key — in the company document or a user's settings — and
// returns how many it re-sealed; call it until it returns 0 after rotating
// the key. Authorised: the platform only.
func (s *Service) RotateAllSecrets(ctx context.Context, by tenancy.Actor, limit int) (_ int, err error) {
	const op = "account.RotateAllSecrets"
	ctx, uc := s.obs.Start(ctx, op, "", "account.secrets.rotate")
	defer func() { uc.End(err) }()
	if err := tenancy.AuthorizeIn(ctx, s.dir, op, by, tenancy.ActPlatform, tenancy.Resource{}); err != nil {
		return 0, err
	}
	current, err := s.seal.keys.CurrentKeyID(ctx)
	if err != nil {
		return 0, storage.Internal(op, err).Explain("no current secret key")
	}
	ids, err := s.store.CompaniesNotUnderKey(ctx, current, "", max(limit, 1))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		ok, err := s.RotateSecrets(ctx, by, id)
		if err != nil {
			return n, err
		}
		if ok {
			n++
			s.obs.Logger().InfoContext(ctx, "account: re-sealed company secrets", "company_id", id, "key_id", current)
		}
	}
	return n, nil
}

// BillGrant is the short-lived permission to open the company bill, issued
// after the administrator re-entered the password.
type BillGrant struct {
	Token     string    `json:"-"`
	CompanyID string    `json:"company_id"`
	UserID    string    `json:"user_id"`
	ExpiresAt time.Time `json:"expires_at"`
}

// String describes the grant without its token: the token is a bearer
// credential and must not reach logs. %v and %+v use it too.
func (g BillGrant) String() string {
	return fmt.Sprintf("bill grant for user %s of company %s until %s (token [redacted])",
		g.UserID, g.CompanyID, g.ExpiresAt.Format(time.RFC3339))
}

// GoString keeps %#v from printing the token.
func (g BillGrant) GoString() string { return "account.BillGrant{" + g.String() + "}" }

// Format implements fmt.Formatter: %#v is GoString, every other verb String,
// so no verb reaches the token.
func (g BillGrant) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = f.Write([]byte(g.GoString()))
		return
	}
	_, _ = f.Write([]byte(g.String()))
}

// MarshalJSON encodes the grant without its token (hand the token to the
// client on its own).
func (g BillGrant) MarshalJSON() ([]byte, error) {
	type plain BillGrant // no methods; Token is json:"-"
	return json.Marshal(plain(g))
}

// LogValue implements slog.LogValuer without the token.
func (g BillGrant) LogValue() slog.Value {
	return slog.GroupValue(slog.String("company_id", g.CompanyID), slog.String("user_id", g.UserID),
		slog.Time("expires_at", g.ExpiresAt), slog.String("token", redacted))
}

type grantClaims struct {
	C string `json:"c"`
	U string `json:"u"`
	E int64  `json:"e"` // expiry, Unix microseconds
	K string `json:"k"` // key ID of the MAC key
}

// OpenBill re-authenticates by with password through the host's
// PasswordChecker and returns a bill-access grant valid for the grant TTL
// (WithBillGrantTTL). Authorised: tenancy.ActEditSettings on the company.
// A wrong password is storage.ErrForbidden. The access is audited
// "account.bill.open". The grant's token is an HMAC-SHA256-signed claim
// under a key derived from the current secret key; check it with
// VerifyBillGrant.
func (s *Service) OpenBill(ctx context.Context, by tenancy.Actor, companyID string, password Secret) (_ BillGrant, err error) {
	const op = "account.OpenBill"
	ctx, uc := s.obs.Start(ctx, op, companyID, "account.bill.open")
	defer func() { uc.End(err) }()
	if s.passwords == nil {
		return BillGrant{}, storage.E(op, storage.ErrUnavailable, "no password checker configured")
	}
	if _, err := s.authorizeCompany(ctx, op, by, companyID, tenancy.ActEditSettings); err != nil {
		return BillGrant{}, err
	}
	if password.IsZero() {
		return BillGrant{}, storage.Invalid(op, "password", "required", "is required")
	}
	if err := s.passwords.CheckPassword(ctx, companyID, by.UserID, password); err != nil {
		if errors.Is(err, storage.ErrForbidden) {
			return BillGrant{}, storage.Forbidden(op, "password does not match")
		}
		return BillGrant{}, err
	}
	g := BillGrant{CompanyID: companyID, UserID: by.UserID, ExpiresAt: storage.Timestamp(s.clock.Now().Add(s.grantTTL))}
	// The key comes first: a grant that cannot be signed is not granted, so
	// it must not be audited as opened (and the KeyProvider may be a KMS
	// call, which stays outside the transaction).
	kid, key, err := s.grantKey(ctx, op, "")
	if err != nil {
		return BillGrant{}, err
	}
	err = storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.authorizeCompany(ctx, op, by, companyID, tenancy.ActEditSettings); err != nil {
			return err
		}
		return s.record(ctx, by, companyID, "account.bill.open", "account.company", companyID,
			[]audit.Change{audit.Set("bill_grant_expires_at", nil, g.ExpiresAt)})
	}))
	if err != nil {
		return BillGrant{}, err
	}
	claims, _ := json.Marshal(grantClaims{C: g.CompanyID, U: g.UserID, E: g.ExpiresAt.UnixMicro(), K: kid})
	body := base64.RawURLEncoding.EncodeToString(claims)
	g.Token = body + "." + base64.RawURLEncoding.EncodeToString(mac(key, body))
	return g, nil
}

func mac(key []byte, body string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(body))
	return h.Sum(nil)
}

// grantKey derives the grant MAC key from the secret key kid ("" = current).
func (s *Service) grantKey(ctx context.Context, op, kid string) (string, []byte, error) {
	var err error
	if kid == "" {
		if kid, err = s.seal.keys.CurrentKeyID(ctx); err != nil {
			return "", nil, storage.Internal(op, err).Explain("no current secret key")
		}
	}
	key, err := s.seal.keys.Key(ctx, kid)
	if err != nil {
		return "", nil, storage.Wrap(op, storage.ErrForbidden, err).Explain("grant key unknown")
	}
	return kid, mac(key, "switchboard/account/bill-grant"), nil
}

// VerifyBillGrant checks that token is an unexpired grant for userID in
// companyID issued by OpenBill. Any failure is storage.ErrForbidden.
func (s *Service) VerifyBillGrant(ctx context.Context, companyID, userID, token string) (err error) {
	const op = "account.VerifyBillGrant"
	ctx, uc := s.obs.Start(ctx, op, companyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	deny := storage.Forbidden(op, "no valid bill grant")
	body, sig, ok := strings.Cut(token, ".")
	if !ok {
		return deny
	}
	raw, err1 := base64.RawURLEncoding.DecodeString(body)
	got, err2 := base64.RawURLEncoding.DecodeString(sig)
	var cl grantClaims
	if err1 != nil || err2 != nil || json.Unmarshal(raw, &cl) != nil {
		return deny
	}
	_, key, err := s.grantKey(ctx, op, cl.K)
	if err != nil || !hmac.Equal(got, mac(key, body)) {
		return deny
	}
	if cl.C != companyID || cl.U != userID || !s.clock.Now().Before(time.UnixMicro(cl.E)) {
		return deny
	}
	return nil
}
