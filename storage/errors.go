package storage

import (
	"errors"
	"fmt"
	"strings"
)

// Error kinds. Every error the SDK returns for a domain reason wraps exactly one
// of these, so callers branch with errors.Is:
//
//	if errors.Is(err, storage.ErrNotFound) { ... }
//
// Validation failures are *ValidationError values (errors.Is(err, ErrInvalid)
// holds for them; errors.As gives the per-field details).
var (
	// ErrNotFound: the entity does not exist, or the actor may not know it exists.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a uniqueness rule, a version check or an idempotency key was violated.
	ErrConflict = errors.New("conflict")
	// ErrForbidden: the actor is not allowed to perform the operation.
	ErrForbidden = errors.New("forbidden")
	// ErrInvalid: the input is malformed; see *ValidationError for the fields.
	ErrInvalid = errors.New("invalid input")
	// ErrLimitExceeded: a quota, cap, seat count or credit limit would be passed.
	ErrLimitExceeded = errors.New("limit exceeded")
	// ErrSuspended: the company is suspended and the operation is refused for that reason.
	ErrSuspended = errors.New("suspended")
	// ErrPrecondition: the input is well-formed, but the state the operation
	// needs is not set up yet (a purchase of an item the company's agreement
	// has no price for, say); set that state up first, then retry. The
	// method's documentation names its preconditions.
	ErrPrecondition = errors.New("precondition not met")
	// ErrUnavailable: the database is closed, unreachable or timed out.
	ErrUnavailable = errors.New("storage unavailable")
	// ErrInternal: an unexpected database or programming error; the cause is wrapped.
	ErrInternal = errors.New("internal error")
	// ErrRetryable marks a transient conflict (serialization failure, deadlock,
	// SQLITE_BUSY). Transactors retry a use case that fails with it a bounded
	// number of times before returning it wrapped with ErrConflict.
	ErrRetryable = errors.New("transient conflict")
)

