package main

import (
	"net/http"

	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// Licensing: the ledger, the contract and plan changes.

func (s *Server) ledger(w http.ResponseWriter, r *http.Request) {
	s.withActor(w, r, func(a tenancy.Actor) error {
		pr, err := pageRequest(r)
		if err != nil {
			return err
		}
		p, err := s.credit.Ledger(r.Context(), a, r.PathValue("company"), pr)
		if err == nil {
			writePage(w, r, p)
		}
		return err
	})
}

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
