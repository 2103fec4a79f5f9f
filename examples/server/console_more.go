package main

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/storage"
)

// More of the console's pages: the requisites, the audit log and the call
// checker.

// ---- requisites

type requisitesView struct {
	R       account.Requisites
	CanEdit bool
}

func (s *Server) cRequisites(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	doc, err := s.settings.Company(r.Context(), c.actor, r.PathValue("company"))
	if err != nil {
		return err
	}
	return c.render(w, "requisites", requisitesView{R: doc.Requisites, CanEdit: canEditSettings(c.actor)})
}

// cRequisitesSave stores the payment details; the SDK checks the INN, KPP,
// BIK and the accounts' control keys and names each wrong field.
func (s *Server) cRequisitesSave(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	f := r.PostForm
	v := requisitesView{CanEdit: canEditSettings(c.actor), R: account.Requisites{INN: f.Get("inn"), KPP: f.Get("kpp"), BIK: f.Get("bik"),
		CorrespondentAccount: f.Get("correspondent_account"), SettlementAccount: f.Get("settlement_account"), BankName: f.Get("bank_name")}}
	if _, err := s.settings.UpdateRequisites(r.Context(), c.actor, r.PathValue("company"), v.R); err != nil {
		if c.refused(err) {
			return c.render(w, "requisites", v)
		}
		return err
	}
	return c.redirect(w, r, companyPath(r.PathValue("company"), "requisites"), "saved")
}

// ---- audit log

type auditView struct {
	Events []*audit.Event
	Next   string
}

// cAudit lists the company's audit events, newest first, to whom the API
// lets read them (auditScope: owners, administrators, the reseller, the
// platform).
func (s *Server) cAudit(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	scope, company, err := s.auditScope(r, c.actor)
	if err != nil {
		return err
	}
	p, err := s.trail.Query(r.Context(), scope, audit.Filter{CompanyID: company}, storage.PageRequest{Limit: 50, After: r.URL.Query().Get("after")})
	if err != nil {
		return err
	}
	v := auditView{Events: p.Items}
	if p.NextCursor != "" {
		v.Next = companyPath(company, "audit") + "?after=" + p.NextCursor
	}
	return c.render(w, "audit", v)
}

// ---- call checker

type checkView struct {
	Phone, Zone, Key string
	Decision         *compliance.Decision
	Reasons          []string
	// The history import form: its lines, its idempotency key, the result.
	History   string
	ImportKey string
	Imported  *compliance.ImportResult
	LineErrs  []string // the SDK's messages of the rejected calls, by field ("calls[2].phone")
}

func (s *Server) cCheck(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	// Reading the settings authorises the page as the checks will be.
	if _, err := s.calls.Settings(r.Context(), c.actor, r.PathValue("company")); err != nil {
		return err
	}
	return c.render(w, "check", checkView{ImportKey: randomToken()})
}

// cCheckPost asks whether a call to the number may start now: the answer
// and its reasons, as the dialer would get them. Nothing is reserved.
func (s *Server) cCheckPost(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	f := r.PostForm
	if f.Get("action") == "import" {
		return s.cImport(w, r, c)
	}
	v := checkView{Phone: strings.TrimSpace(f.Get("phone")), Zone: strings.TrimSpace(f.Get("zone")), Key: strings.TrimSpace(f.Get("key")),
		ImportKey: randomToken()}
	d, err := s.calls.Check(r.Context(), c.actor, compliance.Call{CompanyID: r.PathValue("company"), Phone: v.Phone, Zone: v.Zone, Key: v.Key})
	if err != nil {
		if c.refused(err) {
			return c.render(w, "check", v)
		}
		return err
	}
	v.Decision = &d
	v.Reasons = d.Reasons.List()
	return c.render(w, "check", v)
}

// cImport brings a previous dialer's calls in, one per line as
// "phone,started at (RFC 3339),outcome[,key]"; the form's hidden key makes
// a resubmitted form one import (ImportHistory's idempotency).
func (s *Server) cImport(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	f := r.PostForm
	v := checkView{History: f.Get("history"), ImportKey: f.Get("import_key")}
	var calls []compliance.PastCall
	n := 0
	for line := range strings.Lines(v.History) {
		n++
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		parts := strings.Split(line, ",")
		if len(parts) < 3 || len(parts) > 4 {
			c.fieldErrors = map[string]string{"history": c.t("err.historyline", n)}
			return c.render(w, "check", v)
		}
		at, err := time.Parse(time.RFC3339, strings.TrimSpace(parts[1]))
		if err != nil {
			c.fieldErrors = map[string]string{"history": c.t("err.historytime", n)}
			return c.render(w, "check", v)
		}
		pc := compliance.PastCall{Phone: strings.TrimSpace(parts[0]), At: at, Outcome: compliance.Outcome(strings.TrimSpace(parts[2]))}
		if len(parts) == 4 {
			pc.Key = strings.TrimSpace(parts[3])
		}
		calls = append(calls, pc)
	}
	res, err := s.calls.ImportHistory(r.Context(), c.actor, r.PathValue("company"), v.ImportKey, calls)
	if err != nil {
		var ve *storage.ValidationError
		if errors.As(err, &ve) {
			for _, fe := range ve.Fields {
				v.LineErrs = append(v.LineErrs, fe.Field+": "+fe.Message)
			}
		}
		if c.refused(err) {
			return c.render(w, "check", v)
		}
		return err
	}
	v.Imported, v.History, v.ImportKey = &res, "", randomToken()
	return c.render(w, "check", v)
}
