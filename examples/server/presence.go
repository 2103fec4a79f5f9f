package main

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/switchboardkit/switchboard/account/presence"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// errNoIfMatch is a versioned write sent without If-Match.
var errNoIfMatch = errors.New("If-Match required")

// etag is the entity tag of a version.
func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// ifMatch is the version the request's If-Match names: the ETag of the
// representation the client last saw.
func ifMatch(r *http.Request) (int64, error) {
	v := strings.TrimSpace(r.Header.Get("If-Match"))
	if v == "" {
		return 0, errNoIfMatch
	}
	n, err := strconv.ParseInt(strings.Trim(v, `"`), 10, 64)
	if err != nil || n < 0 {
		return 0, storage.Invalid("server.ifMatch", "If-Match", "etag", "If-Match must be an ETag this service sent")
	}
	return n, nil
}

// operatorStatus is an operator's current status.
type operatorStatus struct {
	CompanyID   string     `json:"company_id"`
	UserID      string     `json:"user_id"`
	State       string     `json:"state"`
	PauseTypeID string     `json:"pause_type_id,omitempty"`
	Since       time.Time  `json:"since"`
	DueAt       *time.Time `json:"due_at,omitempty"` // when the pause's allocation runs out
	Cause       string     `json:"cause"`
	SetBy       string     `json:"set_by,omitempty"`
	Version     int64      `json:"version"`
}

func writeStatus(w http.ResponseWriter, c *presence.Current) {
	w.Header().Set("ETag", etag(c.Version))
	writeJSON(w, http.StatusOK, operatorStatus{CompanyID: c.CompanyID, UserID: c.UserID, State: string(c.State), PauseTypeID: c.PauseTypeID,
		Since: c.Since, DueAt: c.DueAt, Cause: string(c.Cause), SetBy: c.SetBy, Version: c.Version})
}

func (s *Server) getStatus(w http.ResponseWriter, r *http.Request) {
	s.withActor(w, r, func(a tenancy.Actor) error {
		c, err := s.operators.Status(r.Context(), a, r.PathValue("company"), r.PathValue("user"))
		if err == nil {
			writeStatus(w, c)
		}
		return err
	})
}

type statusIn struct {
	State       presence.State `json:"state"`
	PauseTypeID string         `json:"pause_type_id,omitempty"`
}

// setStatus changes a status; If-Match carries the version the device saw.
func (s *Server) setStatus(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in statusIn) error {
		v, err := ifMatch(r)
		if err != nil {
			return err
		}
		c, err := s.operators.SetStatus(r.Context(), a, r.PathValue("company"), r.PathValue("user"),
			presence.Change{State: in.State, PauseTypeID: in.PauseTypeID, Version: v})
		if err == nil {
			writeStatus(w, c)
		}
		return err
	})
}

func (s *Server) listPauseTypes(w http.ResponseWriter, r *http.Request) {
	s.withActor(w, r, func(a tenancy.Actor) error {
		ts, err := s.operators.PauseTypes(r.Context(), a, r.PathValue("company"), r.URL.Query().Get("archived") == "true")
		if err == nil {
			if ts == nil {
				ts = []*presence.PauseType{}
			}
			writeJSON(w, http.StatusOK, itemsOut[*presence.PauseType]{Items: ts})
		}
		return err
	})
}

func writePauseType(w http.ResponseWriter, status int, p *presence.PauseType) {
	w.Header().Set("ETag", etag(p.Version))
	writeJSON(w, status, p)
}

func (s *Server) createPauseType(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in presence.PauseTypeInput) error {
		p, err := s.operators.CreatePauseType(r.Context(), a, r.PathValue("company"), in)
		if err == nil {
			writePauseType(w, http.StatusCreated, p)
		}
		return err
	})
}

func (s *Server) updatePauseType(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in presence.PauseTypeInput) error {
		v, err := ifMatch(r)
		if err != nil {
			return err
		}
		p, err := s.operators.UpdatePauseType(r.Context(), a, r.PathValue("company"), r.PathValue("id"), v, in)
		if err == nil {
			writePauseType(w, http.StatusOK, p)
		}
		return err
	})
}

func (s *Server) archivePauseType(w http.ResponseWriter, r *http.Request) {
	s.withActor(w, r, func(a tenancy.Actor) error {
		v, err := ifMatch(r)
		if err != nil {
			return err
		}
		p, err := s.operators.ArchivePauseType(r.Context(), a, r.PathValue("company"), r.PathValue("id"), v)
		if err == nil {
			writePauseType(w, http.StatusOK, p)
		}
		return err
	})
}

func (s *Server) getBudget(w http.ResponseWriter, r *http.Request) {
	s.withActor(w, r, func(a tenancy.Actor) error {
		b, err := s.operators.Budget(r.Context(), a, r.PathValue("company"), r.PathValue("user"), r.URL.Query().Get("day"))
		if err == nil {
			writeJSON(w, http.StatusOK, b)
		}
		return err
	})
}

// presenceReport is the time each member (or ?user=) spent online, away
// and offline per local day from ?from= to ?to= (YYYY-MM-DD, the company's
// time zone); durations are in nanoseconds.
func (s *Server) presenceReport(w http.ResponseWriter, r *http.Request) {
	answer(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor) (*presence.Report, error) {
		q := r.URL.Query()
		return s.operators.Report(ctx, a, presence.ReportRequest{CompanyID: company(r), UserID: q.Get("user"), From: q.Get("from"), To: q.Get("to")})
	})
}
