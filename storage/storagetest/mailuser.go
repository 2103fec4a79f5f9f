package storagetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// accountUserMail: a user's effective mail connection is the company's
// with its own login, tested by the host's tester, sealed, read audited.
func accountUserMail(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	w := NewWorld(t, OnHarness(h))
	c := w.Company()
	op := c.Operator
	_, err := w.Settings.SetUserMailLogin(ctx, op, c.ID, op.UserID, account.UserMailInput{Username: "op@example.com", Password: account.NewSecret("s3cret-op")})
	require.ErrorIs(t, err, storage.ErrPrecondition, "no company connection yet")
	_, err = w.Settings.SetMailAccess(ctx, c.Admin, c.ID, account.MailConnection{Host: "mail.example.com", Port: 993, Security: account.MailTLS})
	require.NoError(t, err)

	w.Mail.Fail(errors.New("login refused for s3cret-op"))
	_, err = w.Settings.SetUserMailLogin(ctx, op, c.ID, op.UserID, account.UserMailInput{Username: "op@example.com", Password: account.NewSecret("s3cret-op")})
	RequireInvalid(t, err, "password")
	assert.NotContains(t, err.Error(), "s3cret-op", "the tester's message is redacted")
	w.Mail.Fail(nil)
	_, err = w.Settings.SetUserMailLogin(ctx, op, c.ID, op.UserID, account.UserMailInput{Username: ""})
	RequireInvalid(t, err, "username")
	_, err = w.Settings.MailConnectionFor(ctx, op, c.ID, op.UserID)
	require.ErrorIs(t, err, storage.ErrPrecondition, "refused logins left nothing behind")

	u, err := w.Settings.SetUserMailLogin(ctx, op, c.ID, op.UserID, account.UserMailInput{Username: "op@example.com", Password: account.NewSecret("s3cret-op")})
	require.NoError(t, err, "the user sets its own login")
	assert.True(t, u.MailLogin.HasPassword)
	assert.Empty(t, u.MailLogin.Password, "results carry no sealed bytes")
	raw, err := h.AccountRaw(ctx, c.ID)
	require.NoError(t, err)
	assert.NotContains(t, string(raw), "s3cret-op", "sealed at rest")
	_, err = w.Settings.SetUserMailLogin(ctx, c.Operator, c.ID, c.Manager.UserID, account.UserMailInput{Username: "x@example.com"})
	require.ErrorIs(t, err, storage.ErrForbidden, "an operator sets no one else's")

	events := w.AuditOf(func() {
		conn, err := w.Settings.MailConnectionFor(ctx, op, c.ID, op.UserID)
		require.NoError(t, err)
		assert.Equal(t, "mail.example.com", conn.Host)
		assert.Equal(t, 993, conn.Port)
		assert.Equal(t, account.MailTLS, conn.Security)
		assert.Equal(t, "op@example.com", conn.Username)
		assert.Equal(t, "s3cret-op", conn.Password.Reveal())
	})
	assert.Equal(t, []string{"account.secret.read"}, events.In(c.ID).Actions())
	// A new username keeps the stored password, tested with it.
	_, err = w.Settings.SetUserMailLogin(ctx, c.Admin, c.ID, op.UserID, account.UserMailInput{Username: "operator@example.com"})
	require.NoError(t, err)
	conn, err := w.Settings.MailConnectionFor(ctx, c.Admin, c.ID, op.UserID)
	require.NoError(t, err)
	assert.Equal(t, [2]string{"operator@example.com", "s3cret-op"}, [2]string{conn.Username, conn.Password.Reveal()})
}

