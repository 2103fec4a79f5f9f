package compliance

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"github.com/switchboardkit/switchboard/storage"
)

// MaxKeyLength is the longest call key (Call.Key) accepted, in characters
// after normalisation.
const MaxKeyLength = 255

// MaxPolicyNameLength and MaxPolicySourceLength bound Policy.Name and
// Policy.Source, in characters.
const (
	MaxPolicyNameLength   = 100
	MaxPolicySourceLength = 500
)

// NormalizeKey returns the canonical spelling of a call key (Call.Key), the
// subscriber identity every cap, cool-off and in-flight limit counts
// against. Two keys are the same subscriber exactly when their canonical
// spellings are equal. The canonical spelling is k with
//
//   - format characters (Unicode category Cf: zero-width space U+200B, the
//     byte-order mark U+FEFF, word joiners, bidirectional marks) removed —
//     they are invisible, so a copy and paste that carries one must not
//     make a new subscriber;
//   - case folded (Unicode simple and full case folding, so "DEBT-42",
//     "Debt-42" and "debt-42" are one key) — a key names a debt or case
//     in a call list, typed and exported by people and spreadsheets that
//     do not keep case; treating two spellings as one can only make the
//     caps stricter, never let a subscriber be called more often than the
//     rules allow;
//   - in Unicode normalisation form NFC (a decomposed "й" is the composed
//     one);
//   - surrounding white space trimmed.
//
// A key that is empty after this means "no key": the E.164 number is the
// key. Decision.Key and Reservation.Key carry the canonical spelling. Keys
// of printable ASCII without upper-case letters or surrounding spaces (the
// E.164 default, most debt numbers) are returned as given, without
// allocating.
func NormalizeKey(k string) string {
	if canonicalASCII(k) {
		return k
	}
	if !strings.ContainsFunc(k, func(r rune) bool { return r >= utf8.RuneSelf }) {
		return strings.TrimSpace(strings.ToLower(k))
	}
	k = strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, k)
	k = cases.Fold().String(k)
	return strings.TrimSpace(norm.NFC.String(k))
}

// canonicalASCII reports whether k is printable ASCII without upper-case
// letters and without surrounding spaces: already canonical.
func canonicalASCII(k string) bool {
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c < 0x20 || c >= 0x7f || ('A' <= c && c <= 'Z') {
			return false
		}
	}
	return k == "" || (k[0] != ' ' && k[len(k)-1] != ' ')
}

// checkKey validates a call key as given, trimmed (before NormalizeKey): valid
// UTF-8 without control characters, at most MaxKeyLength characters.
func checkKey(v *storage.ValidationError, k string) {
	if canonicalASCII(k) && len(k) <= MaxKeyLength {
		return
	}
	if !storage.ValidText(k) {
		v.Add("key", storage.TagText, "must be valid UTF-8 text on one line, without control characters")
		return
	}
	if utf8.RuneCountInString(NormalizeKey(k)) > MaxKeyLength {
		v.Fields = append(v.Fields, storage.FieldError{Field: "key", Rule: "max", Param: "255",
			Message: "must be at most 255 characters"})
	}
}

// maxPhoneLength and maxZoneLength bound Call.Phone and Call.Zone, in bytes
// (both are ASCII when valid).
const (
	maxPhoneLength = 64
	maxZoneLength  = 64
)
