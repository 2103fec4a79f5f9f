package licensing

import (
	"context"
	"errors"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/observe"
	"github.com/switchboardkit/switchboard/tenancy"
)

// MaxQuantity bounds one purchase or reduction.
const MaxQuantity = 100000

// LicensePurchase asks for Quantity licenses of Kind.
type LicensePurchase struct {
	Kind           LicenseKind `json:"kind" validate:"required,text,oneof=pro mobile"`
	Quantity       int         `json:"quantity" validate:"min=1,max=100000"`
	IdempotencyKey string      `json:"idempotency_key" validate:"text,max=200"`
	// CostCentreID books the purchase to an active cost centre of the
	// company (WithCostCentres checks it); "" books it to none.
	CostCentreID string `json:"cost_centre_id,omitempty" validate:"text,max=64"`
}

// purchaseSpec is one purchase as the shared purchase flow sees it.
type purchaseSpec struct {
	op         string // the public operation, named in errors
	companyID  string
	input      any    // the caller's input, validated by its struct tags
	key        string // the idempotency key
	item       Item   // priced from the company's agreement
	quantity   int
	priceField string // the input field blamed when the agreement has no price for item
	costCentre string // the cost centre the purchase is booked to, "" for none
	// apply stores what was bought, inside the purchase's transaction.
	apply func(ctx context.Context, p *Purchase) error
}

// ErrNoPrice is the cause of the storage.ErrPrecondition a purchase gets
// when the company's agreement has no unit price for the item bought: the
// reseller (or the platform) must agree a price first (SetAgreement).
var ErrNoPrice = errors.New("no unit price agreed")

// purchase is the shared shape of every purchase: in one transaction it
// authorises (tenancy.ActPurchase), validates, locks the account (which
// serialises the company's purchases and so its idempotency keys), and —
// unless the key was seen — prices spec.item from the agreement, charges the
// total to the ledger (credit limit and suspension apply), runs spec.apply
// and audits. spec.priceField names the input field whose item the
// agreement has no price for (the ErrNoPrice precondition).
func (s *Service) purchase(ctx context.Context, by tenancy.Actor, spec purchaseSpec) (Purchase, error) {
	op, companyID, item, qty, priceField := spec.op, spec.companyID, spec.item, spec.quantity, spec.priceField
	var out Purchase
	err := storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.company(ctx, op, by, tenancy.ActPurchase, companyID); err != nil {
			return err
		}
		verr, err := s.validateInput(ctx, op, spec.input)
		if err != nil {
			return err
		}
		checkKey(verr, spec.key)
		if item != "" && !item.Valid() && verr.Err() == nil {
			verr.Add(priceField, "item", "is not a known item")
		}
		if err := verr.Err(); err != nil {
			return err
		}
		if err := s.checkCostCentre(ctx, op, companyID, spec.costCentre); err != nil {
			return err
		}
		params := struct {
			Item       Item   `json:"item"`
			Quantity   int    `json:"quantity"`
			CostCentre string `json:"cost_centre_id,omitempty"`
		}{item, qty, spec.costCentre}
		out, err = onceOnAccount(ctx, s, op, companyID, spec.key, params, func(acct *Account) (Purchase, error) {
			price, ok := acct.Prices[item]
			if !ok {
				e := storage.Precondition(op, "the company's agreement has no unit price for %s (%s); the reseller sets it with SetAgreement", item, priceField)
				e.Entity, e.ID, e.Err = "agreement", companyID, ErrNoPrice
				return Purchase{}, e
			}
			p := Purchase{ID: storage.NewID(), CompanyID: companyID, Item: item, Quantity: qty, CostCentreID: spec.costCentre,
				UnitPrice: price, Total: norm(price.Mul(decimalInt(qty))), CreatedAt: storage.Timestamp(s.clock.Now())}
			before := acct.Balance
			e, err := s.post(ctx, op, by, acct, EntryCharge, p.Total.Neg(), "purchase of "+itoa(qty)+" × "+string(item), p.ID, spec.costCentre)
			if err != nil {
				return Purchase{}, err
			}
			p.EntryID = e.ID
			if err := spec.apply(ctx, &p); err != nil {
				return Purchase{}, err
			}
			changes := []audit.Change{audit.Set("item", nil, item), audit.Set("quantity", nil, qty), audit.Set("unit_price", nil, p.UnitPrice),
				audit.Set("total", nil, p.Total), audit.Set("balance", before, acct.Balance)}
			if p.CostCentreID != "" {
				changes = append(changes, audit.Set("cost_centre_id", nil, p.CostCentreID))
			}
			return p, s.record(ctx, by, companyID, "licensing.purchase", "purchase", p.ID, changes...)
		})
		return err
	}))
	return out, err
}

