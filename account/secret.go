package account

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"

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

// Sealed is a secret encrypted at rest: AES-256-GCM under a key of the
// host's KeyProvider, bound to the company and the secret's purpose as
// additional authenticated data. Layout: version byte 1, key-ID length, key
// ID, 12-byte nonce, ciphertext with tag. It prints as "[sealed]" (String,
// GoString, every fmt verb, slog). Its JSON form is the base64 of the bytes,
// because that is how stores persist it: ciphertext, never the secret; the
// Service's results carry HasPassword instead of the bytes.
type Sealed []byte

func (s Sealed) String() string {
	if len(s) == 0 {
		return ""
	}
	return "[sealed]"
}

// GoString keeps %#v from printing the bytes.
func (s Sealed) GoString() string { return "account.Sealed(" + strconv.Quote(s.String()) + ")" }

// Format implements fmt.Formatter: %#v is GoString, every other verb String.
func (s Sealed) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = f.Write([]byte(s.GoString()))
		return
	}
	_, _ = f.Write([]byte(s.String()))
}

// LogValue implements slog.LogValuer.
func (s Sealed) LogValue() slog.Value { return slog.StringValue(s.String()) }

// KeyID names the key s was sealed with ("" if s is malformed or empty).
func (s Sealed) KeyID() string {
	if len(s) < 2 || s[0] != 1 || len(s) < 2+int(s[1]) {
		return ""
	}
	return string(s[2 : 2+int(s[1])])
}

// KeyProvider supplies the AES-256 keys secrets are sealed with. The host
// implements it: a static key from its configuration (StaticKeys), or data
// keys unwrapped by a KMS and cached. Keys are never stored by the SDK; each
// sealed value records the ID of its key, so old keys must stay resolvable
// until Service.RotateSecrets has re-sealed everything under the current one.
type KeyProvider interface {
	// CurrentKeyID names the key new secrets are sealed with.
	CurrentKeyID(ctx context.Context) (string, error)
	// Key returns the 32-byte key with the given ID, or an error wrapping
	// storage.ErrNotFound when it is unknown.
	Key(ctx context.Context, id string) ([]byte, error)
}

// StaticKeys is a KeyProvider over keys held in memory. It is safe for
// concurrent use. It never renders its keys: String, GoString, every fmt
// verb, JSON and slog show only the current key's ID.
type StaticKeys struct {
	mu      sync.RWMutex
	current string
	keys    map[string][]byte
}

// String names the current key and how many keys are held, never a key.
func (k *StaticKeys) String() string {
	if k == nil {
		return "account.StaticKeys(nil)"
	}
	k.mu.RLock()
	defer k.mu.RUnlock()
	return fmt.Sprintf("account.StaticKeys{current: %q, keys: %d, material: %s}", k.current, len(k.keys), redacted)
}

// GoString is String: %#v never prints a key.
func (k *StaticKeys) GoString() string { return k.String() }

// Format implements fmt.Formatter: every verb prints String.
func (k *StaticKeys) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(k.String())) }

// MarshalJSON encodes the current key's ID alone.
func (k *StaticKeys) MarshalJSON() ([]byte, error) {
	id, _ := k.CurrentKeyID(context.Background())
	return json.Marshal(struct {
		Current string `json:"current_key_id"`
		Keys    string `json:"keys"`
	}{id, redacted})
}

// LogValue implements slog.LogValuer: the current key's ID, never a key.
func (k *StaticKeys) LogValue() slog.Value {
	id, _ := k.CurrentKeyID(context.Background())
	return slog.GroupValue(slog.String("current_key_id", id), slog.String("keys", redacted))
}

// NewStaticKeys returns a provider whose current key is id → key (32 bytes).
func NewStaticKeys(id string, key []byte) (*StaticKeys, error) {
	k := &StaticKeys{keys: map[string][]byte{}}
	if err := k.Rotate(id, key); err != nil {
		return nil, err
	}
	return k, nil
}

// Rotate adds key under id and makes it current. Older keys stay available
// for opening values sealed before.
func (k *StaticKeys) Rotate(id string, key []byte) error {
	switch {
	case id == "":
		return storage.Invalid("account.StaticKeys", "key_id", "required", "is required")
	case len(id) > 255:
		return storage.Invalid("account.StaticKeys", "key_id", "max", "must be at most 255 bytes")
	}
	if len(key) != 32 {
		return storage.Invalid("account.StaticKeys", "key", "len", "must be 32 bytes (AES-256)")
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.keys[id] = append([]byte(nil), key...)
	k.current = id
	return nil
}

// CurrentKeyID implements KeyProvider.
func (k *StaticKeys) CurrentKeyID(context.Context) (string, error) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.current, nil
}

// Key implements KeyProvider.
func (k *StaticKeys) Key(_ context.Context, id string) ([]byte, error) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	key, ok := k.keys[id]
	if !ok {
		return nil, storage.NotFound("account.StaticKeys", "key", id)
	}
	return key, nil
}

// sealer seals and opens secrets with a KeyProvider.
type sealer struct{ keys KeyProvider }

var errSealed = errors.New("sealed secret cannot be opened")

func aad(companyID, purpose string) []byte {
	return []byte("switchboard/account/" + companyID + "/" + purpose)
}

func (s sealer) gcm(ctx context.Context, op, id string) (cipher.AEAD, error) {
	key, err := s.keys.Key(ctx, id)
	if err != nil {
		return nil, storage.Internal(op, err).Explain("secret key " + id + " unavailable")
	}
	block, err := aes.NewCipher(key)
	if err != nil || len(key) != 32 {
		return nil, storage.E(op, storage.ErrInternal, "secret key %s is not an AES-256 key", id)
	}
	return cipher.NewGCM(block)
}

// seal encrypts plain under the current key. An empty secret seals to nil.
func (s sealer) seal(ctx context.Context, op, companyID, purpose string, plain Secret) (Sealed, error) {
	if plain.IsZero() {
		return nil, nil
	}
	id, err := s.keys.CurrentKeyID(ctx)
	if err != nil {
		return nil, storage.Internal(op, err).Explain("no current secret key")
	}
	if id == "" || len(id) > 255 {
		return nil, storage.E(op, storage.ErrInternal, "current secret key ID must be 1–255 bytes")
	}
	g, err := s.gcm(ctx, op, id)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, 2+len(id)+g.NonceSize()+len(plain.v)+g.Overhead())
	out = append(out, 1, byte(len(id)))
	out = append(out, id...)
	nonce := make([]byte, g.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, storage.Internal(op, err)
	}
	out = append(out, nonce...)
	return g.Seal(out, nonce, []byte(plain.v), aad(companyID, purpose)), nil
}

// open decrypts a sealed value; nil opens to the zero Secret.
func (s sealer) open(ctx context.Context, op, companyID, purpose string, sealed Sealed) (Secret, error) {
	if len(sealed) == 0 {
		return Secret{}, nil
	}
	id := sealed.KeyID()
	if id == "" {
		return Secret{}, storage.Internal(op, errSealed)
	}
	g, err := s.gcm(ctx, op, id)
	if err != nil {
		return Secret{}, err
	}
	rest := sealed[2+len(id):]
	if len(rest) < g.NonceSize()+g.Overhead() {
		return Secret{}, storage.Internal(op, errSealed)
	}
	plain, err := g.Open(nil, rest[:g.NonceSize()], rest[g.NonceSize():], aad(companyID, purpose))
	if err != nil {
		return Secret{}, storage.Internal(op, errSealed)
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
