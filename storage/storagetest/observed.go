package storagetest

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/observe"
	"github.com/switchboardkit/switchboard/tenancy"
)

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// observed is what the services' spans and log records said.
type observed struct {
	spans *tracetest.InMemoryExporter
	logs  *syncBuffer
	opts  []observe.Option
}

func newObserved() *observed {
	o := &observed{spans: tracetest.NewInMemoryExporter(), logs: &syncBuffer{}}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(o.spans))
	o.opts = []observe.Option{observe.WithTracerProvider(tp),
		observe.WithLogger(slog.New(slog.NewJSONHandler(o.logs, &slog.HandlerOptions{Level: slog.LevelDebug})))}
	return o
}

// text is every log record and every span's name, status, attributes and
// events.
func (o *observed) text() string {
	var b strings.Builder
	b.WriteString(o.logs.String())
	for _, s := range o.spans.GetSpans() {
		fmt.Fprintln(&b, s.Name, s.Status)
		for _, a := range s.Attributes {
			fmt.Fprintln(&b, a.Key, a.Value.String())
		}
		for _, e := range s.Events {
			fmt.Fprintln(&b, e.Name)
			for _, a := range e.Attributes {
				fmt.Fprintln(&b, a.Key, a.Value.String())
			}
		}
	}
	return b.String()
}

// observedSecrets runs the use cases that handle secrets — generated
// passwords (through the outbox), a changed password, the mail and PBX
// passwords written and read back, failed logins — with logging at debug
// level and tracing on, and finds none of the secrets in any log record or
// span.
func observedSecrets(t *testing.T, h *Harness) {
	ctx := context.Background()
	o := newObserved()
	// Every service of the host's wiring logs and traces: the hooks'
	// licensing, account and presence calls included.
	w := NewWorld(t, OnHarness(h), WithAudit(o.opts...), WithTenancy(o.opts...), WithLicensing(o.opts...),
		WithAccount(o.opts...), WithPresence(o.opts...), WithCompliance(o.opts...))
	people, settings := w.People, w.Settings
	c := w.Tenant(tenancy.KindRegular)
	by := c.Owner
	ownerEmail := w.Email(by.UserID)
	empEmail := w.Email(w.Employee(by, c.ID, tenancy.RoleOperator, "").UserID)

	var secrets []string
	for _, email := range []string{ownerEmail, empEmail} {
		creds := w.Credentials(email)
		require.Len(t, creds, 1, "credentials for %s", email)
		cred := creds[0]
		require.NotEmpty(t, cred.Password)
		secrets = append(secrets, cred.Password)
		_, err := people.Authenticate(ctx, email, cred.Password)
		require.NoError(t, err)
		_, err = people.Authenticate(ctx, email, cred.Password+"wrong")
		require.Error(t, err)
	}
	changed := "changed-" + storage.NewID()
	require.NoError(t, people.ChangePassword(ctx, by, secrets[0], changed, changed))
	err := people.ChangePassword(ctx, by, secrets[0], changed+"x", changed+"x")
	require.Error(t, err, "the old password no longer works")
	secrets = append(secrets, changed)

	mailPlain, pbxPlain := "mail-"+storage.NewID(), "pbx-"+storage.NewID()
	_, err = settings.SetMailAccess(ctx, by, c.ID, account.MailConnection{Host: "imap.example.com", Port: 993,
		Security: account.MailTLS, Username: "observed", Password: account.NewSecret(mailPlain)})
	require.NoError(t, err)
	_, err = settings.SetPBX(ctx, tenancy.Platform("support"), c.ID, account.PBXInput{Type: "asterisk", AccountID: "pbx-1", Password: account.NewSecret(pbxPlain)})
	require.NoError(t, err)
	got, err := settings.MailPassword(ctx, by, c.ID)
	require.NoError(t, err)
	require.Equal(t, mailPlain, got.Reveal())
	got, err = settings.PBXPassword(ctx, tenancy.Platform("support"), c.ID)
	require.NoError(t, err)
	require.Equal(t, pbxPlain, got.Reveal())
	secrets = append(secrets, mailPlain, pbxPlain)

	// The tokens of an e-mail change and a password reset, and the new password.
	moved := uniqueEmail("observed.moved")
	_, err = people.RequestEmailChange(ctx, by, c.ID, by.UserID, tenancy.EmailChangeInput{NewEmail: moved, Password: changed})
	require.NoError(t, err)
	var toks []string
	for _, r := range delivered[tenancy.EmailChangeRequest](h.effects(), storage.TopicEmailChange, c.ID) {
		toks = append(toks, string(r.Token))
	}
	require.Len(t, toks, 1)
	_, err = people.ConfirmEmailChange(ctx, toks[0])
	require.NoError(t, err)
	require.NoError(t, people.RequestPasswordReset(ctx, moved))
	for _, r := range delivered[tenancy.PasswordReset](h.effects(), storage.TopicPasswordReset, "") {
		if r.UserID == by.UserID {
			toks = append(toks, string(r.Token))
		}
	}
	require.Len(t, toks, 2)
	reset := "reset-" + storage.NewID()
	require.NoError(t, people.ResetPassword(ctx, toks[1], reset, reset))
	require.Error(t, people.ResetPassword(ctx, toks[1], reset, reset), "used up")
	secrets = append(secrets, append(toks, reset)...)

	require.NotEmpty(t, o.spans.GetSpans(), "the services traced")
	require.Contains(t, o.logs.String(), `"msg":"tenancy.RegisterEmployee"`, "the services logged")
	all := o.text()
	for _, s := range secrets {
		require.NotContains(t, all, s)
	}
}
