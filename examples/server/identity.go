package main

import (
	"net/http"

	"github.com/switchboardkit/switchboard/tenancy"
)

// Company administration and identity: thin handlers over tenancy.

type displayNameIn struct {
	DisplayName string `json:"display_name"`
}

func (s *Server) setDisplayName(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in displayNameIn) error {
		c, err := s.people.SetDisplayName(r.Context(), a, r.PathValue("company"), in.DisplayName)
		if err == nil {
			writeJSON(w, http.StatusOK, c)
		}
		return err
	})
}

type companyStatusIn struct {
	Status tenancy.CompanyStatus `json:"status"`
}

func (s *Server) setCompanyStatus(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in companyStatusIn) error {
		c, err := s.people.SetStatus(r.Context(), a, r.PathValue("company"), in.Status)
		if err == nil {
			writeJSON(w, http.StatusOK, c)
		}
		return err
	})
}

type addMemberIn struct {
	Email        string       `json:"email"`
	Role         tenancy.Role `json:"role"`
	SubAccountID string       `json:"sub_account_id,omitempty"`
}

// addMember makes an existing user a member; it keeps its password.
func (s *Server) addMember(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in addMemberIn) error {
		e, err := s.people.AddMember(r.Context(), a, r.PathValue("company"), in.Email,
			tenancy.MemberChange{Role: in.Role, SubAccountID: in.SubAccountID})
		if err == nil {
			writeJSON(w, http.StatusCreated, e)
		}
		return err
	})
}

func (s *Server) renameSubAccount(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in subAccountIn) error {
		sub, err := s.people.RenameSubAccount(r.Context(), a, r.PathValue("company"), r.PathValue("id"), in.Name)
		if err == nil {
			writeJSON(w, http.StatusOK, sub)
		}
		return err
	})
}

func (s *Server) renameUser(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in tenancy.PersonName) error {
		u, err := s.people.RenameUser(r.Context(), a, r.PathValue("company"), r.PathValue("user"), in)
		if err == nil {
			writeJSON(w, http.StatusOK, u)
		}
		return err
	})
}

func (s *Server) setPhone(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in tenancy.PhoneInput) error {
		u, err := s.people.SetPhone(r.Context(), a, r.PathValue("company"), r.PathValue("user"), in)
		if err == nil {
			writeJSON(w, http.StatusOK, u)
		}
		return err
	})
}

// requestEmailChange starts an e-mail change: the token goes to the new
// address, a notice to the old one.
func (s *Server) requestEmailChange(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in tenancy.EmailChangeInput) error {
		p, err := s.people.RequestEmailChange(r.Context(), a, r.PathValue("company"), r.PathValue("user"), in)
		if err == nil {
			writeJSON(w, http.StatusAccepted, p)
		}
		return err
	})
}

type tokenIn struct {
	Token string `json:"token"`
}

// confirmEmailChange is anonymous: the token is the proof.
func (s *Server) confirmEmailChange(w http.ResponseWriter, r *http.Request) {
	if !s.logins.allow("confirm-ip:" + clientIP(r)) {
		writeError(w, r, errRateLimited)
		return
	}
	in, err := decode[tokenIn](w, r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	u, err := s.people.ConfirmEmailChange(r.Context(), in.Token)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

// Platform operations on a company: legal identity, kind, reseller, owner.

func (s *Server) setLegalIdentity(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in tenancy.LegalIdentity) error {
		c, err := s.people.SetLegalIdentity(r.Context(), a, r.PathValue("company"), in)
		if err == nil {
			writeJSON(w, http.StatusOK, c)
		}
		return err
	})
}

type kindIn struct {
	Kind tenancy.CompanyKind `json:"kind"`
	Slug string              `json:"slug,omitempty"` // a reseller's registration slug
}

func (s *Server) setKind(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in kindIn) error {
		c, err := s.people.SetKind(r.Context(), a, r.PathValue("company"), in.Kind, in.Slug)
		if err == nil {
			writeJSON(w, http.StatusOK, c)
		}
		return err
	})
}

type resellerIn struct {
	ResellerID string `json:"reseller_id"` // "" detaches the company
}

func (s *Server) setReseller(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in resellerIn) error {
		c, err := s.people.SetReseller(r.Context(), a, r.PathValue("company"), in.ResellerID)
		if err == nil {
			writeJSON(w, http.StatusOK, c)
		}
		return err
	})
}

type ownerIn struct {
	UserID string `json:"user_id"`
}

func (s *Server) changeOwner(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in ownerIn) error {
		c, err := s.people.ChangeOwner(r.Context(), a, r.PathValue("company"), in.UserID)
		if err == nil {
			writeJSON(w, http.StatusOK, c)
		}
		return err
	})
}
