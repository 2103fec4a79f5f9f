package tenancy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// renderings prints v every way a value reaches logs, errors or a response.
func renderings(t *testing.T, v any) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		out[verb] = fmt.Sprintf(verb, v)
		out["&"+verb] = fmt.Sprintf(verb, &v)
		out["in struct "+verb] = fmt.Sprintf(verb, struct{ V any }{v})
	}
	if s, ok := v.(fmt.Stringer); ok {
		out["String"] = s.String()
	}
	if s, ok := v.(fmt.GoStringer); ok {
		out["GoString"] = s.GoString()
	}
	b, err := json.Marshal(v)
	require.NoError(t, err)
	out["json"] = string(b)
	for name, h := range map[string]func(*bytes.Buffer) slog.Handler{
		"slog text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		"slog json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	} {
		var buf bytes.Buffer
		slog.New(h(&buf)).Info("msg", "v", v)
		out[name] = buf.String()
	}
	return out
}

func requireRedacted(t *testing.T, v any, secret string) {
	t.Helper()
	for how, s := range renderings(t, v) {
		require.NotContains(t, s, secret, "%s shows the secret: %s", how, s)
	}
}

func TestCredentialsRedacted(t *testing.T) {
	c := Credentials{UserID: "u1", CompanyID: "c1", Email: "a@example.com", FirstName: "Anna", LastName: "Ivanova", Password: "pl41n-s3cret-pw"}
	requireRedacted(t, c, c.Password)
	require.Contains(t, c.String(), "a@example.com", "the rest stays readable")
	require.Contains(t, fmt.Sprintf("%#v", c), "tenancy.Credentials{")
	require.Equal(t, "pl41n-s3cret-pw", c.Password, "the notifier still reads the field")
}

func TestUserRecordRedacted(t *testing.T) {
	hash, err := hashPassword("correct horse battery", 4)
	require.NoError(t, err)
	r := UserRecord{User: User{ID: "u1", Email: "a@example.com", CreatedAt: time.Unix(0, 0).UTC()}, PasswordHash: hash}
	requireRedacted(t, r, hash)
	requireRedacted(t, r, hash[:20]) // no prefix of it either
	require.Contains(t, fmt.Sprintf("%#v", r), "tenancy.UserRecord{")
	b, _ := json.Marshal(r)
	require.NotContains(t, string(b), "password_hash")
}

func TestUserCarriesNoHash(t *testing.T) {
	// A User is what the Service returns; it has no field for a credential.
	b, err := json.Marshal(User{ID: "u1"})
	require.NoError(t, err)
	require.NotContains(t, string(b), "password_hash")
}
