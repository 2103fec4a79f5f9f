package audit

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// DefaultOrigin is the first part of every log's origin line unless
// WithOrigin names another: the log of company C is "<origin>/company/C",
// the platform's own log "<origin>/platform".
const DefaultOrigin = "switchboard.audit"

// Checkpoint is a signed statement about one company's log: it had Size
// events whose RFC 6962 tree hash is Root at Time. Its text is a C2SP
// checkpoint (tlog-checkpoint): the origin line naming the log, the size in
// decimal, the root in base64, then one extension line "time <RFC 3339>";
// signed, it is a C2SP signed note. A witness keeps the latest one it saw
// and later proves the log still extends it (Log.VerifyAgainst).
type Checkpoint struct {
	Origin    string // names the log: DefaultOrigin-style prefix and the company
	CompanyID string
	Size      int64
	Root      tlog.Hash
	Time      time.Time
}

// LogOrigin is the origin line of companyID's log under prefix.
func LogOrigin(prefix, companyID string) string {
	if companyID == "" {
		return prefix + "/platform"
	}
	return prefix + "/company/" + companyID
}

// Text is the checkpoint body that is signed.
func (c Checkpoint) Text() []byte {
	return fmt.Appendf(nil, "%s\n%d\n%s\ntime %s\n", c.Origin, c.Size,
		base64.StdEncoding.EncodeToString(c.Root[:]), c.Time.UTC().Format(time.RFC3339Nano))
}

// ErrCheckpoint marks a checkpoint that cannot be trusted: malformed, for
// another log, or not signed by the expected key. Checked with errors.Is.
var ErrCheckpoint = errors.New("audit: untrusted checkpoint")

// ParseCheckpoint reads a checkpoint body (Checkpoint.Text's format). The
// company is taken from the origin line, which must start with prefix.
func ParseCheckpoint(prefix string, text []byte) (Checkpoint, error) {
	bad := func(why string) (Checkpoint, error) {
		return Checkpoint{}, fmt.Errorf("%w: %s", ErrCheckpoint, why)
	}
	if len(text) == 0 || text[len(text)-1] != '\n' || len(text) > 1<<16 {
		return bad("malformed checkpoint")
	}
	lines := strings.Split(string(text[:len(text)-1]), "\n")
	if len(lines) < 3 {
		return bad("malformed checkpoint")
	}
	c := Checkpoint{Origin: lines[0]}
	switch {
	case c.Origin == prefix+"/platform":
	case strings.HasPrefix(c.Origin, prefix+"/company/") && len(c.Origin) > len(prefix+"/company/"):
		c.CompanyID = strings.TrimPrefix(c.Origin, prefix+"/company/")
	default:
		return bad(fmt.Sprintf("origin %q is not a log of %s", c.Origin, prefix))
	}
	n, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || n < 0 || lines[1] != strconv.FormatInt(n, 10) {
		return bad("malformed size")
	}
	c.Size = n
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize {
		return bad("malformed root hash")
	}
	copy(c.Root[:], root)
	for _, ext := range lines[3:] {
		if v, ok := strings.CutPrefix(ext, "time "); ok {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return bad("malformed time")
			}
			c.Time = t.UTC()
		}
	}
	return c, nil
}

// SignCheckpoint signs c with s, returning the C2SP signed note.
func SignCheckpoint(c Checkpoint, s note.Signer) ([]byte, error) {
	return note.Sign(&note.Note{Text: string(c.Text())}, s)
}

// OpenCheckpoint verifies a signed checkpoint with v and parses it; an
// invalid signature, a note signed by another key only, or a malformed body
// is an error wrapping ErrCheckpoint.
func OpenCheckpoint(prefix string, signed []byte, v note.Verifier) (Checkpoint, error) {
	n, err := note.Open(signed, note.VerifierList(v))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("%w: %v", ErrCheckpoint, err)
	}
	return ParseCheckpoint(prefix, []byte(n.Text))
}

// NewSigner adapts an Ed25519 key to the note.Signer checkpoints are signed
// with. key is any crypto.Signer whose public key is an ed25519.PublicKey: an
// ed25519.PrivateKey in tests, a KMS client's signer in production (the
// private key never leaves the KMS). name is the key's name in the
// signature line (no spaces, no '+'), e.g. "audit.example.com".
func NewSigner(name string, key crypto.Signer) (note.Signer, error) {
	pub, ok := key.Public().(ed25519.PublicKey)
	if !ok || len(pub) != ed25519.PublicKeySize {
		return nil, errors.New("audit.NewSigner: key is not an Ed25519 key")
	}
	vkey, err := note.NewEd25519VerifierKey(name, pub)
	if err != nil {
		return nil, fmt.Errorf("audit.NewSigner: %w", err)
	}
	if _, err := note.NewVerifier(vkey); err != nil { // validates the name
		return nil, fmt.Errorf("audit.NewSigner: %w", err)
	}
	return &keySigner{name: name, hash: keyHash(name, pub), key: key}, nil
}

// NewVerifier returns the note.Verifier of an Ed25519 public key named
// name: what a witness holds to check checkpoints.
func NewVerifier(name string, pub ed25519.PublicKey) (note.Verifier, error) {
	vkey, err := note.NewEd25519VerifierKey(name, pub)
	if err != nil {
		return nil, err
	}
	return note.NewVerifier(vkey)
}

// GenerateKey returns a fresh Ed25519 key pair, for tests and examples.
func GenerateKey() (ed25519.PublicKey, ed25519.PrivateKey, error) {
	return ed25519.GenerateKey(rand.Reader)
}

type keySigner struct {
	name string
	hash uint32
	key  crypto.Signer
}

func (s *keySigner) Name() string    { return s.name }
func (s *keySigner) KeyHash() uint32 { return s.hash }
func (s *keySigner) Sign(msg []byte) ([]byte, error) {
	return s.key.Sign(rand.Reader, msg, crypto.Hash(0)) // Ed25519 signs the message itself
}

// keyHash is the note format's key hash: the first four bytes of
// SHA-256(name || "\n" || 0x01 || public key), big-endian.
func keyHash(name string, pub ed25519.PublicKey) uint32 {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte("\n"))
	h.Write(append([]byte{1}, pub...))
	return binary.BigEndian.Uint32(h.Sum(nil))
}
