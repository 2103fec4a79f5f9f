// Package storage is the contract every Switchboard domain shares: error
// kinds, the transaction boundary, the clock, identifiers and keyset
// pagination. It imports no domain and no SQL; backends live in its
// sub-packages (memory, bunstore) and the conformance suite every backend
// must pass in storagetest.
//
// # Errors
//
// Every error the SDK returns for a domain reason wraps one of the sentinels
// ErrNotFound, ErrConflict, ErrForbidden, ErrInvalid, ErrLimitExceeded,
// ErrSuspended, ErrPrecondition or ErrUnavailable; match them with
// errors.Is. Validation failures are *ValidationError values listing each
// rejected field (match with errors.As). Backends translate driver errors
// into these kinds once, in one function per dialect; nothing matches on
// message text.
//
// Messages are for people: an error names the operation the caller called
// ("tenancy.RenameUser: …"), never an internal step (services pass the
// errors of their stores and lookups through Reop); a refusal names the
// actor and the action it may not perform; a missing precondition
// (ErrPrecondition) says what to set up first. Build errors with the helper
// of their kind (NotFound, Conflict, Forbidden, Invalid, LimitExceeded,
// Suspended, Precondition, Internal, Unavailable, Retryable, Wrap), never as
// literals.
//
// No existence oracle: to an actor other than the platform, a company it
// may not see (tenancy.Sees) and one that does not exist are the same
// ErrNotFound with the same message ("<op>: company <id>: not found"), in
// every domain and every method; so are the reservations, members and
// other entities of such a company, because each method authorises on the
// company before it reads them. A company the actor sees but may not act on
// is ErrForbidden. A removed member's Actor is ErrForbidden everywhere. The
// isolation matrix of storagetest checks this for every exported service
// method on every backend.
//
// Validation messages come in English and Russian (Locales). The caller
// picks the language per call with WithLocale on the context it passes
// ("ru", "ru-RU"; anything else is English). Every struct-tag rule is
// translated: validator/v10's own translations for its built-in tags, and
// a message per locale for each of the SDK's tags (Rule, registered with
// Validator.RegisterRule; a rule missing a locale is refused, and a test
// checks every tag the SDK's inputs use). A FieldError's Message is the
// predicate without the field's name ("is a required field", "обязательное
// поле"); its Field, Rule and Param never change with the locale, so a host
// with its own texts keys them on Rule. The few checks made in code rather
// than by tags (cross-field and state rules such as "an affiliate cannot
// have affiliates") are explained in English in every locale.
//
// # Transactions: one use case, one transaction, carried in the context
//
// The SDK's single transaction mechanism is Transactor.InTx. A service method
// (a use case) calls InTx once; inside, it authorises, validates, calls the
// stores of every domain it touches and records its audit event, each with
// the context InTx handed it. Because the transaction travels in that
// context, a use case that spans domains (a license purchase that charges the
// credit ledger and writes an audit event, say) is still one transaction:
// either every row and the audit event are stored, or none is.
//
// A host that wants several service calls to commit together wraps them in
// its own InTx; the services' InTx calls join it.
//
// InTx may run its function more than once when the database reports a
// transient conflict (serialization failure, deadlock, busy); everything with
// an effect outside the database must be deferred with AfterCommit, which
// runs only after the final, successful commit.
//
// Store methods called with a context that carries no transaction run on
// their own (reads see committed data; a lone write is its own transaction).
//
// # Time
//
// Services take a Clock; stored times are UTC with microsecond precision
// (Timestamp), the precision every supported database keeps.
package storage