// Error is the SDK's error value: an operation, the kind (one of the Err*
// sentinels above), an optional entity reference and an optional cause.
// errors.Is matches both the kind and anything in the cause chain.
type Error struct {
	Op     string // the operation, e.g. "tenancy.RegisterUser"
	Kind   error  // one of the sentinels above
	Entity string // entity type, e.g. "company"
	ID     string // entity ID, when known
	Msg    string // human detail, never a secret
	Err    error  // underlying cause, may be nil
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	if e.Entity != "" {
		b.WriteString(e.Entity)
		if e.ID != "" {
			b.WriteString(" ")
			b.WriteString(e.ID)
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Kind.Error())
	if e.Msg != "" {
		b.WriteString(": ")
		b.WriteString(e.Msg)
	}
	if e.Err != nil && !e.quietCause() {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// quietCause reports whether the cause's text stays out of Error(): a
// database driver's error (a *DriverError) behind a conflict, a transient
// conflict or a not-found names constraints, indexes and SQL, which are no
// message for people. The cause stays reachable with errors.Is and errors.As.
// Behind an internal or an unavailable error the driver's text is kept: it
// is what an operator needs, and a service shows neither to its users.
func (e *Error) quietCause() bool {
	if _, ok := e.Err.(*DriverError); !ok {
		return false
	}
	switch e.Kind {
	case ErrConflict, ErrRetryable, ErrNotFound:
		return true
	}
	return false
}

// DriverError carries a database driver's error as the cause of an *Error.
// The storage backends wrap every driver error they classify in one, so a
// conflict's message reads "conflict" (with the operation's own detail) and
// not the database's text; errors.As reaches the driver's error through it.
type DriverError struct{ Err error }

func (d *DriverError) Error() string { return d.Err.Error() }

// Unwrap exposes the driver's error to errors.Is and errors.As.
func (d *DriverError) Unwrap() error { return d.Err }

// Unwrap exposes the kind and the cause to errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// E builds an *Error of the given kind. msg is formatted with args.
func E(op string, kind error, msg string, args ...any) *Error {
	if len(args) > 0 {
		msg = fmt.Sprintf(msg, args...)
	}
	return &Error{Op: op, Kind: kind, Msg: msg}
}

// NotFound reports that the entity of the given type and ID does not exist.
func NotFound(op, entity, id string) *Error {
	return &Error{Op: op, Kind: ErrNotFound, Entity: entity, ID: id}
}

// Conflict reports a uniqueness or version conflict.
func Conflict(op, msg string, args ...any) *Error { return E(op, ErrConflict, msg, args...) }

// Forbidden reports that the actor may not perform op.
func Forbidden(op, msg string, args ...any) *Error { return E(op, ErrForbidden, msg, args...) }

// LimitExceeded reports that a limit would be passed.
func LimitExceeded(op, msg string, args ...any) *Error { return E(op, ErrLimitExceeded, msg, args...) }

// Suspended reports that the company is suspended.
func Suspended(op, msg string, args ...any) *Error { return E(op, ErrSuspended, msg, args...) }

// Precondition reports that the state op needs is not set up yet.
func Precondition(op, msg string, args ...any) *Error { return E(op, ErrPrecondition, msg, args...) }

// Wrap builds an *Error of the given kind around the cause err.
func Wrap(op string, kind, err error) *Error { return &Error{Op: op, Kind: kind, Err: err} }

// Internal reports an unexpected failure (a database error no other kind
// describes, an undecodable stored value, a broken dependency) caused by err.
func Internal(op string, err error) *Error { return Wrap(op, ErrInternal, err) }

// Unavailable reports that the database (or another dependency the
// operation needs) is closed, unreachable or timed out, caused by err.
func Unavailable(op string, err error) *Error { return Wrap(op, ErrUnavailable, err) }

// Retryable reports a transient conflict caused by err; Transactors retry
// the use case that fails with it.
func Retryable(op string, err error) *Error { return Wrap(op, ErrRetryable, err) }

// Explain sets the human detail of e (formatted with args) and returns e:
//
//	return storage.Internal(op, err).Explain("no current secret key")
func (e *Error) Explain(msg string, args ...any) *Error {
	if len(args) > 0 {
		msg = fmt.Sprintf(msg, args...)
	}
	e.Msg = msg
	return e
}

// Reop returns err as the operation op reports it: an *Error or
// *ValidationError from a step of op (a store method, another domain's
// lookup) is copied with its Op replaced, so the message names the method
// the caller called rather than an internal step. Kind, entity, detail and
// cause are kept; nil stays nil; any other error is returned unchanged.
func Reop(op string, err error) error {
	switch e := err.(type) {
	case nil:
		return nil
	case *Error:
		if e.Op == op {
			return e
		}
		c := *e
		c.Op = op
		return &c
	case *ValidationError:
		if e.Op == op {
			return e
		}
		return &ValidationError{Op: op, Fields: e.Fields}
	}
	return err
}

// FieldError is one rejected field of an input.
type FieldError struct {
	Field   string // the field's name as the caller knows it (JSON name), dotted for nesting
	Rule    string // the rule that failed, e.g. "required", "email", "inn"
	Param   string // the rule's parameter, if any
	Message string // human explanation
}

func (f FieldError) String() string {
	if f.Message != "" {
		return f.Field + ": " + f.Message
	}
	if f.Param != "" {
		return f.Field + ": failed " + f.Rule + "=" + f.Param
	}
	return f.Field + ": failed " + f.Rule
}

// ValidationError lists every rejected field of an input. errors.Is(err,
// ErrInvalid) is true for it.
type ValidationError struct {
	Op     string
	Fields []FieldError
}

// Invalid builds a *ValidationError for a single field.
func Invalid(op, field, rule, message string) *ValidationError {
	return &ValidationError{Op: op, Fields: []FieldError{{Field: field, Rule: rule, Message: message}}}
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.String()
	}
	prefix := ""
	if e.Op != "" {
		prefix = e.Op + ": "
	}
	return prefix + "invalid input: " + strings.Join(parts, "; ")
}

// Is makes errors.Is(err, ErrInvalid) hold.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// Field returns the error for the named field, if that field was rejected.
func (e *ValidationError) Field(name string) (FieldError, bool) {
	for _, f := range e.Fields {
		if f.Field == name {
			return f, true
		}
	}
	return FieldError{}, false
}

// Add appends a field error and returns the receiver, for accumulating checks.
func (e *ValidationError) Add(field, rule, message string) *ValidationError {
	e.Fields = append(e.Fields, FieldError{Field: field, Rule: rule, Message: message})
	return e
}

// Err returns e when it holds at least one field error, nil otherwise.
func (e *ValidationError) Err() error {
	if e == nil || len(e.Fields) == 0 {
		return nil
	}
	return e
}
