package storagetest

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/storage"
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