// PurchaseLicenses buys in.Quantity licenses of in.Kind for companyID at the
// unit price of its agreement, charging the total to its ledger, and adds
// them to the pool. Authorised: tenancy.ActPurchase. Errors:
// *storage.ValidationError for a bad kind or quantity (1..MaxQuantity) or a
// missing idempotency key. Precondition: the company's agreement has a unit
// price for the kind (SetAgreement); without one the purchase is
// storage.ErrPrecondition wrapping ErrNoPrice, and nothing is charged;
// storage.ErrLimitExceeded past the credit limit; storage.ErrSuspended for a
// suspended company; storage.ErrConflict for a reused key with other
// parameters. Idempotent per (company, key): a retry — even concurrent —
// returns the first purchase and buys nothing more. Atomic and audited.
func (s *Service) PurchaseLicenses(ctx context.Context, by tenancy.Actor, companyID string, in LicensePurchase) (_ Purchase, err error) {
	const op = "licensing.PurchaseLicenses"
	ctx, uc := s.obs.Start(ctx, op, companyID, "licensing.purchase")
	defer func() { uc.End(err) }()
	storage.Normalize(&in)
	return s.purchase(ctx, by, purchaseSpec{op: op, companyID: companyID, input: in, key: in.IdempotencyKey,
		item: LicenseItem(in.Kind), quantity: in.Quantity, priceField: "kind", costCentre: in.CostCentreID,
		apply: func(ctx context.Context, p *Purchase) error {
			return s.store.AddLicenses(ctx, companyID, in.Kind, in.Quantity)
		}})
}

// licenseScope authorises tenancy.ActPurchase on companyID and checks kind:
// the preamble of every use case on one kind of license pool.
func (s *Service) licenseScope(ctx context.Context, op string, by tenancy.Actor, companyID string, kind LicenseKind) error {
	if _, err := s.company(ctx, op, by, tenancy.ActPurchase, companyID); err != nil {
		return err
	}
	if !kind.Valid() {
		return storage.Invalid(op, "kind", "oneof", "must be one of pro mobile")
	}
	return nil
}

// ReduceLicenses takes n unassigned licenses of kind out of companyID's
// pool. Authorised: tenancy.ActPurchase. Errors: *storage.ValidationError
// for a bad kind or n; storage.ErrConflict when fewer than n are unassigned
// (a pool is never reduced below its assigned count); storage.ErrNotFound
// without a pool. Nothing is refunded: the host posts an adjustment if its
// agreement says so. Atomic and audited.
func (s *Service) ReduceLicenses(ctx context.Context, by tenancy.Actor, companyID string, kind LicenseKind, n int) (_ Pool, err error) {
	const op = "licensing.ReduceLicenses"
	ctx, uc := s.obs.Start(ctx, op, companyID, "licensing.license.reduce")
	defer func() { uc.End(err) }()
	var out Pool
	err = storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.licenseScope(ctx, op, by, companyID, kind); err != nil {
			return err
		}
		if n < 1 || n > MaxQuantity {
			return storage.Invalid(op, "quantity", "min", "must be between 1 and 100000")
		}
		if err := s.store.RemoveLicenses(ctx, companyID, kind, n); err != nil {
			return err
		}
		var err error
		if out, err = s.pool(ctx, companyID, kind); err != nil {
			return err
		}
		return s.record(ctx, by, companyID, "licensing.license.reduce", "license_pool", companyID+"/"+string(kind),
			audit.Set("bought", out.Bought+n, out.Bought))
	}))
	return out, err
}

