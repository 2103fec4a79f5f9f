package licensing

import (
	"context"
	"errors"
	"time"

	"github.com/shopspring/decimal"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/licensing/threshold"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/observe"
	"github.com/switchboardkit/switchboard/tenancy"
)

// CreditTerms are the credit settings a reseller (or the platform) gives an
// affiliate. An invalid (unset) NullDecimal removes the setting.
type CreditTerms struct {
	// CreditLimit is the most debt allowed, >= 0: the balance may go down
	// to -CreditLimit.
	CreditLimit decimal.NullDecimal `json:"credit_limit"`
	// ReminderThreshold is the balance at or below which one payment
	// reminder is sent; any sign.
	ReminderThreshold decimal.NullDecimal `json:"reminder_threshold"`
}

// CreditStatus is a company's credit standing.
type CreditStatus struct {
	CompanyID         string              `json:"company_id"`
	Balance           decimal.Decimal     `json:"balance"`
	CreditLimit       decimal.NullDecimal `json:"credit_limit"`
	ReminderThreshold decimal.NullDecimal `json:"reminder_threshold"`
	Suspended         bool                `json:"suspended"`
}

// MoneyInput is a payment, a charge or an adjustment.
type MoneyInput struct {
	// Amount: payments and charges take a positive amount (a charge is
	// stored negated); an adjustment takes a signed, non-zero amount.
	Amount         decimal.Decimal `json:"amount"`
	Description    string          `json:"description" validate:"text,max=500"`
	IdempotencyKey string          `json:"idempotency_key" validate:"text,max=200"`
}

var cmpDecimal = func(a, b decimal.Decimal) int { return a.Cmp(b) }

// post appends an entry of amount to the locked account acct, refusing a
// charge that would take the balance below -CreditLimit
// (storage.ErrLimitExceeded) or that a suspended company makes
// (storage.ErrSuspended), then settles suspension and reminder and saves the
// account. Payments and adjustments are never refused by the limit.
func (s *Service) post(ctx context.Context, op string, by tenancy.Actor, acct *Account, kind EntryKind, amount decimal.Decimal, desc, purchaseID string) (LedgerEntry, error) {
	newBalance := acct.Balance.Add(amount)
	if kind == EntryCharge && amount.IsNegative() {
		if acct.Suspended {
			return LedgerEntry{}, storage.Suspended(op, "company %s is suspended for debt", acct.CompanyID)
		}
		if acct.CreditLimit.Valid && newBalance.LessThan(acct.CreditLimit.Decimal.Neg()) {
			return LedgerEntry{}, storage.LimitExceeded(op, "a charge of %s would take the balance to %s, below the credit limit of %s",
				amount.Neg().StringFixed(MinorUnits), newBalance.StringFixed(MinorUnits), acct.CreditLimit.Decimal.StringFixed(MinorUnits))
		}
	}
	acct.LastSeq++
	e := LedgerEntry{ID: storage.NewID(), CompanyID: acct.CompanyID, Seq: acct.LastSeq, Kind: kind,
		Amount: norm(amount), BalanceAfter: norm(newBalance), Description: desc, PurchaseID: purchaseID,
		ActorUserID: by.UserID, CreatedAt: storage.Timestamp(s.clock.Now())}
	if err := s.store.AppendEntry(ctx, e); err != nil {
		return LedgerEntry{}, err
	}
	acct.Balance = norm(newBalance)
	return e, s.settle(ctx, by, acct, e.ID)
}

