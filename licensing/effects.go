package licensing

import (
	"context"
	"time"

	"github.com/shopspring/decimal"

	"github.com/switchboardkit/switchboard/storage"
)

// Suspension tells the host that a company's calls were suspended for debt
// (Suspended: the balance went below -CreditLimit) or that a suspension was
// lifted (a payment, a credit or a raised limit). The host may stop the
// company's running campaigns, tell its administrators, or resume them.
type Suspension struct {
	CompanyID   string              `json:"company_id"`
	Suspended   bool                `json:"suspended"`
	Balance     decimal.Decimal     `json:"balance"`
	CreditLimit decimal.NullDecimal `json:"credit_limit"`
	EntryID     string              `json:"entry_id,omitempty"` // the ledger entry that caused it, if any
	At          time.Time           `json:"at"`
}

// OnReminder makes fn the handler of storage.TopicReminder on d: fn receives
// each payment Reminder once the change that crossed the threshold has
// committed — never for a rolled-back or retried attempt. Delivery is at
// least once: deduplicate on msgID, the outbox message's id.
func OnReminder(d *storage.Dispatcher, fn func(ctx context.Context, msgID string, r Reminder) error) {
	storage.Handle(d, storage.TopicReminder, fn)
}

// OnSuspension makes fn the handler of storage.TopicSuspension on d: fn
// hears of every suspension and every lifted suspension, after its commit.
// A retried message may arrive after a later one: Suspension.At orders
// them.
func OnSuspension(d *storage.Dispatcher, fn func(ctx context.Context, msgID string, s Suspension) error) {
	storage.Handle(d, storage.TopicSuspension, fn)
}
