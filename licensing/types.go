package licensing

import (
	"regexp"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// LicenseKind is a kind of user license.
type LicenseKind string

// License kinds.
const (
	LicensePro    LicenseKind = "pro"
	LicenseMobile LicenseKind = "mobile"
)

// Valid reports whether k is a known license kind.
func (k LicenseKind) Valid() bool { return k == LicensePro || k == LicenseMobile }

// LicenseKinds lists every license kind in display order.
var LicenseKinds = []LicenseKind{LicensePro, LicenseMobile}

// SubscriptionKind is a kind of telephony subscription.
type SubscriptionKind string

// Subscription kinds.
const (
	SubscriptionMobile   SubscriptionKind = "mobile"
	SubscriptionLandline SubscriptionKind = "landline"
)

// Valid reports whether k is a known subscription kind.
func (k SubscriptionKind) Valid() bool { return k == SubscriptionMobile || k == SubscriptionLandline }

// Item names something with a unit price in a company's agreement:
// "license.pro", "license.mobile", "subscription.mobile",
// "subscription.landline" or "addon.<code>".
type Item string

// LicenseItem is the agreement item of a license kind.
func LicenseItem(k LicenseKind) Item { return Item("license." + string(k)) }

// SubscriptionItem is the agreement item of a subscription kind.
func SubscriptionItem(k SubscriptionKind) Item { return Item("subscription." + string(k)) }

// AddOnItem is the agreement item of an add-on option code.
func AddOnItem(code string) Item { return Item("addon." + code) }

var addOnCode = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// ValidAddOnCode reports whether code may name an add-on option: 1–64 of
// a-z, 0-9, "_" and "-", starting with a letter or digit.
func ValidAddOnCode(code string) bool { return addOnCode.MatchString(code) }

// Valid reports whether i names a license, a subscription or an add-on.
func (i Item) Valid() bool {
	prefix, rest, ok := strings.Cut(string(i), ".")
	if !ok {
		return false
	}
	switch prefix {
	case "license":
		return LicenseKind(rest).Valid()
	case "subscription":
		return SubscriptionKind(rest).Valid()
	case "addon":
		return ValidAddOnCode(rest)
	}
	return false
}

// Account is a company's licensing and credit state: its plan, its
// agreement (unit prices), its credit settings, and the running balance.
// Stores keep one per company.
type Account struct {
	CompanyID string
	Plan      Plan
	// Prices is the company's agreement: the unit price of each item.
	Prices map[Item]decimal.Decimal
	// CreditLimit is the most debt allowed (a non-negative amount): the
	// balance may go down to -CreditLimit. Invalid (unset) means no limit.
	CreditLimit decimal.NullDecimal
	// ReminderThreshold is the balance at or below which a payment reminder
	// fires. Invalid (unset) means no reminders.
	ReminderThreshold decimal.NullDecimal
	// ReminderArmed is the hysteresis state of the reminder (true: the next
	// downward crossing fires).
	ReminderArmed bool
	// Balance is the sum of the ledger's amounts, kept up to date in the same
	// transaction as each entry: an index of the ledger, not the truth.
	Balance decimal.Decimal
	// Suspended is Balance < -CreditLimit, stored so transitions are seen.
	Suspended bool
	// LastSeq is the sequence number of the company's last ledger entry.
	LastSeq   int64
	UpdatedAt time.Time
}

// newAccount is the account of a company licensing has never seen: Light
// plan on an ongoing contract, empty agreement, no credit limit, no
// reminder threshold, zero balance.
func newAccount(companyID string) Account {
	return Account{CompanyID: companyID, Plan: Plan{Tier: TierLight, Contract: Contract{Kind: ContractOngoing}},
		Prices: map[Item]decimal.Decimal{}, ReminderArmed: true}
}

// NewAccount is the default account stores create for an unseen company.
func NewAccount(companyID string) Account { return newAccount(companyID) }

// EntryKind is the kind of a ledger entry.
type EntryKind string

// Ledger entry kinds.
const (
	EntryCharge     EntryKind = "charge"     // a purchase or a billed amount: negative
	EntryPayment    EntryKind = "payment"    // money received: positive
	EntryAdjustment EntryKind = "adjustment" // a correction: either sign
)

// LedgerEntry is one line of a company's credit ledger. Entries are only
// ever appended.
type LedgerEntry struct {
	ID        string          `json:"id"`
	CompanyID string          `json:"company_id"`
	Seq       int64           `json:"seq"` // 1, 2, … per company
	Kind      EntryKind       `json:"kind"`
	Amount    decimal.Decimal `json:"amount"` // signed: charges negative
	// BalanceAfter is the balance once this entry is applied.
	BalanceAfter decimal.Decimal `json:"balance_after"`
	Description  string          `json:"description"`
	PurchaseID   string          `json:"purchase_id,omitempty"`
	// CostCentreID is the cost centre a purchase was booked to, "" for none.
	CostCentreID string    `json:"cost_centre_id,omitempty"`
	ActorUserID  string    `json:"actor_user_id"`
	CreatedAt    time.Time `json:"created_at"`
}

// Purchase is the result of buying licenses, subscriptions or add-ons. A
// retried idempotent request returns the stored Purchase unchanged.
type Purchase struct {
	ID              string          `json:"id"`
	CompanyID       string          `json:"company_id"`
	Item            Item            `json:"item"`
	Quantity        int             `json:"quantity"`
	UnitPrice       decimal.Decimal `json:"unit_price"`
	Total           decimal.Decimal `json:"total"`
	EntryID         string          `json:"entry_id"`
	CostCentreID    string          `json:"cost_centre_id,omitempty"`
	SubscriptionIDs []string        `json:"subscription_ids,omitempty"`
	CreatedAt       time.Time       `json:"created_at"`
}

// IdempotencyRecord is a stored idempotent request: the hash of its
// parameters and its JSON-encoded result.
type IdempotencyRecord struct {
	CompanyID   string
	Key         string
	RequestHash string
	Result      []byte
	CreatedAt   time.Time
}

// Pool is a company's licenses of one kind.
type Pool struct {
	CompanyID string      `json:"company_id"`
	Kind      LicenseKind `json:"kind"`
	Bought    int         `json:"bought"`
	Assigned  int         `json:"assigned"`
}

// Unassigned is how many licenses of the pool are free.
func (p Pool) Unassigned() int { return p.Bought - p.Assigned }

// LicenseAssignment is one license of a kind held by a user.
type LicenseAssignment struct {
	CompanyID  string      `json:"company_id"`
	UserID     string      `json:"user_id"`
	Kind       LicenseKind `json:"kind"`
	AssignedAt time.Time   `json:"assigned_at"`
}

// AssignmentCursor is a keyset position in a company's assignments, which
// are listed by (UserID, Kind).
type AssignmentCursor struct {
	UserID string      `json:"u"`
	Kind   LicenseKind `json:"k"`
}

// Subscription is one mobile or landline subscription of a company.
type Subscription struct {
	ID        string           `json:"id"`
	CompanyID string           `json:"company_id"`
	Kind      SubscriptionKind `json:"kind"`
	UserID    string           `json:"user_id,omitempty"` // "" while unassigned
	// Phone is the subscription's number in E.164 ("+79161234567"), ""
	// while none is set. A number belongs to at most one subscription on
	// the platform.
	Phone     string    `json:"phone,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// SubscriptionFilter narrows a subscription listing.
type SubscriptionFilter struct {
	Kind SubscriptionKind `validate:"text,max=32"` // "" for every kind
	// Assigned: nil for all, true for assigned only, false for unassigned only.
	Assigned *bool
	// UserID: only the subscriptions assigned to this user ("" for any).
	UserID string `validate:"text,max=64"`
}

// AddOn is the quantity of one add-on option a company holds.
type AddOn struct {
	CompanyID string `json:"company_id"`
	Code      string `json:"code"`
	Quantity  int    `json:"quantity"`
}

// ServicePackage is a package of services users may be given. The platform
// (OwnerCompanyID "") or a reseller (its company ID) defines it.
type ServicePackage struct {
	ID             string `json:"id"`
	OwnerCompanyID string `json:"owner_company_id"`
	Name           string `json:"name"`
	Description    string `json:"description"`
	// Retired packages are no longer offered: they leave PackageChoices
	// and cannot be offered or granted; users who hold one keep it.
	Retired   bool      `json:"retired,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// PackageOffer is a company admin's choice about one package: offered to
// the company's users, and given to new users by default (default implies
// offered).
type PackageOffer struct {
	CompanyID string `json:"company_id"`
	PackageID string `json:"package_id"`
	Offered   bool   `json:"offered"`
	Default   bool   `json:"default"`
}

// SubscriptionKey is a subscription key of a company, added and removed by
// its reseller or the platform only.
type SubscriptionKey struct {
	ID        string    `json:"id"`
	CompanyID string    `json:"company_id"`
	Code      string    `json:"code"`
	CreatedAt time.Time `json:"created_at"`
}

// Reminder is the payment reminder delivered through the outbox (OnReminder) when a
// company's balance reaches or crosses its reminder threshold downwards.
type Reminder struct {
	CompanyID string          `json:"company_id"`
	Balance   decimal.Decimal `json:"balance"`
	Threshold decimal.Decimal `json:"threshold"`
	EntryID   string          `json:"entry_id,omitempty"` // the entry that crossed, if any
	At        time.Time       `json:"at"`
}
