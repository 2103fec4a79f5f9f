package main

import (
	"net/http"
	"time"

	"github.com/switchboardkit/switchboard/account/presence"
	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// Licensing: the ledger, the contract and plan changes.

func (s *Server) setContract(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in licensing.Contract) error {
		err := s.credit.SetContract(r.Context(), a, r.PathValue("company"), in)
		if err == nil {
			w.WriteHeader(http.StatusNoContent)
		}
		return err
	})
}

type planIn struct {
	Tier licensing.Tier `json:"tier"`
}

// previewPlan answers whether the plan could change to ?tier= now.
func (s *Server) previewPlan(w http.ResponseWriter, r *http.Request) {
	s.withActor(w, r, func(a tenancy.Actor) error {
		d, err := s.credit.PreviewPlanChange(r.Context(), a, r.PathValue("company"), licensing.Tier(r.URL.Query().Get("tier")))
		if err == nil {
			writeJSON(w, http.StatusOK, d)
		}
		return err
	})
}

// changePlan changes the plan; a refusal is 409 with the decision's reason
// in the problem's detail.
func (s *Server) changePlan(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in planIn) error {
		d, err := s.credit.ChangePlan(r.Context(), a, r.PathValue("company"), in.Tier)
		if err == nil {
			writeJSON(w, http.StatusOK, d)
		}
		return err
	})
}

// Compliance: reading the settings and importing a previous dialer's
// history, idempotent by the request's Idempotency-Key.

func (s *Server) getCallPolicy(w http.ResponseWriter, r *http.Request) {
	s.withActor(w, r, func(a tenancy.Actor) error {
		st, err := s.calls.Settings(r.Context(), a, r.PathValue("company"))
		if err == nil {
			writeJSON(w, http.StatusOK, st)
		}
		return err
	})
}

type historyIn struct {
	Calls []compliance.PastCall `json:"calls"`
}

func (s *Server) importHistory(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in historyIn) error {
		key := idempotencyKey(r)
		if key == "" {
			return storage.Invalid("server.importHistory", "Idempotency-Key", "required", "an import needs an Idempotency-Key header")
		}
		res, err := s.calls.ImportHistory(r.Context(), a, r.PathValue("company"), key, in.Calls)
		if err == nil {
			writeJSON(w, http.StatusOK, res)
		}
		return err
	})
}

// Presence: the status ledger between ?from= and ?to= (RFC 3339).
func (s *Server) statusLedger(w http.ResponseWriter, r *http.Request) {
	s.withActor(w, r, func(a tenancy.Actor) error {
		var from, to time.Time
		for name, dst := range map[string]*time.Time{"from": &from, "to": &to} {
			v := r.URL.Query().Get(name)
			if v == "" {
				return storage.Invalid("server.statusLedger", name, "required", "an RFC 3339 instant is required")
			}
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return storage.Invalid("server.statusLedger", name, "datetime", "must be an RFC 3339 instant")
			}
			*dst = t
		}
		ivs, err := s.operators.Ledger(r.Context(), a, r.PathValue("company"), r.PathValue("user"), from, to)
		if err == nil {
			if ivs == nil {
				ivs = []presence.Interval{}
			}
			writeJSON(w, http.StatusOK, itemsOut[presence.Interval]{Items: ivs})
		}
		return err
	})
}

type reductionIn struct {
	Kind     licensing.LicenseKind `json:"kind"`
	Quantity int                   `json:"quantity"`
}

// reduceLicenses gives unassigned licenses back (nothing is refunded).
func (s *Server) reduceLicenses(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in reductionIn) error {
		p, err := s.credit.ReduceLicenses(r.Context(), a, r.PathValue("company"), in.Kind, in.Quantity)
		if err == nil {
			writeJSON(w, http.StatusOK, p)
		}
		return err
	})
}

// Subscriptions: bought with an Idempotency-Key, listed by ?kind=,
// ?assigned= and ?user=, assigned to and taken from users.

type subscriptionPurchaseIn struct {
	Kind     licensing.SubscriptionKind `json:"kind"`
	Quantity int                        `json:"quantity"`
}

func (s *Server) purchaseSubscriptions(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in subscriptionPurchaseIn) error {
		p, err := s.credit.PurchaseSubscriptions(r.Context(), a, r.PathValue("company"), licensing.SubscriptionPurchase{
			Kind: in.Kind, Quantity: in.Quantity, IdempotencyKey: idempotencyKey(r)})
		if err == nil {
			writeJSON(w, http.StatusCreated, p)
		}
		return err
	})
}

func (s *Server) listSubscriptions(w http.ResponseWriter, r *http.Request) {
	s.withActor(w, r, func(a tenancy.Actor) error {
		pr, err := pageRequest(r)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		f := licensing.SubscriptionFilter{Kind: licensing.SubscriptionKind(q.Get("kind")), UserID: q.Get("user")}
		switch q.Get("assigned") {
		case "":
		case "true", "false":
			b := q.Get("assigned") == "true"
			f.Assigned = &b
		default:
			return storage.Invalid("server.listSubscriptions", "assigned", "boolean", "assigned must be true or false")
		}
		p, err := s.credit.Subscriptions(r.Context(), a, r.PathValue("company"), f, pr)
		if err == nil {
			writePage(w, r, p)
		}
		return err
	})
}

type subscriptionAssignIn struct {
	UserID string `json:"user_id"`
}

func (s *Server) assignSubscription(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in subscriptionAssignIn) error {
		err := s.credit.AssignSubscription(r.Context(), a, r.PathValue("company"), r.PathValue("id"), in.UserID)
		if err == nil {
			w.WriteHeader(http.StatusNoContent)
		}
		return err
	})
}

func (s *Server) unassignSubscription(w http.ResponseWriter, r *http.Request) {
	s.noContent(w, r, func(a tenancy.Actor) error {
		return s.credit.UnassignSubscription(r.Context(), a, r.PathValue("company"), r.PathValue("id"))
	})
}
