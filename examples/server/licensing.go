package main

import (
	"context"
	"net/http"
	"time"

	"github.com/shopspring/decimal"

	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// Licensing beyond purchases: the billing account, add-ons, service
// packages (the reseller's catalogue and the company's offer), subscription
// phones and keys, license assignments, cost-centre spend.

func (s *Server) billingAccount(w http.ResponseWriter, r *http.Request) {
	answer(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor) (licensing.Account, error) {
		return s.credit.Account(ctx, a, company(r))
	})
}

type balanceOut struct {
	Balance decimal.Decimal `json:"balance"`
}

func (s *Server) ledgerBalance(w http.ResponseWriter, r *http.Request) {
	answer(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor) (balanceOut, error) {
		b, err := s.credit.LedgerBalance(ctx, a, company(r))
		return balanceOut{Balance: b}, err
	})
}

// ledger answers one page of the credit ledger; with ?from= or ?to= (RFC
// 3339) only the entries in [from, to).
func (s *Server) ledger(w http.ResponseWriter, r *http.Request) {
	from, err := queryTime(r, "from", false)
	if err == nil {
		var to time.Time
		if to, err = queryTime(r, "to", false); err == nil {
			answerPage(s, w, r, func(ctx context.Context, a tenancy.Actor, p storage.PageRequest) (storage.Page[licensing.LedgerEntry], error) {
				if from.IsZero() && to.IsZero() {
					return s.credit.Ledger(ctx, a, company(r), p)
				}
				return s.credit.LedgerBetween(ctx, a, company(r), from, to, p)
			})
			return
		}
	}
	writeError(w, r, err)
}

func (s *Server) adjust(w http.ResponseWriter, r *http.Request) { s.money(w, r, s.credit.Adjust) }

func (s *Server) listAssignments(w http.ResponseWriter, r *http.Request) {
	answerPage(s, w, r, func(ctx context.Context, a tenancy.Actor, p storage.PageRequest) (storage.Page[licensing.LicenseAssignment], error) {
		return s.credit.Assignments(ctx, a, company(r), p)
	})
}

// costCentreSpend totals the charges booked to each cost centre in [?from, ?to).
func (s *Server) costCentreSpend(w http.ResponseWriter, r *http.Request) {
	answer(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor) (itemsOut[licensing.CostCentreSpend], error) {
		from, err := queryTime(r, "from", true)
		if err != nil {
			return itemsOut[licensing.CostCentreSpend]{}, err
		}
		to, err := queryTime(r, "to", true)
		if err != nil {
			return itemsOut[licensing.CostCentreSpend]{}, err
		}
		return items(s.credit.CostCentreSpend(ctx, a, company(r), from, to))
	})
}

// Add-ons.

func (s *Server) listAddOns(w http.ResponseWriter, r *http.Request) {
	answer(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor) (itemsOut[licensing.AddOn], error) {
		return items(s.credit.AddOns(ctx, a, company(r)))
	})
}

type addOnPurchaseIn struct {
	Code         string `json:"code"`
	Quantity     int    `json:"quantity"`
	CostCentreID string `json:"cost_centre_id,omitempty"`
}

func (s *Server) purchaseAddOn(w http.ResponseWriter, r *http.Request) {
	answerBody(s, w, r, http.StatusCreated, func(ctx context.Context, a tenancy.Actor, in addOnPurchaseIn) (licensing.Purchase, error) {
		return s.credit.PurchaseAddOn(ctx, a, company(r), licensing.AddOnPurchase{Code: in.Code, Quantity: in.Quantity,
			CostCentreID: in.CostCentreID, IdempotencyKey: idempotencyKey(r)})
	})
}

type addOnReductionIn struct {
	Code     string `json:"code"`
	Quantity int    `json:"quantity"`
}

func (s *Server) reduceAddOn(w http.ResponseWriter, r *http.Request) {
	answerBody(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor, in addOnReductionIn) (licensing.AddOn, error) {
		return s.credit.ReduceAddOn(ctx, a, company(r), in.Code, in.Quantity)
	})
}

