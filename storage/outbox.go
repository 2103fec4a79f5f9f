package storage

import (
	"context"
	"encoding/json"
	"time"
)

// Topic names the kind of an outbox message. Each external effect of the
// SDK has one; a host's Dispatcher registers one handler per topic it
// delivers.
type Topic string

// The SDK's topics. A message's payload is the JSON of the type named here.
const (
	// TopicCredentials carries a tenancy.Credentials: the generated password
	// of a new user (sealed).
	TopicCredentials Topic = "tenancy.credentials" //nolint:gosec // G101: a topic name, not a credential
	// TopicMemberRemoved carries a tenancy.MemberRemoved: a membership ended.
	TopicMemberRemoved Topic = "tenancy.member_removed"
	// TopicMemberDeactivated carries a tenancy.MemberDeactivated: a member
	// was deactivated and may no longer act in the company.
	TopicMemberDeactivated Topic = "tenancy.member_deactivated"
	// TopicEmailChange carries a tenancy.EmailChangeRequest: the token
	// that confirms a new e-mail address, for that address (sealed).
	TopicEmailChange Topic = "tenancy.email_change"
	// TopicEmailChangeNotice carries a tenancy.EmailChangeNotice: the old
	// address told of a change requested or made.
	TopicEmailChangeNotice Topic = "tenancy.email_change_notice"
	// TopicPasswordReset carries a tenancy.PasswordReset: the token that
	// sets a new password, for the user's address (sealed).
	TopicPasswordReset Topic = "tenancy.password_reset"
	// TopicInvitation carries a tenancy.Invitation: a reseller's
	// invitation to register a company, for the invited address (sealed).
	TopicInvitation Topic = "tenancy.invitation"
	// TopicReminder carries a licensing.Reminder: a payment reminder.
	TopicReminder Topic = "licensing.reminder"
	// TopicSuspension carries a licensing.Suspension: a company suspended
	// for credit, or lifted.
	TopicSuspension Topic = "licensing.suspension"
	// TopicPauseSwitch carries a presence.Switch: an operator switched to the
	// fallback pause when the budget ran out.
	TopicPauseSwitch Topic = "presence.switch"
)

// MessageState is where a message is in its life.
type MessageState int

// Message states.
const (
	MessagePending   MessageState = iota // waiting for its next attempt (or leased to a dispatcher)
	MessageDelivered                     // a handler accepted it
	MessageDead                          // every attempt failed: a dead letter
)

// Message is one external effect, written in the transaction of the change
// that caused it and delivered after commit by a Dispatcher.
type Message struct {
	ID        string // UUIDv7 (NewID): the handler's deduplication key
	CompanyID string // the company the effect concerns ("" for none)
	Topic     Topic
	// Payload is the JSON of the topic's type or, when Sealed, that JSON
	// sealed (Seal) with the message's binding (MessageAAD). A sealed
	// payload is erased when the message is delivered.
	Payload []byte
	Sealed  bool
	State   MessageState
	Created time.Time
	// Attempts counts the claims so far; a claim increments it.
	Attempts int
	// NextAttempt is when the message is next due. A claim moves it to the
	// end of the lease, so a message whose dispatcher died becomes due again
	// when the lease runs out, and no other dispatcher takes it before.
	NextAttempt time.Time
	Delivered   time.Time // when a handler accepted it (zero until then)
	Dead        time.Time // when it was dead-lettered (zero unless dead)
	LastError   string    // the last failed attempt's error, "" if none
}

// Claim says which due messages a dispatcher takes.
type Claim struct {
	Topics     []Topic   // only these topics (a topic without a handler waits)
	Now        time.Time // due means NextAttempt ≤ Now
	LeaseUntil time.Time // the claimed messages' new NextAttempt
	Limit      int       // at most this many (≥ 1)
}

// Lease names a message as one claim leased it: its id and the attempt
// the claim counted (Message.Attempts), the fencing token every settle
// checks.
type Lease struct {
	ID      string
	Attempt int
}

