package licensing

import (
	"context"
	"errors"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/observe"
	"github.com/switchboardkit/switchboard/tenancy"
)

// MaxSubscriptionsPerPurchase bounds one subscription purchase.
const MaxSubscriptionsPerPurchase = 1000

// SubscriptionPurchase asks for Quantity subscriptions of Kind.
type SubscriptionPurchase struct {
	Kind           SubscriptionKind `json:"kind" validate:"required,text,oneof=mobile landline"`
	Quantity       int              `json:"quantity" validate:"min=1,max=1000"`
	IdempotencyKey string           `json:"idempotency_key" validate:"text,max=200"`
	// CostCentreID books the purchase to a cost centre, as LicensePurchase's.
	CostCentreID string `json:"cost_centre_id,omitempty" validate:"text,max=64"`
}

// PurchaseSubscriptions buys in.Quantity unassigned subscriptions of
// in.Kind at the agreed unit price; their IDs are in Purchase.SubscriptionIDs.
// Authorisation, errors (the agreement must price the kind), credit,
// idempotency and atomicity as PurchaseLicenses.
func (s *Service) PurchaseSubscriptions(ctx context.Context, by tenancy.Actor, companyID string, in SubscriptionPurchase) (_ Purchase, err error) {
	const op = "licensing.PurchaseSubscriptions"
	ctx, uc := s.obs.Start(ctx, op, companyID, "licensing.purchase")
	defer func() { uc.End(err) }()
	storage.Normalize(&in)
	return s.purchase(ctx, by, purchaseSpec{op: op, companyID: companyID, input: in, key: in.IdempotencyKey,
		item: SubscriptionItem(in.Kind), quantity: in.Quantity, priceField: "kind", costCentre: in.CostCentreID,
		apply: func(ctx context.Context, p *Purchase) error {
			subs := make([]Subscription, in.Quantity)
			for i := range subs {
				subs[i] = Subscription{ID: storage.NewID(), CompanyID: companyID, Kind: in.Kind, CreatedAt: p.CreatedAt}
				p.SubscriptionIDs = append(p.SubscriptionIDs, subs[i].ID)
			}
			return s.store.InsertSubscriptions(ctx, subs)
		}})
}

// AssignSubscription gives subscription id of companyID to userID, a member
// of the company. Authorised: tenancy.ActPurchase. Errors:
// *storage.ValidationError (field "user_id") for a non-member;
// storage.ErrNotFound for an unknown subscription; storage.ErrConflict when
// it is already assigned (unassign first). Atomic and audited.
func (s *Service) AssignSubscription(ctx context.Context, by tenancy.Actor, companyID, id, userID string) (err error) {
	const op = "licensing.AssignSubscription"
	ctx, uc := s.obs.Start(ctx, op, companyID, "licensing.subscription.assign")
	defer func() { uc.End(err) }()
	return storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.company(ctx, op, by, tenancy.ActPurchase, companyID); err != nil {
			return err
		}
		if _, err := s.member(ctx, op, companyID, userID); err != nil {
			return err
		}
		if err := s.store.AssignSubscription(ctx, companyID, id, userID); err != nil {
			return err
		}
		return s.record(ctx, by, companyID, "licensing.subscription.assign", "subscription", id, audit.Set("user_id", nil, userID))
	}))
}

// UnassignSubscription frees subscription id. Authorised:
// tenancy.ActPurchase. Errors: storage.ErrNotFound, storage.ErrConflict when
// it is not assigned. Atomic and audited.
func (s *Service) UnassignSubscription(ctx context.Context, by tenancy.Actor, companyID, id string) (err error) {
	const op = "licensing.UnassignSubscription"
	ctx, uc := s.obs.Start(ctx, op, companyID, "licensing.subscription.unassign")
	defer func() { uc.End(err) }()
	return storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.company(ctx, op, by, tenancy.ActPurchase, companyID); err != nil {
			return err
		}
		if err := s.store.UnassignSubscription(ctx, companyID, id); err != nil {
			return err
		}
		return s.record(ctx, by, companyID, "licensing.subscription.unassign", "subscription", id)
	}))
}

type subscriptionCursor struct {
	ID string `json:"i"`
}

