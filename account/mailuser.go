package account

import (
	"context"
	"strings"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// UserMailInput is a user's own login on the company's mail connection.
type UserMailInput struct {
	Username string `json:"username" validate:"required,text,max=254"`
	// Password is the user's mail password; zero keeps the stored one.
	Password Secret `json:"password"`
}

func purposeUserMail(userID string) string { return "mail.user_password/" + userID }

// SetUserMailLogin stores userID's own login on companyID's mail
// connection (SetMailAccess): the user inherits the host, port and
// security and logs in as itself. The effective connection is validated
// by the host's ConnectionTester before anything is stored; the password
// is sealed at rest, bound to the company and the user. Authorised:
// tenancy.ActOwnProfile on the member (the user itself, or those who
// manage it). Errors: *storage.ValidationError for a bad username or a
// failed test (field "password", rule "connection"); storage.ErrPrecondition
// while the company has no mail connection; storage.ErrUnavailable without
// a tester. Audited "account.user.mail.update", the password redacted.
func (s *Service) SetUserMailLogin(ctx context.Context, by tenancy.Actor, companyID, userID string, in UserMailInput) (_ *User, err error) {
	const op = "account.SetUserMailLogin"
	ctx, uc := s.obs.Start(ctx, op, companyID, "account.user.mail.update")
	defer func() { uc.End(err) }()
	storage.Normalize(&in)
	if err := s.authorizeMember(ctx, op, by, companyID, userID, tenancy.ActOwnProfile); err != nil {
		return nil, err
	}
	if err := s.check(ctx, op, in); err != nil {
		return nil, err
	}
	c, err := s.loadCompany(ctx, companyID)
	if err != nil {
		return nil, err
	}
	if c.Mail.Host == "" {
		return nil, storage.Precondition(op, "company %s has no mail connection (SetMailAccess)", companyID)
	}
	if s.tester == nil {
		return nil, storage.E(op, storage.ErrUnavailable, "no mail connection tester configured")
	}
	test := MailConnection{Host: c.Mail.Host, Port: c.Mail.Port, Security: c.Mail.Security, Username: in.Username, Password: in.Password}
	if test.Password.IsZero() {
		cur, err := s.loadUser(ctx, companyID, userID)
		if err != nil {
			return nil, err
		}
		if test.Password, err = s.seal.open(ctx, op, companyID, purposeUserMail(userID), cur.MailLogin.Password); err != nil {
			return nil, err
		}
	}
	if err := s.tester.TestMailConnection(ctx, test); err != nil {
		msg := err.Error()
		if pw := test.Password.Reveal(); pw != "" {
			msg = strings.ReplaceAll(msg, pw, redacted)
		}
		return nil, &storage.ValidationError{Op: op, Fields: []storage.FieldError{{Field: "password", Rule: "connection",
			Message: "connection test failed: " + msg}}}
	}
	now := storage.Timestamp(s.clock.Now())
	return s.updateUser(ctx, op, by, companyID, userID, tenancy.ActOwnProfile, "account.user.mail.update",
		func(ctx context.Context, _ *Company, u *User) ([]audit.Change, error) {
			before := u.MailLogin
			pw, err := s.sealOrKeep(ctx, op, companyID, purposeUserMail(userID), in.Password, u.MailLogin.Password)
			if err != nil {
				return nil, err
			}
			u.MailLogin = UserMailLogin{Username: in.Username, Password: pw, TestedAt: now}
			return audit.Diff(before, u.MailLogin), nil
		})
}

// MailConnectionFor is userID's effective mail connection: the company's
// host, port and security (SetMailAccess) with the user's own login
// (SetUserMailLogin), its password decrypted. Authorised:
// tenancy.ActOwnProfile on the member. Errors: storage.ErrPrecondition
// while the company has no connection or the user no login. Reading the
// password is audited "account.secret.read" on the entity secret
// "mail.user_password" in the transaction that reads it.
func (s *Service) MailConnectionFor(ctx context.Context, by tenancy.Actor, companyID, userID string) (_ MailConnection, err error) {
	const op = "account.MailConnectionFor"
	ctx, uc := s.obs.Start(ctx, op, companyID, "account.secret.read")
	defer func() { uc.End(err) }()
	var out MailConnection
	err = storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.authorizeMember(ctx, op, by, companyID, userID, tenancy.ActOwnProfile); err != nil {
			return err
		}
		c, err := s.loadCompany(ctx, companyID)
		if err != nil {
			return err
		}
		u, err := s.loadUser(ctx, companyID, userID)
		if err != nil {
			return err
		}
		switch {
		case c.Mail.Host == "":
			return storage.Precondition(op, "company %s has no mail connection (SetMailAccess)", companyID)
		case u.MailLogin.Username == "":
			return storage.Precondition(op, "user %s has no mail login (SetUserMailLogin)", userID)
		}
		out = MailConnection{Host: c.Mail.Host, Port: c.Mail.Port, Security: c.Mail.Security, Username: u.MailLogin.Username}
		if len(u.MailLogin.Password) > 0 {
			if out.Password, err = s.seal.open(ctx, op, companyID, purposeUserMail(userID), u.MailLogin.Password); err != nil {
				return err
			}
		}
		return s.record(ctx, by, companyID, "account.secret.read", "secret", "mail.user_password", nil)
	}))
	if err != nil {
		return MailConnection{}, err
	}
	return out, nil
}
