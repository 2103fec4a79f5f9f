package storage

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
)

// Sealed is a value encrypted at rest: AES-256-GCM under a key of the host's
// KeyProvider, bound by additional authenticated data to where it belongs
// (account secrets to their company and purpose, outbox payloads to their
// message). Layout: version byte 1, key-ID length, key ID, 12-byte nonce,
// ciphertext with tag. It prints as "[sealed]" (String, GoString, every fmt
// verb, slog). Its JSON form is the base64 of the bytes, because that is how
// stores persist it: ciphertext, never the plaintext.
type Sealed []byte

func (s Sealed) String() string {
	if len(s) == 0 {
		return ""
	}
	return "[sealed]"
}

// GoString keeps %#v from printing the bytes.
func (s Sealed) GoString() string { return "storage.Sealed(" + strconv.Quote(s.String()) + ")" }

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

// KeyProvider supplies the AES-256 keys values are sealed with. The host
// implements it: a static key from its configuration (StaticKeys), or data
// keys unwrapped by a KMS and cached. Keys are never stored by the SDK; each
// sealed value records the ID of its key, so old keys must stay resolvable
// until everything sealed under them has been re-sealed or erased.
type KeyProvider interface {
	// CurrentKeyID names the key new values are sealed with.
	CurrentKeyID(ctx context.Context) (string, error)
	// Key returns the 32-byte key with the given ID, or an error wrapping
	// ErrNotFound when it is unknown.
	Key(ctx context.Context, id string) ([]byte, error)
}

const redactedKeys = "[redacted]"

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
		return "storage.StaticKeys(nil)"
	}
	k.mu.RLock()
	defer k.mu.RUnlock()
	return fmt.Sprintf("storage.StaticKeys{current: %q, keys: %d, material: %s}", k.current, len(k.keys), redactedKeys)
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
	}{id, redactedKeys})
}

// LogValue implements slog.LogValuer: the current key's ID, never a key.
func (k *StaticKeys) LogValue() slog.Value {
	id, _ := k.CurrentKeyID(context.Background())
	return slog.GroupValue(slog.String("current_key_id", id), slog.String("keys", redactedKeys))
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
	const op = "storage.StaticKeys"
	switch {
	case id == "":
		return Invalid(op, "key_id", "required", "is required")
	case len(id) > 255:
		return Invalid(op, "key_id", "max", "must be at most 255 bytes")
	}
	if len(key) != 32 {
		return Invalid(op, "key", "len", "must be 32 bytes (AES-256)")
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
		return nil, NotFound("storage.StaticKeys", "key", id)
	}
	return key, nil
}

// errSealed is the cause of every failure to open a sealed value: wrong
// key, wrong binding, damaged bytes. It says nothing about the plaintext.
var errSealed = errors.New("sealed value cannot be opened")

func sealGCM(ctx context.Context, keys KeyProvider, op, id string) (cipher.AEAD, error) {
	key, err := keys.Key(ctx, id)
	if err != nil {
		return nil, Internal(op, err).Explain("sealing key " + id + " unavailable")
	}
	block, err := aes.NewCipher(key)
	if err != nil || len(key) != 32 {
		return nil, E(op, ErrInternal, "sealing key %s is not an AES-256 key", id)
	}
	return cipher.NewGCM(block)
}

// Seal encrypts plain under keys' current key, binding it to aad (which
// Open must be given again). An empty plain seals to nil. Errors match
// ErrInternal: no current key, a key that is not AES-256, no randomness.
func Seal(ctx context.Context, keys KeyProvider, op string, aad, plain []byte) (Sealed, error) {
	if len(plain) == 0 {
		return nil, nil
	}
	if keys == nil {
		return nil, E(op, ErrInternal, "no key provider to seal with")
	}
	id, err := keys.CurrentKeyID(ctx)
	if err != nil {
		return nil, Internal(op, err).Explain("no current sealing key")
	}
	if id == "" || len(id) > 255 {
		return nil, E(op, ErrInternal, "current sealing key ID must be 1–255 bytes")
	}
	g, err := sealGCM(ctx, keys, op, id)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, 2+len(id)+g.NonceSize()+len(plain)+g.Overhead())
	out = append(out, 1, byte(len(id)))
	out = append(out, id...)
	nonce := make([]byte, g.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, Internal(op, err)
	}
	out = append(out, nonce...)
	return g.Seal(out, nonce, plain, aad), nil
}

// Open decrypts a value Seal made with the same aad; nil opens to nil. A
// value that does not open (wrong key or binding, damaged bytes) is an error
// matching ErrInternal that reveals nothing about its content.
func Open(ctx context.Context, keys KeyProvider, op string, aad []byte, sealed Sealed) ([]byte, error) {
	if len(sealed) == 0 {
		return nil, nil
	}
	if keys == nil {
		return nil, E(op, ErrInternal, "no key provider to open a sealed value with")
	}
	id := sealed.KeyID()
	if id == "" {
		return nil, Internal(op, errSealed)
	}
	g, err := sealGCM(ctx, keys, op, id)
	if err != nil {
		return nil, err
	}
	rest := sealed[2+len(id):]
	if len(rest) < g.NonceSize()+g.Overhead() {
		return nil, Internal(op, errSealed)
	}
	plain, err := g.Open(nil, rest[:g.NonceSize()], rest[g.NonceSize():], aad)
	if err != nil {
		return nil, Internal(op, errSealed)
	}
	return plain, nil
}