// settle brings the derived state of the locked account in line with its
// balance and settings, and saves it: the suspension (Balance < -CreditLimit;
// each transition is audited and written to the outbox as a Suspension) and
// the reminder hysteresis (a downward crossing of the threshold writes one
// Reminder to the outbox, delivered once the change commits).
func (s *Service) settle(ctx context.Context, by tenancy.Actor, acct *Account, entryID string) error {
	suspend := acct.CreditLimit.Valid && acct.Balance.LessThan(acct.CreditLimit.Decimal.Neg())
	if suspend != acct.Suspended {
		action := "licensing.credit.suspend"
		if !suspend {
			action = "licensing.credit.resume"
		}
		if err := s.record(ctx, by, acct.CompanyID, action, "credit_account", acct.CompanyID,
			audit.Set("suspended", acct.Suspended, suspend), audit.Set("balance", nil, acct.Balance),
			audit.Set("credit_limit", nil, acct.CreditLimit)); err != nil {
			return err
		}
		acct.Suspended = suspend
		now := storage.Timestamp(s.clock.Now())
		if _, err := storage.Enqueue(ctx, s.box, "licensing.settle", now, acct.CompanyID, storage.TopicSuspension,
			Suspension{CompanyID: acct.CompanyID, Suspended: suspend, Balance: acct.Balance, CreditLimit: acct.CreditLimit,
				EntryID: entryID, At: now}); err != nil {
			return err
		}
	}
	if acct.ReminderThreshold.Valid {
		h := threshold.Hysteresis[decimal.Decimal]{Threshold: acct.ReminderThreshold.Decimal, Compare: cmpDecimal}
		var fire bool
		fire, acct.ReminderArmed = h.Step(acct.ReminderArmed, acct.Balance)
		if fire {
			r := Reminder{CompanyID: acct.CompanyID, Balance: acct.Balance, Threshold: acct.ReminderThreshold.Decimal,
				EntryID: entryID, At: storage.Timestamp(s.clock.Now())}
			if _, err := storage.Enqueue(ctx, s.box, "licensing.settle", r.At, acct.CompanyID, storage.TopicReminder, r); err != nil {
				return err
			}
		}
	} else {
		acct.ReminderArmed = true
	}
	acct.UpdatedAt = storage.Timestamp(s.clock.Now())
	return s.store.SaveAccount(ctx, *acct)
}

// SetCreditTerms sets the credit limit and reminder threshold of companyID.
// Authorised: tenancy.ActManageAffiliate (the company's reseller or the
// platform). Validated: the limit is >= 0, both have at most MinorUnits
// decimals. A new threshold re-arms the reminder and is checked against the
// current balance at once (a balance already at or below it sends one
// reminder). A lowered limit the balance is already past suspends the
// company; a raised one may lift a suspension; both audited. Atomic.
func (s *Service) SetCreditTerms(ctx context.Context, by tenancy.Actor, companyID string, in CreditTerms) (_ CreditStatus, err error) {
	const op = "licensing.SetCreditTerms"
	ctx, uc := s.obs.Start(ctx, op, companyID, "licensing.credit.terms")
	defer func() { uc.End(err) }()
	var out CreditStatus
	err = storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.company(ctx, op, by, tenancy.ActManageAffiliate, companyID); err != nil {
			return err
		}
		verr := &storage.ValidationError{Op: op}
		if in.CreditLimit.Valid {
			checkAmount(verr, "credit_limit", in.CreditLimit.Decimal, 0)
		}
		if in.ReminderThreshold.Valid {
			checkAmount(verr, "reminder_threshold", in.ReminderThreshold.Decimal, 2)
		}
		if err := verr.Err(); err != nil {
			return err
		}
		acct, err := s.store.LockAccount(ctx, companyID)
		if err != nil {
			return err
		}
		before := CreditTerms{CreditLimit: acct.CreditLimit, ReminderThreshold: acct.ReminderThreshold}
		acct.CreditLimit = normNull(in.CreditLimit)
		acct.ReminderThreshold = normNull(in.ReminderThreshold)
		if !nullEqual(before.ReminderThreshold, acct.ReminderThreshold) {
			acct.ReminderArmed = true
		}
		if err := s.record(ctx, by, companyID, "licensing.credit.terms", "credit_account", companyID,
			audit.Diff(before, CreditTerms{CreditLimit: acct.CreditLimit, ReminderThreshold: acct.ReminderThreshold})...); err != nil {
			return err
		}
		if err := s.settle(ctx, by, &acct, ""); err != nil {
			return err
		}
		out = creditStatus(acct)
		return nil
	}))
	return out, err
}

func normNull(d decimal.NullDecimal) decimal.NullDecimal {
	if !d.Valid {
		return decimal.NullDecimal{}
	}
	return decimal.NullDecimal{Decimal: norm(d.Decimal), Valid: true}
}

func nullEqual(a, b decimal.NullDecimal) bool {
	return a.Valid == b.Valid && (!a.Valid || a.Decimal.Equal(b.Decimal))
}

func creditStatus(a Account) CreditStatus {
	return CreditStatus{CompanyID: a.CompanyID, Balance: a.Balance, CreditLimit: a.CreditLimit,
		ReminderThreshold: a.ReminderThreshold, Suspended: a.Suspended}
}

