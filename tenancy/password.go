package tenancy

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// Password rules for passwords users choose (ChangePassword). Generated
// passwords are 26 characters of crypto/rand base32 (128 bits).
const (
	MinPasswordLen = 10 // characters
	MaxPasswordLen = 72 // bytes: bcrypt ignores anything longer, so it is refused
)

// DefaultPasswordCost is the bcrypt cost used unless WithPasswordCost says
// otherwise (about 250 ms on a 2025 server core).
const DefaultPasswordCost = 12

// generatePassword returns a new random password.
func generatePassword() string { return rand.Text() }

func hashPassword(pw string, cost int) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), cost)
	if err != nil {
		return "", err
	}
	return string(h), nil
}

// checkPassword reports whether pw matches hash. An empty hash never matches.
func checkPassword(hash, pw string) bool {
	if hash == "" {
		return false
	}
	err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw))
	return err == nil
}

// dummyHash is compared against when the e-mail is unknown, so that a failed
// login takes as long whether or not the account exists.
func dummyHash(cost int) string {
	h, err := bcrypt.GenerateFromPassword([]byte("switchboard-no-such-user"), cost)
	if err != nil {
		return ""
	}
	return string(h)
}

var errPasswordMismatch = errors.New("passwords differ")

// checkNewPassword validates a chosen password and its repetition; it returns
// the field and message of the first problem.
func checkNewPassword(pw, repeat string) (field, rule, msg string) {
	switch {
	case utf8.RuneCountInString(pw) < MinPasswordLen:
		return "new_password", "min", "must be at least 10 characters"
	case len(pw) > MaxPasswordLen:
		return "new_password", "max", "must be at most 72 bytes"
	case subtle.ConstantTimeCompare([]byte(pw), []byte(repeat)) != 1:
		return "new_password_repeat", "eqfield", errPasswordMismatch.Error()
	}
	return "", "", ""
}