func (s *Service) pool(ctx context.Context, companyID string, kind LicenseKind) (Pool, error) {
	pools, err := s.store.Pools(ctx, companyID)
	if err != nil {
		return Pool{}, err
	}
	for _, p := range pools {
		if p.Kind == kind {
			return p, nil
		}
	}
	return Pool{CompanyID: companyID, Kind: kind}, nil
}

// AssignLicense gives userID, a member of companyID, one license of kind.
// Authorised: tenancy.ActPurchase. Errors: *storage.ValidationError for an
// unknown kind or a user who is not a member of the company (field
// "user_id"); storage.ErrLimitExceeded when no license of the kind is free;
// storage.ErrConflict when the user already holds one. The count check and
// the assignment are one conditional update: never more assigned than
// bought, under any concurrency. Atomic and audited.
func (s *Service) AssignLicense(ctx context.Context, by tenancy.Actor, companyID, userID string, kind LicenseKind) (_ LicenseAssignment, err error) {
	const op = "licensing.AssignLicense"
	ctx, uc := s.obs.Start(ctx, op, companyID, "licensing.license.assign")
	defer func() { uc.End(err) }()
	var out LicenseAssignment
	err = storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.licenseScope(ctx, op, by, companyID, kind); err != nil {
			return err
		}
		if _, err := s.member(ctx, op, companyID, userID); err != nil {
			return err
		}
		out = LicenseAssignment{CompanyID: companyID, UserID: userID, Kind: kind, AssignedAt: storage.Timestamp(s.clock.Now())}
		if err := s.store.AssignLicense(ctx, out); err != nil {
			return err
		}
		return s.record(ctx, by, companyID, "licensing.license.assign", "license", userID+"/"+string(kind),
			audit.Set("user_id", nil, userID), audit.Set("kind", nil, kind))
	}))
	return out, err
}

// UnassignLicense frees userID's license of kind. Authorised:
// tenancy.ActPurchase. Errors: storage.ErrNotFound when the user holds none.
// Atomic and audited.
func (s *Service) UnassignLicense(ctx context.Context, by tenancy.Actor, companyID, userID string, kind LicenseKind) (err error) {
	const op = "licensing.UnassignLicense"
	ctx, uc := s.obs.Start(ctx, op, companyID, "licensing.license.unassign")
	defer func() { uc.End(err) }()
	return storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.licenseScope(ctx, op, by, companyID, kind); err != nil {
			return err
		}
		if err := s.store.UnassignLicense(ctx, companyID, userID, kind); err != nil {
			return err
		}
		return s.record(ctx, by, companyID, "licensing.license.unassign", "license", userID+"/"+string(kind),
			audit.Set("user_id", userID, nil), audit.Set("kind", kind, nil))
	}))
}

