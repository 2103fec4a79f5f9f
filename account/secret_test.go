package account

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// renderings prints v every way a value reaches logs, errors or a response.
func renderings(t *testing.T, v any, withJSON bool) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		out[verb] = fmt.Sprintf(verb, v)
		out["in struct "+verb] = fmt.Sprintf(verb, struct{ V any }{v})
	}
	if s, ok := v.(fmt.Stringer); ok {
		out["String"] = s.String()
	}
	if s, ok := v.(fmt.GoStringer); ok {
		out["GoString"] = s.GoString()
	}
	if withJSON {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		out["json"] = string(b)
	}
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

func requireRedacted(t *testing.T, v any, withJSON bool, secrets ...string) {
	t.Helper()
	for how, s := range renderings(t, v, withJSON) {
		for _, secret := range secrets {
			require.NotContains(t, s, secret, "%s shows the secret: %s", how, s)
		}
	}
}

func TestSecretRedacted(t *testing.T) {
	s := NewSecret("hunter2-plaintext")
	requireRedacted(t, s, true, "hunter2")
	requireRedacted(t, &s, true, "hunter2")
	requireRedacted(t, MailConnection{Host: "smtp.example.com", Password: s}, true, "hunter2")
	requireRedacted(t, PBXInput{Type: "asterisk", Password: s}, true, "hunter2")
}

func TestSealedRedacted(t *testing.T) {
	keys, err := NewStaticKeys("k1", bytes.Repeat([]byte{7}, 32))
	require.NoError(t, err)
	sealed, err := sealer{keys: keys}.seal(context.Background(), "test", "c1", purposeMail, NewSecret("hunter2-plaintext"))
	require.NoError(t, err)
	hexed, quoted := fmt.Sprintf("%x", []byte(sealed)), fmt.Sprintf("%v", []byte(sealed))
	// JSON is the storage form (ciphertext), so it is exempt; fmt and slog never show the bytes.
	requireRedacted(t, sealed, false, "hunter2", hexed, strings.Trim(quoted, "[]"))
	requireRedacted(t, MailAccess{Host: "smtp.example.com", Password: sealed}, false, hexed, strings.Trim(quoted, "[]"))
}

func TestStaticKeysRedacted(t *testing.T) {
	key := []byte("0123456789abcdef0123456789ABCDEF")
	keys, err := NewStaticKeys("k1", key)
	require.NoError(t, err)
	requireRedacted(t, keys, true, string(key), fmt.Sprintf("%x", key), fmt.Sprint(key[:8])) //nolint:staticcheck // the bytes printed as a list, as %v would
	require.Contains(t, keys.String(), `"k1"`)
}

func TestBillGrantRedacted(t *testing.T) {
	g := BillGrant{Token: "eyJjIjoiYzEifQ.s1gnature-bytes", CompanyID: "c1", UserID: "u1", ExpiresAt: time.Unix(1e9, 0).UTC()}
	requireRedacted(t, g, true, "s1gnature", "eyJjIjoiYzEifQ")
	requireRedacted(t, &g, true, "s1gnature", "eyJjIjoiYzEifQ")
	b, _ := json.Marshal(g)
	require.Contains(t, string(b), `"company_id":"c1"`)
}
