package main

import (
	"context"
	"net/http"

	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// Tenancy beyond company administration: finding companies and employees
// with filters, sub-account pages, the caller's memberships (the company
// picker), the tax identity and the platform's token pruning.

// companyFilter reads ?q=, ?status= and ?kind=.
func companyFilter(r *http.Request) tenancy.CompanyFilter {
	q := r.URL.Query()
	return tenancy.CompanyFilter{Query: q.Get("q"), Status: tenancy.CompanyStatus(q.Get("status")), Kind: tenancy.CompanyKind(q.Get("kind"))}
}

// listCompanies is the platform's company list: every company matching
// ?q=, ?status= and ?kind=.
func (s *Server) listCompanies(w http.ResponseWriter, r *http.Request) {
	answerPage(s, w, r, func(ctx context.Context, a tenancy.Actor, p storage.PageRequest) (storage.Page[tenancy.Company], error) {
		return s.people.FindCompanies(ctx, a, companyFilter(r), p)
	})
}

// searchCompanies lists the companies the caller, acting in the path's
// company, may see whose names or numbers contain ?q=; ?status= and ?kind=
// narrow the list.
func (s *Server) searchCompanies(w http.ResponseWriter, r *http.Request) {
	answerPage(s, w, r, func(ctx context.Context, a tenancy.Actor, p storage.PageRequest) (storage.Page[tenancy.Company], error) {
		f := companyFilter(r)
		if f.Status == "" && f.Kind == "" {
			return s.people.SearchCompanies(ctx, a, f.Query, p)
		}
		return s.people.FindCompanies(ctx, a, f, p)
	})
}

// listEmployees lists the company's employees, narrowed by ?role=,
// ?sub_account_id= and ?text= when given.
func (s *Server) listEmployees(w http.ResponseWriter, r *http.Request) {
	answerPage(s, w, r, func(ctx context.Context, a tenancy.Actor, p storage.PageRequest) (storage.Page[tenancy.Employee], error) {
		q := r.URL.Query()
		f := tenancy.EmployeeFilter{Role: tenancy.Role(q.Get("role")), SubAccountID: q.Get("sub_account_id"), Text: q.Get("text")}
		if f.Role == "" && f.SubAccountID == "" && f.Text == "" {
			return s.people.ListEmployees(ctx, a, company(r), p)
		}
		return s.people.FindEmployees(ctx, a, company(r), f, p)
	})
}

// listSubAccounts lists the sub-accounts the caller sees: all of them, or
// one page when ?after= or ?limit= is given.
func (s *Server) listSubAccounts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Has("after") || q.Has("limit") {
		answerPage(s, w, r, func(ctx context.Context, a tenancy.Actor, p storage.PageRequest) (storage.Page[tenancy.SubAccount], error) {
			return s.people.SubAccountsPage(ctx, a, company(r), p)
		})
		return
	}
	answer(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor) (pageOut[tenancy.SubAccount], error) {
		subs, err := s.people.ListSubAccounts(ctx, a, company(r))
		if subs == nil {
			subs = []tenancy.SubAccount{}
		}
		return pageOut[tenancy.SubAccount]{Items: subs}, err
	})
}

type visibleOut struct {
	All bool     `json:"all"` // every sub-account; otherwise those of ids
	IDs []string `json:"ids"`
}

// visibleSubAccounts says which sub-accounts' data the caller may see.
func (s *Server) visibleSubAccounts(w http.ResponseWriter, r *http.Request) {
	answer(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor) (visibleOut, error) {
		all, ids, err := s.people.VisibleSubAccounts(ctx, a, company(r))
		if ids == nil {
			ids = []string{}
		}
		return visibleOut{All: all, IDs: ids}, err
	})
}

func (s *Server) setTaxIdentity(w http.ResponseWriter, r *http.Request) {
	answerBody(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor, in tenancy.TaxIdentity) (tenancy.Company, error) {
		return s.people.SetTaxIdentity(ctx, a, company(r), in)
	})
}

// memberships is the company picker: the companies the session's user
// belongs to, with its role in each. The user has no company yet, so no
// membership to act through: the service, which authenticated the session,
// reads the memberships of that user alone with its own credential (the
// SDK allows the platform; the user id comes from the session, never from
// the request). The platform token has no memberships.
func (s *Server) memberships(w http.ResponseWriter, r *http.Request) {
	p, _ := r.Context().Value(keyPrincipal).(principal)
	if p.platform {
		writeError(w, r, storage.Invalid("server.memberships", "authorization", "session", "the platform token has no memberships"))
		return
	}
	ms, err := s.people.Memberships(r.Context(), tenancy.Platform(platformUser), p.userID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out, _ := items(ms, nil)
	writeJSON(w, http.StatusOK, out)
}

// pruneTokens deletes the expired e-mail change, reset and invitation
// tokens (platform).
func (s *Server) pruneTokens(w http.ResponseWriter, r *http.Request) {
	answer(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor) (countOut, error) {
		n, err := s.people.PruneTokens(ctx, a)
		return countOut{Count: n}, err
	})
}
