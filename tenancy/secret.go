package tenancy

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"

	"github.com/switchboardkit/switchboard/audit"
)

// redacted replaces a secret in every rendering of a type that holds one.
const redacted = "[redacted]"

// UserRecord is a User as a Store keeps it: with the bcrypt hash of the
// user's password. It exists between the Service and its Store only; no
// Service method returns one. Every rendering of it (String, GoString, each
// fmt verb, JSON, slog) shows "[redacted]" in place of the hash.
type UserRecord struct {
	User
	PasswordHash string
}

// safeUserRecord is UserRecord without its methods, for rendering.
type safeUserRecord UserRecord

func (r UserRecord) safe() safeUserRecord {
	s := safeUserRecord(r)
	if s.PasswordHash != "" {
		s.PasswordHash = redacted
	}
	return s
}

func (r UserRecord) String() string { return fmt.Sprintf("%+v", r.safe()) }

// GoString renders r for %#v with the hash redacted.
func (r UserRecord) GoString() string {
	return strings.Replace(fmt.Sprintf("%#v", r.safe()), "tenancy.safeUserRecord", "tenancy.UserRecord", 1)
}

// Format implements fmt.Formatter: every verb sees the hash redacted.
func (r UserRecord) Format(f fmt.State, verb rune) { formatSafe(f, verb, r.safe(), r.GoString) }

// MarshalJSON encodes the User alone: the hash never leaves as JSON.
func (r UserRecord) MarshalJSON() ([]byte, error) { return json.Marshal(r.User) }

// LogValue implements slog.LogValuer: the user's ID and e-mail, and the hash redacted.
func (r UserRecord) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", r.ID), slog.String("email", r.Email), slog.String("password_hash", redacted))
}

// userChanges is audit.Diff over the user's own fields, followed by the
// password hash recorded as changed, never with its value.
func userChanges(before, after *UserRecord) []audit.Change {
	var b, a *User
	var bh, ah string
	if before != nil {
		b, bh = &before.User, before.PasswordHash
	}
	if after != nil {
		a, ah = &after.User, after.PasswordHash
	}
	out := audit.Diff(b, a)
	if bh != ah {
		c := audit.Change{Field: "password_hash", Redacted: true}
		if bh != "" {
			c.Before = audit.Redacted
		}
		if ah != "" {
			c.After = audit.Redacted
		}
		out = append(out, c)
	}
	return out
}

// safeCredentials is Credentials without its methods, for rendering.
type safeCredentials Credentials

func (c Credentials) safe() safeCredentials {
	s := safeCredentials(c)
	if s.Password != "" {
		s.Password = redacted
	}
	return s
}

// String describes the credentials with the password redacted.
func (c Credentials) String() string { return fmt.Sprintf("%+v", c.safe()) }

// GoString renders c for %#v with the password redacted.
func (c Credentials) GoString() string {
	return strings.Replace(fmt.Sprintf("%#v", c.safe()), "tenancy.safeCredentials", "tenancy.Credentials", 1)
}

// Format implements fmt.Formatter: every verb sees the password redacted.
func (c Credentials) Format(f fmt.State, verb rune) { formatSafe(f, verb, c.safe(), c.GoString) }

// MarshalJSON encodes the credentials with the password redacted: read
// c.Password itself where it must be delivered.
func (c Credentials) MarshalJSON() ([]byte, error) { return json.Marshal(c.safe()) }

// LogValue implements slog.LogValuer with the password redacted.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("user_id", c.UserID), slog.String("company_id", c.CompanyID),
		slog.String("email", c.Email), slog.String("password", redacted))
}

// formatSafe prints safe with the verb and flags f was given; %#v uses goString.
func formatSafe(f fmt.State, verb rune, safe any, goString func() string) {
	if verb == 'v' && f.Flag('#') {
		_, _ = fmt.Fprint(f, goString())
		return
	}
	_, _ = fmt.Fprintf(f, fmt.FormatString(f, verb), safe)
}