// Pools returns companyID's license counts, one Pool per kind in
// LicenseKinds order (zero counts for kinds never bought). Authorised:
// tenancy.ActView.
func (s *Service) Pools(ctx context.Context, by tenancy.Actor, companyID string) (_ []Pool, err error) {
	ctx, uc := s.obs.Start(ctx, "licensing.Pools", companyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	if _, err := s.company(ctx, "licensing.Pools", by, tenancy.ActView, companyID); err != nil {
		return nil, err
	}
	stored, err := s.store.Pools(ctx, companyID)
	if err != nil {
		return nil, err
	}
	out := make([]Pool, len(LicenseKinds))
	for i, k := range LicenseKinds {
		out[i] = Pool{CompanyID: companyID, Kind: k}
		for _, p := range stored {
			if p.Kind == k {
				out[i] = p
			}
		}
	}
	return out, nil
}

// Assignments returns one page of the users of companyID holding licenses
// and which, ordered by (user, kind). Authorised: tenancy.ActView.
func (s *Service) Assignments(ctx context.Context, by tenancy.Actor, companyID string, p storage.PageRequest) (_ storage.Page[LicenseAssignment], err error) {
	const op = "licensing.Assignments"
	ctx, uc := s.obs.Start(ctx, op, companyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	if _, err := s.company(ctx, op, by, tenancy.ActView, companyID); err != nil {
		return storage.Page[LicenseAssignment]{}, err
	}
	var after *AssignmentCursor
	if p.After != "" {
		after = new(AssignmentCursor)
		if err := storage.DecodeCursor(op, p.After, after); err != nil {
			return storage.Page[LicenseAssignment]{}, err
		}
	}
	as, err := s.store.Assignments(ctx, companyID, after, p.Size()+1)
	if err != nil {
		return storage.Page[LicenseAssignment]{}, err
	}
	return pageOf(as, p.Size(), func(last LicenseAssignment) any {
		return AssignmentCursor{UserID: last.UserID, Kind: last.Kind}
	}), nil
}

// Holdings is what a user holds in a company.
type Holdings struct {
	Licenses      []LicenseKind `json:"licenses"`
	Subscriptions []string      `json:"subscriptions"`
	Packages      []string      `json:"packages"`
}

// ReleaseUser frees every license, subscription and service package userID
// holds in companyID and returns what was freed. Tenancy (or the host) calls
// it when a user leaves the company, in the same transaction
// (tenancy.WithMemberRemovedHook); the user need no longer be a member.
// Authorised: tenancy.ActPurchase. Each release is audited like
// UnassignLicense / UnassignSubscription; the packages as
// "licensing.package.revoke". Atomic.
func (s *Service) ReleaseUser(ctx context.Context, by tenancy.Actor, companyID, userID string) (_ Holdings, err error) {
	const op = "licensing.ReleaseUser"
	ctx, uc := s.obs.Start(ctx, op, companyID, "licensing.license.unassign")
	defer func() { uc.End(err) }()
	var out Holdings
	err = storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		out = Holdings{}
		if _, err := s.company(ctx, op, by, tenancy.ActPurchase, companyID); err != nil {
			return err
		}
		if userID == "" {
			return storage.Invalid(op, "user_id", "required", "is required")
		}
		// Keyset from (userID, "") reaches exactly this user's assignments first.
		as, err := s.store.Assignments(ctx, companyID, &AssignmentCursor{UserID: userID}, len(LicenseKinds))
		if err != nil {
			return err
		}
		for _, a := range as {
			if a.UserID != userID {
				break
			}
			if err := s.store.UnassignLicense(ctx, companyID, userID, a.Kind); err != nil {
				return err
			}
			if err := s.record(ctx, by, companyID, "licensing.license.unassign", "license", userID+"/"+string(a.Kind),
				audit.Set("user_id", userID, nil), audit.Set("kind", a.Kind, nil)); err != nil {
				return err
			}
			out.Licenses = append(out.Licenses, a.Kind)
		}
		for {
			subs, err := s.store.Subscriptions(ctx, companyID, SubscriptionFilter{UserID: userID}, "", storage.MaxPageSize)
			if err != nil {
				return err
			}
			for _, sub := range subs {
				if err := s.store.UnassignSubscription(ctx, companyID, sub.ID); err != nil {
					return err
				}
				if err := s.record(ctx, by, companyID, "licensing.subscription.unassign", "subscription", sub.ID,
					audit.Set("user_id", userID, nil)); err != nil {
					return err
				}
				out.Subscriptions = append(out.Subscriptions, sub.ID)
			}
			if len(subs) < storage.MaxPageSize {
				break
			}
		}
		pkgs, err := s.store.UserPackages(ctx, companyID, userID)
		if err != nil || len(pkgs) == 0 {
			return err
		}
		if err := s.store.RevokePackages(ctx, companyID, userID); err != nil {
			return err
		}
		out.Packages = pkgs
		return s.record(ctx, by, companyID, "licensing.package.revoke", "user", userID, audit.Set("packages", pkgs, nil))
	}))
	return out, err
}