// Service packages: a reseller (or the platform) defines them in its
// catalogue; a company chooses which it offers; members are granted them.

func (s *Server) packageChoices(w http.ResponseWriter, r *http.Request) {
	answer(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor) (itemsOut[licensing.PackageChoice], error) {
		return items(s.credit.PackageChoices(ctx, a, company(r)))
	})
}

func (s *Server) definePackage(w http.ResponseWriter, r *http.Request) {
	answerBody(s, w, r, http.StatusCreated, func(ctx context.Context, a tenancy.Actor, in licensing.PackageInput) (licensing.ServicePackage, error) {
		return s.credit.DefinePackage(ctx, a, company(r), in)
	})
}

func (s *Server) updatePackage(w http.ResponseWriter, r *http.Request) {
	answerBody(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor, in licensing.PackageInput) (licensing.ServicePackage, error) {
		return s.credit.UpdatePackage(ctx, a, company(r), r.PathValue("package"), in)
	})
}

func (s *Server) retirePackage(w http.ResponseWriter, r *http.Request) {
	answer(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor) (licensing.ServicePackage, error) {
		return s.credit.RetirePackage(ctx, a, company(r), r.PathValue("package"))
	})
}

type offerIn struct {
	Offered bool `json:"offered"`
	Default bool `json:"default"` // granted to every new member; implies offered
}

func (s *Server) setPackageOffer(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in offerIn) error {
		err := s.credit.SetPackageOffer(r.Context(), a, company(r), r.PathValue("package"), in.Offered, in.Default)
		if err == nil {
			w.WriteHeader(http.StatusNoContent)
		}
		return err
	})
}

func (s *Server) userPackages(w http.ResponseWriter, r *http.Request) {
	answer(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor) (itemsOut[string], error) {
		return items(s.credit.UserPackages(ctx, a, company(r), r.PathValue("user")))
	})
}

func (s *Server) grantPackage(w http.ResponseWriter, r *http.Request) {
	s.noContent(w, r, func(a tenancy.Actor) error {
		return s.credit.GrantPackage(r.Context(), a, company(r), r.PathValue("user"), r.PathValue("package"))
	})
}

func (s *Server) revokePackage(w http.ResponseWriter, r *http.Request) {
	s.noContent(w, r, func(a tenancy.Actor) error {
		return s.credit.RevokePackage(r.Context(), a, company(r), r.PathValue("user"), r.PathValue("package"))
	})
}

// Subscriptions: a phone number each, cancellation, subscriber keys.

func (s *Server) setSubscriptionPhone(w http.ResponseWriter, r *http.Request) {
	answerBody(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor, in licensing.SubscriptionPhone) (licensing.Subscription, error) {
		return s.credit.SetSubscriptionPhone(ctx, a, company(r), r.PathValue("id"), in)
	})
}

func (s *Server) cancelSubscription(w http.ResponseWriter, r *http.Request) {
	s.noContent(w, r, func(a tenancy.Actor) error {
		return s.credit.CancelSubscription(r.Context(), a, company(r), r.PathValue("id"))
	})
}

func (s *Server) listSubscriptionKeys(w http.ResponseWriter, r *http.Request) {
	answer(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor) (itemsOut[licensing.SubscriptionKey], error) {
		return items(s.credit.SubscriptionKeys(ctx, a, company(r)))
	})
}

func (s *Server) addSubscriptionKey(w http.ResponseWriter, r *http.Request) {
	answerBody(s, w, r, http.StatusCreated, func(ctx context.Context, a tenancy.Actor, in licensing.KeyInput) (licensing.SubscriptionKey, error) {
		return s.credit.AddSubscriptionKey(ctx, a, company(r), in)
	})
}

func (s *Server) removeSubscriptionKey(w http.ResponseWriter, r *http.Request) {
	s.noContent(w, r, func(a tenancy.Actor) error {
		return s.credit.RemoveSubscriptionKey(r.Context(), a, company(r), r.PathValue("id"))
	})
}
