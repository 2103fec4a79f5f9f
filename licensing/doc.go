// Package licensing is what a company buys and owes: its plan tier and
// contract, its user licenses, subscriptions and add-on options, the service
// packages and subscription keys it may use, and its credit with its
// reseller (or the platform): an append-only ledger, a credit limit that
// suspends, a reminder threshold that notifies.
//
// # Use cases and their contract
//
// Service holds every use case. Each takes a context and the acting
// tenancy.Actor; each mutation runs in one storage.Transactor.InTx: company
// facts are loaded from the tenancy.Directory, the actor is authorised with
// tenancy.Authorize, the input validated, the change stored and an audit
// event recorded — all or nothing. Bad input never leaves anything behind.
// Authorisation per method:
//
//   - tenancy.ActPurchase (owner, administrators, the company's reseller, the
//     platform): PurchaseLicenses, ReduceLicenses, AssignLicense,
//     UnassignLicense, PurchaseSubscriptions, AssignSubscription,
//     UnassignSubscription, PurchaseAddOn, ChangePlan, and ReleaseUser, which
//     tenancy (or the host) calls when a user leaves the company.
//   - tenancy.ActView: Account, Credit, Ledger, LedgerBalance, Pools,
//     Assignments, Subscriptions, AddOns, PackageChoices, UserPackages,
//     SubscriptionKeys, PreviewPlanChange.
//   - tenancy.ActManageAffiliate (the company's reseller — its
//     administrators and its owner — and the platform):
//     SetCreditTerms, SetAgreement, SetContract, RecordPayment, Charge,
//     Adjust.
//   - tenancy.ActManageCatalog (a reseller's administrators and owner over
//     its own catalogue and its affiliates', the platform): DefinePackage, AddSubscriptionKey,
//     RemoveSubscriptionKey. Company administrators never define packages
//     nor change keys.
//   - tenancy.ActEditSettings: SetPackageOffer (offering packages is a
//     company setting: the company admin chooses from the catalogue).
//   - tenancy.ActManageUsers on the new member: GrantDefaultPackages, which
//     tenancy (or the host) calls when it registers a user, in the same
//     transaction.
//   - none: Suspended(ctx, companyID), the state compliance consults.
//
// Errors are the storage kinds, matched with errors.Is:
// storage.ErrInvalid (a *storage.ValidationError naming each JSON field:
// quantity, kind, code, user_id, amount, credit_limit, reminder_threshold,
// prices.<item>, idempotency_key, tier, ends_at, default),
// storage.ErrForbidden, storage.ErrNotFound, storage.ErrConflict (a reused
// idempotency key with other parameters, a refused plan change, a second
// license of a kind for a user, a pool reduced below its assigned count),
// storage.ErrLimitExceeded (no free license; a charge past the credit
// limit), storage.ErrSuspended (a charge by a company suspended for debt;
// and, for a company the platform suspended, every use case tenancy.Suspends
// lists — purchases, charges, assignments, grants, plan and catalogue
// changes — see the tenancy docs, "Suspension").
//
// # Choices where the specification is silent
//
// Money. Amounts are decimal.Decimal with MinorUnits = 2 decimals; an
// amount with more significant decimals is rejected (rule "precision"),
// never rounded. Amounts are below 10^15. Stores keep NUMERIC (TEXT on
// SQLite) and never sum in SQL: LedgerBalance sums in Go.
//
// Plans. Tiers are Light < Unlimited. An upgrade is allowed at once. A
// downgrade is allowed at once under an ongoing contract, refused while a
// fixed-term contract runs (Decision.NotBefore is its end); once the end
// date has passed the contract counts as ongoing. Changing to the same
// tier is refused as "unchanged". A company licensing has not seen yet is
// on Light with an ongoing contract, no agreement, no credit limit and no
// reminder threshold.
//
// Agreement. The reseller (or the platform) sets each company's unit price
// per item (license.pro, license.mobile, subscription.mobile,
// subscription.landline, addon.<code>); an item without a price cannot be
// bought: the purchase fails with storage.ErrPrecondition wrapping ErrNoPrice
// (not a validation error: the input is fine, the agreement is missing) and
// charges nothing. A purchase stores the price it was made at; later agreement
// changes do not touch it.
//
// Licenses. A pool per company and kind counts bought and assigned. A user
// holds at most one license of each kind, only as a member of the company.
// Assignment is one conditional update (assigned = assigned + 1 where
// assigned < bought) in every backend, so concurrency can never
// over-assign. ReduceLicenses removes unassigned licenses only and refunds
// nothing (the reseller may post an Adjust).
//
// Idempotency. Every purchase and every ledger posting (payment, charge,
// adjustment) takes an idempotency key, unique per company across all of
// these operations. The first result is stored with a SHA-256 of the
// operation and its parameters, in the same transaction; a retry returns
// the stored result even if prices changed since; the key with other
// parameters or another operation is storage.ErrConflict. A request that
// failed stored nothing, so its key may be used again. Concurrent requests
// with one key are serialised by the account lock every purchase takes
// first: exactly one does the work.
//
// Credit. The ledger is append-only; amounts are signed (charges negative).
// The account keeps a running balance updated in the same transaction as
// each entry, under the account's row lock: an index of the ledger, never
// the truth (LedgerBalance recomputes it; the conformance suite proves they
// agree). The credit limit L >= 0 lets the balance go down to -L: a charge
// that would go below is refused with storage.ErrLimitExceeded; payments
// and adjustments are never refused. A company whose balance is below -L —
// because the limit was lowered, or an adjustment — is suspended (its
// charges and purchases fail with storage.ErrSuspended, and compliance
// refuses its calls) until a payment, adjustment or new limit brings it
// back to -L or above. Both transitions are audited
// (licensing.credit.suspend / licensing.credit.resume) with the actor whose
// change caused them. No limit set means unlimited credit.
//
// Reminders. The reminder threshold T is a balance (any sign). A payment
// reminder fires when the balance reaches T or crosses it downwards (a
// balance exactly at T counts), using threshold.Hysteresis with the armed
// flag persisted in the account; it re-arms only when the balance goes back
// above T. Setting a different threshold re-arms it and checks the current
// balance at once. The reminder is an outbox message (storage.TopicReminder)
// written in the transaction that crossed the threshold: delivered to the
// host's OnReminder handler after it commits, never for a rolled-back or
// retried attempt, and not lost if the process dies right after the commit.
// Every suspension and lifted suspension is a Suspension message
// (storage.TopicSuspension, OnSuspension) the same way.
//
// Subscriptions are bought by quantity, each an unassigned subscription
// that may then be assigned to one member (and unassigned); a user may hold
// several. Phone numbers are provisioned by the telephony side, not here.
// Add-on options accumulate a quantity per code.
//
// Service packages are defined by the platform (owner "") or by a reseller
// (for itself and its affiliates); a company chooses from the platform's
// and its reseller's catalogues. Default implies offered: a default that is
// not offered is a validation error. GrantDefaultPackages gives a new user
// the company's defaults.
package licensing