// Outbox is the store of outbox messages every backend implements. Methods
// taking an attempt act only while the message is pending and its Attempts
// still equal attempt — the claim that leased it — so a dispatcher whose
// lease ran out and was claimed again by another cannot settle it: they
// return an error matching ErrConflict then, and ErrNotFound for an unknown
// ID.
type Outbox interface {
	// EnqueueMessage writes m (pending) in the transaction ctx carries;
	// outside InTx it is refused with ErrInvalid. The message exists exactly
	// when the change that wrote it committed.
	EnqueueMessage(ctx context.Context, m Message) error
	// EnqueueMessages is EnqueueMessage for several messages, in one
	// statement where the backend allows; when it fails the caller's
	// transaction must be rolled back.
	EnqueueMessages(ctx context.Context, ms []Message) error
	// ClaimMessages leases up to c.Limit pending messages of c.Topics due at
	// c.Now, oldest due first: each gets Attempts+1 and NextAttempt =
	// c.LeaseUntil, atomically, so concurrent claims (other goroutines,
	// other hosts) never return the same message while its lease holds.
	// It returns the messages as leased.
	ClaimMessages(ctx context.Context, c Claim) ([]Message, error)
	// MarkDelivered records the message delivered at at; a sealed payload is
	// erased.
	MarkDelivered(ctx context.Context, id string, attempt int, at time.Time) error
	// MarkDeliveredAll is MarkDelivered for several leased messages in one
	// statement. It returns how many it settled; a lease no longer held
	// (settled or leased again by another dispatcher) is skipped, not an
	// error.
	MarkDeliveredAll(ctx context.Context, leases []Lease, at time.Time) (int, error)
	// RetryMessage schedules the message's next attempt at next, recording lastErr.
	RetryMessage(ctx context.Context, id string, attempt int, next time.Time, lastErr string) error
	// DeadLetter moves the message to the dead letters at at, recording lastErr.
	DeadLetter(ctx context.Context, id string, attempt int, at time.Time, lastErr string) error
	// DeadLetters lists dead letters of topic ("" for every topic) by
	// ascending ID after the ID after ("" from the start), at most limit.
	DeadLetters(ctx context.Context, topic Topic, after string, limit int) ([]Message, error)
	// Redrive makes a dead letter pending again, due at at, with no
	// attempts. ErrNotFound unless id is a dead letter.
	Redrive(ctx context.Context, id string, at time.Time) error
	// GetMessage returns one message, whatever its state.
	GetMessage(ctx context.Context, id string) (*Message, error)
}

// MessageAAD is the additional authenticated data a sealed payload is bound
// to: its message's company, topic and ID, so a sealed payload copied into
// another message does not open.
func MessageAAD(companyID string, topic Topic, id string) []byte {
	return []byte("switchboard/outbox/" + companyID + "/" + string(topic) + "/" + id)
}

// Enqueue writes a message of topic about companyID with payload's JSON,
// created at now, in the transaction ctx carries. It is how use cases emit
// effects: the message commits or rolls back with the change.
func Enqueue(ctx context.Context, box Outbox, op string, now time.Time, companyID string, topic Topic, payload any) (string, error) {
	m, err := NewMessage(op, now, companyID, topic, payload)
	if err != nil {
		return "", err
	}
	return m.ID, Reop(op, box.EnqueueMessage(ctx, m))
}

// NewMessage is the message Enqueue writes: payload as JSON, pending and
// due at now. Several of them go to the outbox in one statement with
// Outbox.EnqueueMessages.
func NewMessage(op string, now time.Time, companyID string, topic Topic, payload any) (Message, error) {
	b, err := json.Marshal(payload)
	if err != nil {
		return Message{}, Internal(op, err)
	}
	return Message{ID: NewID(), CompanyID: companyID, Topic: topic, Payload: b, Created: Timestamp(now), NextAttempt: Timestamp(now)}, nil
}

// EnqueueSealed is Enqueue for a payload that carries a secret: its JSON is
// sealed under keys' current key, bound to the message (MessageAAD), and
// erased once delivered. The Dispatcher opens it with the same keys.
func EnqueueSealed(ctx context.Context, box Outbox, keys KeyProvider, op string, now time.Time, companyID string, topic Topic, payload any) (string, error) {
	b, err := json.Marshal(payload)
	if err != nil {
		return "", Internal(op, err)
	}
	m := Message{ID: NewID(), CompanyID: companyID, Topic: topic, Sealed: true, Created: Timestamp(now), NextAttempt: Timestamp(now)}
	sealed, err := Seal(ctx, keys, op, MessageAAD(companyID, topic, m.ID), b)
	clear(b)
	if err != nil {
		return "", err
	}
	m.Payload = sealed
	return m.ID, Reop(op, box.EnqueueMessage(ctx, m))
}
