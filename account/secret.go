package account

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/switchboardkit/switchboard/storage"
)

// Secret holds a password or other credential in memory. Every way of
// printing it (String, GoString, %v/%+v/%#v/%s/%q, slog, JSON) yields
// "[redacted]"; only Reveal returns the value. The zero Secret is empty.
type Secret struct{ v string }

// NewSecret wraps s.
func NewSecret(s string) Secret { return Secret{v: s} }

// Reveal returns the plaintext. Call it only where the value must leave the
// process (a connection to the mail server, the PBX).
func (s Secret) Reveal() string { return s.v }

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.v == "" }

const redacted = "[redacted]"

func (Secret) String() string   { return redacted }
func (Secret) GoString() string { return redacted }

// Format implements fmt.Formatter so no verb prints the value.
func (Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// LogValue implements slog.LogValuer.
func (Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON implements json.Marshaler: the value is never serialised.
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// UnmarshalJSON reads a JSON string (or null), so hosts can decode request
// bodies into inputs holding a Secret. It is deliberately asymmetric with
// MarshalJSON: secrets come in, they never go out.
func (s *Secret) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*s = Secret{}
		return nil
	}
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return errors.New("account: a secret must be a JSON string")
	}
	*s = Secret{v: v}
	return nil
}

// Sealed is a secret encrypted at rest: storage.Sealed, AES-256-GCM under a
// key of the host's KeyProvider, bound to the company and the secret's
// purpose as additional authenticated data. It prints as "[sealed]". Its JSON
// form is the base64 of the bytes, because that is how stores persist it:
// ciphertext, never the secret; the Service's results carry HasPassword
// instead of the bytes.
type Sealed = storage.Sealed

// KeyProvider supplies the AES-256 keys secrets are sealed with
// (storage.KeyProvider, shared with the outbox's sealed payloads). Old keys
// must stay resolvable until Service.RotateSecrets has re-sealed everything
// under the current one.
type KeyProvider = storage.KeyProvider

// StaticKeys is a KeyProvider over keys held in memory (storage.StaticKeys).
type StaticKeys = storage.StaticKeys

// NewStaticKeys returns a provider whose current key is id → key (32 bytes).
func NewStaticKeys(id string, key []byte) (*StaticKeys, error) { return storage.NewStaticKeys(id, key) }

// sealer seals and opens secrets with a KeyProvider.
type sealer struct{ keys KeyProvider }

func aad(companyID, purpose string) []byte {
	return []byte("switchboard/account/" + companyID + "/" + purpose)
}

// seal encrypts plain under the current key. An empty secret seals to nil.
func (s sealer) seal(ctx context.Context, op, companyID, purpose string, plain Secret) (Sealed, error) {
	return storage.Seal(ctx, s.keys, op, aad(companyID, purpose), []byte(plain.v))
}

// open decrypts a sealed value; nil opens to the zero Secret.
func (s sealer) open(ctx context.Context, op, companyID, purpose string, sealed Sealed) (Secret, error) {
	plain, err := storage.Open(ctx, s.keys, op, aad(companyID, purpose), sealed)
	if err != nil {
		return Secret{}, err
	}
	return Secret{v: string(plain)}, nil
}

// reseal opens and seals again under the current key when sealed uses an
// older one; it reports whether it changed anything.
func (s sealer) reseal(ctx context.Context, op, companyID, purpose string, sealed Sealed, current string) (Sealed, bool, error) {
	if len(sealed) == 0 || sealed.KeyID() == current {
		return sealed, false, nil
	}
	plain, err := s.open(ctx, op, companyID, purpose, sealed)
	if err != nil {
		return nil, false, err
	}
	out, err := s.seal(ctx, op, companyID, purpose, plain)
	return out, err == nil, err
}