// RecordPayment credits a payment to companyID's ledger. Authorised:
// tenancy.ActManageAffiliate. Validated: amount > 0 with at most MinorUnits
// decimals, an idempotency key. A payment that brings the balance back to
// -CreditLimit or above lifts a suspension (audited); one that lifts the
// balance above the reminder threshold re-arms the reminder. Idempotent per
// (company, key): a retry returns the stored entry; the same key with other
// parameters is storage.ErrConflict.
func (s *Service) RecordPayment(ctx context.Context, by tenancy.Actor, companyID string, in MoneyInput) (_ LedgerEntry, err error) {
	ctx, uc := s.obs.Start(ctx, "licensing.RecordPayment", companyID, "licensing.ledger.payment")
	defer func() { uc.End(err) }()
	return s.money(ctx, "licensing.RecordPayment", by, companyID, EntryPayment, in)
}

// Charge debits companyID's ledger by a positive amount (usage billed by the
// reseller or platform). Authorised: tenancy.ActManageAffiliate. It is
// refused with storage.ErrLimitExceeded when the balance would go below
// -CreditLimit, and with storage.ErrSuspended while the company is
// suspended. Idempotent like RecordPayment.
func (s *Service) Charge(ctx context.Context, by tenancy.Actor, companyID string, in MoneyInput) (_ LedgerEntry, err error) {
	ctx, uc := s.obs.Start(ctx, "licensing.Charge", companyID, "licensing.ledger.charge")
	defer func() { uc.End(err) }()
	return s.money(ctx, "licensing.Charge", by, companyID, EntryCharge, in)
}

// Adjust posts a signed, non-zero correction. Authorised:
// tenancy.ActManageAffiliate. Never refused by the limit, but may suspend or
// lift a suspension. Idempotent like RecordPayment.
func (s *Service) Adjust(ctx context.Context, by tenancy.Actor, companyID string, in MoneyInput) (_ LedgerEntry, err error) {
	ctx, uc := s.obs.Start(ctx, "licensing.Adjust", companyID, "licensing.ledger.adjustment")
	defer func() { uc.End(err) }()
	return s.money(ctx, "licensing.Adjust", by, companyID, EntryAdjustment, in)
}

func (s *Service) money(ctx context.Context, op string, by tenancy.Actor, companyID string, kind EntryKind, in MoneyInput) (LedgerEntry, error) {
	storage.Normalize(&in)
	var out LedgerEntry
	err := storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.company(ctx, op, by, tenancy.ActManageAffiliate, companyID); err != nil {
			return err
		}
		verr, err := s.validateInput(ctx, op, in)
		if err != nil {
			return err
		}
		sign := 1
		if kind == EntryAdjustment {
			sign = -2
		}
		checkAmount(verr, "amount", in.Amount, sign)
		checkKey(verr, in.IdempotencyKey)
		if err := verr.Err(); err != nil {
			return err
		}
		params := struct {
			Amount      string `json:"amount"`
			Description string `json:"description"`
		}{norm(in.Amount).StringFixed(MinorUnits), in.Description}
		out, err = onceOnAccount(ctx, s, op, companyID, in.IdempotencyKey, params, func(acct *Account) (LedgerEntry, error) {
			amount := in.Amount
			if kind == EntryCharge {
				amount = amount.Neg()
			}
			before := acct.Balance
			e, err := s.post(ctx, op, by, acct, kind, amount, in.Description, "")
			if err != nil {
				return e, err
			}
			return e, s.record(ctx, by, companyID, "licensing.ledger."+string(kind), "ledger_entry", e.ID,
				audit.Set("amount", nil, e.Amount), audit.Set("balance", before, e.BalanceAfter),
				audit.Set("description", nil, e.Description))
		})
		return err
	}))
	return out, err
}