// accountRotateUserMail: RotateSecrets re-seals the users' mail passwords
// with the company's secrets, and a company whose only secrets are its
// users' is still found by CompaniesNotUnderKey.
func accountRotateUserMail(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	e := newAccountEnv(t, h)
	conn := account.MailConnection{Host: "mail.example.com", Port: 993, Security: account.MailTLS}
	withPw := conn
	withPw.Password = account.NewSecret("company-pw")
	_, err := e.svc.SetMailAccess(ctx, e.admin, e.company.ID, withPw)
	require.NoError(t, err)
	for _, a := range []tenancy.Actor{e.op, e.manager} {
		_, err := e.svc.SetUserMailLogin(ctx, a, e.company.ID, a.UserID, account.UserMailInput{Username: a.UserID + "@example.com", Password: account.NewSecret("pw-" + a.UserID)})
		require.NoError(t, err)
	}
	u, err := h.Account.User(ctx, e.company.ID, e.op.UserID)
	require.NoError(t, err)
	assert.Equal(t, "k1", u.KeyID, "a user's settings name the key of its password")
	// A second company keeps no password of its own, only its user's.
	c2 := e.dir.AddCompany(tenancy.CompanyRef{})
	admin2 := e.dir.AddMember(c2, tenancy.RoleAdministrator, "")
	_, err = e.svc.SetMailAccess(ctx, admin2, c2.ID, conn)
	require.NoError(t, err)
	_, err = e.svc.SetUserMailLogin(ctx, admin2, c2.ID, admin2.UserID, account.UserMailInput{Username: "a2@example.com", Password: account.NewSecret("pw-two")})
	require.NoError(t, err)

	k2 := "k2-" + storage.NewID()
	require.NoError(t, e.keys.Rotate(k2, bytes.Repeat([]byte{3}, 32)))
	ids, err := h.Account.CompaniesNotUnderKey(ctx, k2, "", 100000)
	require.NoError(t, err)
	assert.Contains(t, ids, e.company.ID)
	assert.Contains(t, ids, c2.ID, "found by its user's password alone")
	users, err := h.Account.UsersNotUnderKey(ctx, e.company.ID, k2, "", 100)
	require.NoError(t, err)
	assert.Equal(t, slices.Sorted(slices.Values([]string{e.op.UserID, e.manager.UserID})), users)
	first, err := h.Account.UsersNotUnderKey(ctx, e.company.ID, k2, "", 1)
	require.NoError(t, err)
	rest, err := h.Account.UsersNotUnderKey(ctx, e.company.ID, k2, first[0], 100)
	require.NoError(t, err)
	assert.Equal(t, users, append(first, rest...), "keyset pages")

	changed, err := e.svc.RotateSecrets(ctx, e.op, e.company.ID)
	require.ErrorIs(t, err, storage.ErrForbidden)
	assert.False(t, changed)
	changed, err = e.svc.RotateSecrets(ctx, e.admin, e.company.ID)
	require.NoError(t, err)
	assert.True(t, changed)
	for _, a := range []tenancy.Actor{e.op, e.manager} {
		u, err := h.Account.User(ctx, e.company.ID, a.UserID)
		require.NoError(t, err)
		assert.Equal(t, k2, u.KeyID)
		assert.Equal(t, k2, u.MailLogin.Password.KeyID(), "re-sealed under the new key")
		got, err := e.svc.MailConnectionFor(ctx, a, e.company.ID, a.UserID)
		require.NoError(t, err)
		assert.Equal(t, "pw-"+a.UserID, got.Password.Reveal(), "and still opens, bound to its user")
	}
	doc, err := h.Account.Company(ctx, e.company.ID)
	require.NoError(t, err)
	assert.Equal(t, k2, doc.Mail.Password.KeyID())
	users, err = h.Account.UsersNotUnderKey(ctx, e.company.ID, k2, "", 100)
	require.NoError(t, err)
	assert.Empty(t, users)
	ev := e.events(t, "account.secrets.rotate")
	require.Len(t, ev, 1)
	ch, ok := changeOf(ev[0], "user_ids")
	require.True(t, ok)
	js, err := json.Marshal(ch)
	require.NoError(t, err)
	assert.Contains(t, string(js), e.op.UserID)
	assert.NotContains(t, string(js), "pw-", "no password in the audit")
	changed, err = e.svc.RotateSecrets(ctx, e.admin, e.company.ID)
	require.NoError(t, err)
	assert.False(t, changed, "nothing left under the old key")

	changed, err = e.svc.RotateSecrets(ctx, admin2, c2.ID)
	require.NoError(t, err)
	assert.True(t, changed, "a company with its users' secrets only")
	ids, err = h.Account.CompaniesNotUnderKey(ctx, k2, "", 100000)
	require.NoError(t, err)
	assert.NotContains(t, ids, e.company.ID)
	assert.NotContains(t, ids, c2.ID)
}
