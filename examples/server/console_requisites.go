package main

import (
	"errors"
	"net/http"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/storage"
)

// ---- requisites: the company's payment details, and "fill by INN"
//
// The SDK checks every field (INN and KPP check digits, a KPP only beside
// an organisation's INN, the accounts against the BIK) and the page shows
// its field messages next to the fields. "Fill by INN" asks the host's
// registry (Config.Registry) and stores the INN, KPP, legal address, postal
// code and city it returns; without a registry the form says the lookup is
// unavailable.

type requisitesView struct {
	Requisites account.Requisites
	Profile    account.Profile // the fields FillByINN also fills
	FillINN    string
	LegalName  string // the registry's legal name after a lookup (not stored)
	CanEdit    bool
	HasLookup  bool
	Notice     string // after a lookup: what the registry answered
}

func (s *Server) requisitesData(r *http.Request, c *consoleCtx) (requisitesView, error) {
	doc, err := s.settings.Company(r.Context(), c.actor, r.PathValue("company"))
	if err != nil {
		return requisitesView{}, err
	}
	return requisitesView{Requisites: doc.Requisites, Profile: doc.Profile, CanEdit: canEditSettings(c.actor),
		HasLookup: s.registry != nil}, nil
}

func (s *Server) cRequisites(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	v, err := s.requisitesData(r, c)
	if err != nil {
		return err
	}
	return c.render(w, "requisites", v)
}

// cRequisitesSave saves the requisites form, or fills the requisites from
// the registry (section "fill").
func (s *Server) cRequisitesSave(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	v, err := s.requisitesData(r, c) // also: a company the actor may not see is the 404 page
	if err != nil {
		return err
	}
	f, id := r.PostForm, r.PathValue("company")
	switch f.Get("section") {
	case "requisites":
		v.Requisites = account.Requisites{INN: f.Get("inn"), KPP: f.Get("kpp"), BIK: f.Get("bik"),
			CorrespondentAccount: f.Get("correspondent_account"), SettlementAccount: f.Get("settlement_account"), BankName: f.Get("bank_name")}
		if _, err := s.settings.UpdateRequisites(r.Context(), c.actor, id, v.Requisites); err != nil {
			if c.refused(err) {
				return c.render(w, "requisites", v)
			}
			return err
		}
		return c.redirect(w, r, companyPath(id, "requisites"), "saved")
	case "fill":
		v.FillINN = f.Get("fill_inn")
		doc, rec, err := s.settings.FillByINN(r.Context(), c.actor, id, v.FillINN)
		switch {
		case err == nil:
			v.Requisites, v.Profile, v.LegalName, v.FillINN = doc.Requisites, doc.Profile, rec.LegalName, ""
			v.Notice = c.t("requisites.filled")
			return c.render(w, "requisites", v)
		case errors.Is(err, storage.ErrUnavailable):
			c.formError = c.t("requisites.nolookup")
		case errors.Is(err, storage.ErrNotFound): // the company was read above: the registry does not know the INN
			c.fieldErrors = map[string]string{"fill_inn": c.t("requisites.unknown")}
		case c.refused(err):
			// The INN typed is the SDK's "inn"; a refused registry answer is "registry.*".
			if m, ok := c.fieldErrors["inn"]; ok {
				c.fieldErrors["fill_inn"] = m
				delete(c.fieldErrors, "inn")
			}
		default:
			return err
		}
		return c.render(w, "requisites", v)
	}
	return storage.Invalid("console.requisites", "section", "oneof", "unknown form section")
}