// Subscriptions returns one page of companyID's subscriptions matching f
// (kind; assigned or unassigned), ordered by ID. Authorised: tenancy.ActView.
func (s *Service) Subscriptions(ctx context.Context, by tenancy.Actor, companyID string, f SubscriptionFilter, p storage.PageRequest) (_ storage.Page[Subscription], err error) {
	const op = "licensing.Subscriptions"
	ctx, uc := s.obs.Start(ctx, op, companyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	storage.Normalize(&f)
	if _, err := s.company(ctx, op, by, tenancy.ActView, companyID); err != nil {
		return storage.Page[Subscription]{}, err
	}
	if err := storage.Validate(ctx, op, s.v, f); err != nil {
		return storage.Page[Subscription]{}, err
	}
	if f.Kind != "" && !f.Kind.Valid() {
		return storage.Page[Subscription]{}, storage.Invalid(op, "kind", "oneof", "must be one of mobile landline")
	}
	var c subscriptionCursor
	if p.After != "" {
		if err := storage.DecodeCursor(op, p.After, &c); err != nil {
			return storage.Page[Subscription]{}, err
		}
	}
	subs, err := s.store.Subscriptions(ctx, companyID, f, c.ID, p.Size()+1)
	if err != nil {
		return storage.Page[Subscription]{}, err
	}
	return pageOf(subs, p.Size(), func(last Subscription) any { return subscriptionCursor{ID: last.ID} }), nil
}

// AddOnPurchase asks for Quantity of the add-on option Code.
type AddOnPurchase struct {
	Code           string `json:"code" validate:"required,text,max=64"`
	Quantity       int    `json:"quantity" validate:"min=1,max=100000"`
	IdempotencyKey string `json:"idempotency_key" validate:"text,max=200"`
	// CostCentreID books the purchase to a cost centre, as LicensePurchase's.
	CostCentreID string `json:"cost_centre_id,omitempty" validate:"text,max=64"`
}

// PurchaseAddOn buys in.Quantity of add-on option in.Code at the agreed
// unit price (agreement item "addon.<code>"). Authorisation, errors (field
// "code" for an unknown option; storage.ErrPrecondition wrapping ErrNoPrice
// for an option the agreement has no price for), credit, idempotency and
// atomicity as PurchaseLicenses.
func (s *Service) PurchaseAddOn(ctx context.Context, by tenancy.Actor, companyID string, in AddOnPurchase) (_ Purchase, err error) {
	const op = "licensing.PurchaseAddOn"
	ctx, uc := s.obs.Start(ctx, op, companyID, "licensing.purchase")
	defer func() { uc.End(err) }()
	storage.Normalize(&in)
	return s.purchase(ctx, by, purchaseSpec{op: op, companyID: companyID, input: in, key: in.IdempotencyKey,
		item: AddOnItem(in.Code), quantity: in.Quantity, priceField: "code", costCentre: in.CostCentreID,
		apply: func(ctx context.Context, p *Purchase) error {
			return s.store.AddAddOn(ctx, companyID, in.Code, in.Quantity)
		}})
}

// AddOns returns companyID's add-on holdings. Authorised: tenancy.ActView.
func (s *Service) AddOns(ctx context.Context, by tenancy.Actor, companyID string) (_ []AddOn, err error) {
	ctx, uc := s.obs.Start(ctx, "licensing.AddOns", companyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	if _, err := s.company(ctx, "licensing.AddOns", by, tenancy.ActView, companyID); err != nil {
		return nil, err
	}
	return s.store.AddOns(ctx, companyID)
}

// SubscriptionPhone is SetSubscriptionPhone's input.
type SubscriptionPhone struct {
	// Phone is the number in E.164 ("+79161234567": + then 7 to 15
	// digits, the first not 0); "" removes it.
	Phone string `json:"phone" validate:"omitempty,text,phone"`
}

// SetSubscriptionPhone gives subscription id of companyID the number
// in.Phone ("" removes the number it has). A number belongs to at most one
// subscription on the whole platform. Authorised: tenancy.ActPurchase.
// Errors: *storage.ValidationError (field "phone") for a number that is not
// E.164; storage.ErrNotFound for an unknown subscription;
// storage.ErrConflict when another subscription, of any company, has the
// number (it is not said which). Setting the number it has changes nothing.
// Atomic and audited "licensing.subscription.phone".
func (s *Service) SetSubscriptionPhone(ctx context.Context, by tenancy.Actor, companyID, id string, in SubscriptionPhone) (_ Subscription, err error) {
	const op = "licensing.SetSubscriptionPhone"
	ctx, uc := s.obs.Start(ctx, op, companyID, "licensing.subscription.phone")
	defer func() { uc.End(err) }()
	storage.Normalize(&in)
	var out Subscription
	err = storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.company(ctx, op, by, tenancy.ActPurchase, companyID); err != nil {
			return err
		}
		if err := storage.Validate(ctx, op, s.v, in); err != nil {
			return err
		}
		sub, err := s.store.Subscription(ctx, companyID, id)
		if err != nil {
			return err
		}
		out = sub
		if sub.Phone == in.Phone {
			return nil
		}
		if err := s.store.SetSubscriptionPhone(ctx, companyID, id, in.Phone); err != nil {
			if errors.Is(err, storage.ErrConflict) {
				// The database's constraint text says nothing a caller
				// should read; the kind and this sentence are the answer.
				return storage.Conflict(op, "the number is taken by another subscription")
			}
			return err
		}
		out.Phone = in.Phone
		return s.record(ctx, by, companyID, "licensing.subscription.phone", "subscription", id, audit.Set("phone", sub.Phone, in.Phone))
	}))
	return out, err
}

