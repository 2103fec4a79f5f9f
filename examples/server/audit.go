package main

import (
	"context"
	"strconv"

	"encoding/hex"
	"golang.org/x/mod/sumdb/tlog"
	"net/http"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// auditScope is what the actor may read of the path's company's trail:
// owners and administrators their company, a reseller its affiliates, the
// platform all; managers and operators nothing (forbidden: they are members).
func (s *Server) auditScope(r *http.Request, a tenancy.Actor) (audit.Scope, string, error) {
	company := r.PathValue("company")
	scope, err := s.people.AuditScope(r.Context(), a)
	if err != nil {
		return audit.Scope{}, "", err
	}
	if !scope.Allows(company) {
		return audit.Scope{}, "", storage.Forbidden("server.audit", "user %s (%s) may not read the audit trail of company %s", a.UserID, a.Role, company)
	}
	return scope, company, nil
}

func (s *Server) auditEvents(w http.ResponseWriter, r *http.Request) {
	s.withActor(w, r, func(a tenancy.Actor) error {
		scope, company, err := s.auditScope(r, a)
		if err != nil {
			return err
		}
		pr, err := pageRequest(r)
		if err != nil {
			return err
		}
		p, err := s.trail.Query(r.Context(), scope, audit.Filter{CompanyID: company}, pr)
		if err == nil {
			writePage(w, r, p)
		}
		return err
	})
}

// auditExport streams the company's trail as JSON Lines, newest first.
func (s *Server) auditExport(w http.ResponseWriter, r *http.Request) {
	s.withActor(w, r, func(a tenancy.Actor) error {
		scope, company, err := s.auditScope(r, a)
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/x-ndjson")
		// Once the first line is out the status is sent; a later failure
		// can only cut the stream short, and is logged.
		if _, err := s.trail.ExportJSONL(r.Context(), scope, audit.Filter{CompanyID: company}, w); err != nil {
			logFailure(r, err)
		}
		return nil
	})
}

type checkpointOut struct {
	Checkpoint string `json:"checkpoint"` // the signed note; "" while the log is empty
}

func (s *Server) auditCheckpoint(w http.ResponseWriter, r *http.Request) {
	s.withActor(w, r, func(a tenancy.Actor) error {
		scope, company, err := s.auditScope(r, a)
		if err != nil {
			return err
		}
		cp, err := s.trail.Checkpoint(r.Context(), scope, company)
		if err == nil {
			writeJSON(w, http.StatusOK, checkpointOut{Checkpoint: string(cp)})
		}
		return err
	})
}

type verifyIn struct {
	// Checkpoint is a signed checkpoint a witness kept; "" verifies the log
	// against its own head.
	Checkpoint string `json:"checkpoint"`
}

type verificationOut struct {
	CompanyID string `json:"company_id"`
	OK        bool   `json:"ok"`
	Checked   int64  `json:"checked"`
	Size      int64  `json:"size"`
	Root      string `json:"root"` // hex
	BrokenSeq int64  `json:"broken_seq,omitempty"`
	EventID   string `json:"event_id,omitempty"`
	Reason    string `json:"reason,omitempty"`
}

func (s *Server) auditVerify(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in verifyIn) error {
		scope, company, err := s.auditScope(r, a)
		if err != nil {
			return err
		}
		var v audit.Verification
		switch {
		case in.Checkpoint == "":
			v, err = s.trail.Verify(r.Context(), scope, company)
		case s.verifier == nil:
			return storage.Precondition("server.auditVerify", "the service has no checkpoint verifier configured")
		default:
			v, err = s.trail.VerifyAgainst(r.Context(), scope, []byte(in.Checkpoint), s.verifier)
		}
		if err != nil {
			return err
		}
		if v.CompanyID != company {
			return storage.Invalid("server.auditVerify", "checkpoint", "company", "the checkpoint is of another company's log")
		}
		writeJSON(w, http.StatusOK, verificationOut{CompanyID: v.CompanyID, OK: v.OK, Checked: v.Checked, Size: v.Size,
			Root: hex.EncodeToString(v.Root[:]), BrokenSeq: v.BrokenSeq, EventID: v.EventID, Reason: v.Reason})
		return nil
	})
}

// auditRead fetches what fn reads of the audit trail within the caller's
// scope and answers it only when it belongs to the path's company: an
// event of another company is not found here.
func auditRead[T any](s *Server, w http.ResponseWriter, r *http.Request, fn func(ctx context.Context, scope audit.Scope, company string) (T, string, error)) {
	answer(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor) (T, error) {
		var zero T
		scope, company, err := s.auditScope(r, a)
		if err != nil {
			return zero, err
		}
		v, of, err := fn(ctx, scope, company)
		if err == nil && of != company {
			return zero, storage.NotFound("server.audit", "event", r.PathValue("id"))
		}
		return v, err
	})
}

func (s *Server) auditEvent(w http.ResponseWriter, r *http.Request) {
	auditRead(s, w, r, func(ctx context.Context, scope audit.Scope, _ string) (*audit.Event, string, error) {
		e, err := s.trail.Get(ctx, scope, r.PathValue("id"))
		if err != nil {
			return nil, "", err
		}
		return e, e.CompanyID, nil
	})
}

// auditProof is the event's inclusion proof in its company's log (the event
// must be sealed).
func (s *Server) auditProof(w http.ResponseWriter, r *http.Request) {
	auditRead(s, w, r, func(ctx context.Context, scope audit.Scope, _ string) (audit.InclusionProof, string, error) {
		p, err := s.trail.Prove(ctx, scope, r.PathValue("id"))
		return p, p.CompanyID, err
	})
}

type consistencyOut struct {
	CompanyID string      `json:"company_id"`
	OldSize   int64       `json:"old_size"`
	NewSize   int64       `json:"new_size"`
	Proof     []tlog.Hash `json:"proof"`
}

// auditConsistency proves the log of ?new= entries extends the one of ?old=.
func (s *Server) auditConsistency(w http.ResponseWriter, r *http.Request) {
	auditRead(s, w, r, func(ctx context.Context, scope audit.Scope, company string) (consistencyOut, string, error) {
		var sizes [2]int64
		for i, name := range []string{"old", "new"} {
			n, err := strconv.ParseInt(r.URL.Query().Get(name), 10, 64)
			if err != nil || n < 0 {
				return consistencyOut{}, "", storage.Invalid("server.auditConsistency", name, "min", "a tree size (a non-negative integer) is required")
			}
			sizes[i] = n
		}
		p, err := s.trail.ProveConsistency(ctx, scope, company, sizes[0], sizes[1])
		if p == nil {
			p = tlog.TreeProof{}
		}
		return consistencyOut{CompanyID: company, OldSize: sizes[0], NewSize: sizes[1], Proof: p}, company, err
	})
}
