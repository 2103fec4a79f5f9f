package main

import (
	"net/http"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/tenancy"
)

func (s *Server) getSettings(w http.ResponseWriter, r *http.Request) {
	s.withActor(w, r, func(a tenancy.Actor) error {
		c, err := s.settings.Company(r.Context(), a, r.PathValue("company"))
		if err == nil {
			writeJSON(w, http.StatusOK, c)
		}
		return err
	})
}

func (s *Server) setLocale(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in account.Locale) error {
		c, err := s.settings.SetLocale(r.Context(), a, r.PathValue("company"), in)
		if err == nil {
			writeJSON(w, http.StatusOK, c)
		}
		return err
	})
}

func (s *Server) effectiveSettings(w http.ResponseWriter, r *http.Request) {
	s.withActor(w, r, func(a tenancy.Actor) error {
		e, err := s.settings.Effective(r.Context(), a, r.PathValue("company"), r.PathValue("user"))
		if err == nil {
			writeJSON(w, http.StatusOK, e)
		}
		return err
	})
}