// CancelSubscription ends subscription id of companyID: it is removed,
// with its assignment (the user it was given to no longer has it) and its
// number, which another subscription may then take. Nothing is refunded:
// the host posts an adjustment if its agreement says so. Authorised:
// tenancy.ActPurchase. Errors: storage.ErrNotFound for an unknown
// subscription. Atomic and audited "licensing.subscription.cancel", the
// entry keeping the kind, the user and the number it had.
func (s *Service) CancelSubscription(ctx context.Context, by tenancy.Actor, companyID, id string) (err error) {
	const op = "licensing.CancelSubscription"
	ctx, uc := s.obs.Start(ctx, op, companyID, "licensing.subscription.cancel")
	defer func() { uc.End(err) }()
	return storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.company(ctx, op, by, tenancy.ActPurchase, companyID); err != nil {
			return err
		}
		sub, err := s.store.Subscription(ctx, companyID, id)
		if err != nil {
			return err
		}
		if err := s.store.DeleteSubscription(ctx, companyID, id); err != nil {
			return err
		}
		changes := []audit.Change{audit.Set("kind", string(sub.Kind), nil)}
		if sub.UserID != "" {
			changes = append(changes, audit.Set("user_id", sub.UserID, nil))
		}
		if sub.Phone != "" {
			changes = append(changes, audit.Set("phone", sub.Phone, nil))
		}
		return s.record(ctx, by, companyID, "licensing.subscription.cancel", "subscription", id, changes...)
	}))
}

// ReduceAddOn takes quantity of add-on option code out of companyID's
// holding and returns what is left (Quantity 0 once none is held; the
// holding is then gone from AddOns). Authorised: tenancy.ActPurchase.
// Errors: *storage.ValidationError for a bad code or quantity (1–100000);
// storage.ErrNotFound when the company holds none of code;
// storage.ErrConflict when it holds fewer than quantity (a conditional
// update, so concurrent reductions never go below zero). Nothing is
// refunded, as ReduceLicenses. Atomic and audited "licensing.addon.reduce".
func (s *Service) ReduceAddOn(ctx context.Context, by tenancy.Actor, companyID, code string, quantity int) (_ AddOn, err error) {
	const op = "licensing.ReduceAddOn"
	ctx, uc := s.obs.Start(ctx, op, companyID, "licensing.addon.reduce")
	defer func() { uc.End(err) }()
	out := AddOn{CompanyID: companyID, Code: code}
	err = storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.company(ctx, op, by, tenancy.ActPurchase, companyID); err != nil {
			return err
		}
		if !ValidAddOnCode(code) {
			return storage.Invalid(op, "code", "addon_code", "must be 1 to 64 of a-z, 0-9, _ and -, starting with a letter or digit")
		}
		if quantity < 1 || quantity > MaxQuantity {
			return storage.Invalid(op, "quantity", "min", "must be between 1 and 100000")
		}
		if err := s.store.RemoveAddOn(ctx, companyID, code, quantity); err != nil {
			return err
		}
		held, err := s.store.AddOns(ctx, companyID)
		if err != nil {
			return err
		}
		for _, a := range held {
			if a.Code == code {
				out = a
			}
		}
		return s.record(ctx, by, companyID, "licensing.addon.reduce", "addon", companyID+"/"+code,
			audit.Set("quantity", out.Quantity+quantity, out.Quantity))
	}))
	return out, err
}