// Credit returns companyID's credit standing (the running balance).
// Authorised: tenancy.ActView.
func (s *Service) Credit(ctx context.Context, by tenancy.Actor, companyID string) (_ CreditStatus, err error) {
	const op = "licensing.Credit"
	ctx, uc := s.obs.Start(ctx, op, companyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	if _, err := s.company(ctx, op, by, tenancy.ActView, companyID); err != nil {
		return CreditStatus{}, err
	}
	acct, err := s.account(ctx, companyID)
	return creditStatus(acct), err
}

// LedgerBalance recomputes companyID's balance from its ledger entries (the
// truth the running balance indexes) by summing them in Go, exactly.
// Authorised: tenancy.ActView.
func (s *Service) LedgerBalance(ctx context.Context, by tenancy.Actor, companyID string) (_ decimal.Decimal, err error) {
	const op = "licensing.LedgerBalance"
	ctx, uc := s.obs.Start(ctx, op, companyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	if _, err := s.company(ctx, op, by, tenancy.ActView, companyID); err != nil {
		return decimal.Decimal{}, err
	}
	sum := decimal.Zero
	var after int64
	for {
		es, err := s.store.Entries(ctx, companyID, after, 500)
		if err != nil {
			return decimal.Decimal{}, err
		}
		for _, e := range es {
			sum = sum.Add(e.Amount)
			after = e.Seq
		}
		if len(es) < 500 {
			return norm(sum), nil
		}
	}
}

type ledgerCursor struct {
	Seq int64 `json:"s"`
}

// Ledger returns one page of companyID's ledger, oldest first (keyset on
// the entry's sequence number). Authorised: tenancy.ActView.
func (s *Service) Ledger(ctx context.Context, by tenancy.Actor, companyID string, p storage.PageRequest) (_ storage.Page[LedgerEntry], err error) {
	const op = "licensing.Ledger"
	ctx, uc := s.obs.Start(ctx, op, companyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	if _, err := s.company(ctx, op, by, tenancy.ActView, companyID); err != nil {
		return storage.Page[LedgerEntry]{}, err
	}
	var c ledgerCursor
	if p.After != "" {
		if err := storage.DecodeCursor(op, p.After, &c); err != nil {
			return storage.Page[LedgerEntry]{}, err
		}
	}
	es, err := s.store.Entries(ctx, companyID, c.Seq, p.Size()+1)
	if err != nil {
		return storage.Page[LedgerEntry]{}, err
	}
	return pageOf(es, p.Size(), func(last LedgerEntry) any { return ledgerCursor{Seq: last.Seq} }), nil
}

type ledgerRangeCursor struct {
	At  time.Time `json:"t"`
	Seq int64     `json:"s"`
}

// LedgerBetween returns companyID's ledger entries created in [from, to) —
// a zero bound is open — ordered by creation time (then Seq), with keyset
// pagination; pass the same bounds with every page's cursor. Authorised as
// Ledger: tenancy.ActView on the company. Validated: to after from (field
// to). On SQL it walks the index (company_id, created_at, seq).
func (s *Service) LedgerBetween(ctx context.Context, by tenancy.Actor, companyID string, from, to time.Time, p storage.PageRequest) (_ storage.Page[LedgerEntry], err error) {
	const op = "licensing.LedgerBetween"
	ctx, uc := s.obs.Start(ctx, op, companyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	if !from.IsZero() && !to.IsZero() && !to.After(from) {
		return storage.Page[LedgerEntry]{}, storage.Invalid(op, "to", "gtfield", "must be after from")
	}
	var q EntryRange
	if !from.IsZero() {
		q.From = storage.Timestamp(from)
	}
	if !to.IsZero() {
		q.To = storage.Timestamp(to)
	}
	if p.After != "" {
		var c ledgerRangeCursor
		if err := storage.DecodeCursor(op, p.After, &c); err != nil {
			return storage.Page[LedgerEntry]{}, err
		}
		q.AfterAt, q.AfterSeq = c.At, c.Seq
	}
	if _, err := s.company(ctx, op, by, tenancy.ActView, companyID); err != nil {
		return storage.Page[LedgerEntry]{}, err
	}
	es, err := s.store.EntriesBetween(ctx, companyID, q, p.Size()+1)
	if err != nil {
		return storage.Page[LedgerEntry]{}, storage.Reop(op, err)
	}
	return pageOf(es, p.Size(), func(last LedgerEntry) any { return ledgerRangeCursor{At: last.CreatedAt, Seq: last.Seq} }), nil
}

// SuspensionChecker is the one method compliance consumes; Service
// satisfies it.
type SuspensionChecker interface {
	Suspended(ctx context.Context, companyID string) (bool, error)
}

var _ SuspensionChecker = (*Service)(nil)

// Suspended reports whether companyID is suspended for debt (its balance is
// below -CreditLimit). A company licensing has never seen is not. It takes
// no actor: compliance asks it on every call decision, on behalf of the
// system.
func (s *Service) Suspended(ctx context.Context, companyID string) (_ bool, err error) {
	ctx, uc := s.obs.Start(ctx, "licensing.Suspended", companyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	acct, err := s.account(ctx, companyID)
	return acct.Suspended, err
}

// account returns the stored account or the default one.
func (s *Service) account(ctx context.Context, companyID string) (Account, error) {
	acct, err := s.store.Account(ctx, companyID)
	if errors.Is(err, storage.ErrNotFound) {
		return newAccount(companyID), nil
	}
	return acct, err
}
