package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// ---- the audit log: filters and the event view
//
// The log is read exactly as the API's /audit routes read it (auditScope:
// owners and administrators their company, a reseller its affiliates, the
// platform all; managers and operators are refused). The filters are the
// SDK's: the acting user, the action, the resource (entity type and ID) and
// a time range [from, to) entered in UTC. The event view shows every
// changed field's before and after JSON and the metadata; html/template
// escapes them, so a value holding markup is shown as text.

// consoleTimeLayout is the datetime-local input's format (UTC on the page).
const consoleTimeLayout = "2006-01-02T15:04"

type auditFilterView struct {
	Actor, Action, EntityType, EntityID, From, To string
}

type auditView struct {
	Filter    auditFilterView
	Events    []*audit.Event
	Next      string
	Employees []tenancy.Employee
	Who       map[string]string
}

// parseUTC reads a datetime-local value as UTC; "" is the zero time.
func parseUTC(v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, true
	}
	t, err := time.ParseInLocation(consoleTimeLayout, v, time.UTC)
	if err != nil {
		if t, err = time.Parse(time.RFC3339, v); err != nil {
			return time.Time{}, false
		}
	}
	return t.UTC(), true
}

func (s *Server) cAudit(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	scope, company, err := s.auditScope(r, c.actor)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	fv := auditFilterView{Actor: q.Get("actor"), Action: strings.TrimSpace(q.Get("action")), EntityType: strings.TrimSpace(q.Get("entity_type")),
		EntityID: strings.TrimSpace(q.Get("entity_id")), From: q.Get("from"), To: q.Get("to")}
	v := auditView{Filter: fv, Who: map[string]string{}}
	if emps, err := s.people.ListEmployees(r.Context(), c.actor, company, storage.PageRequest{Limit: 500}); err == nil {
		v.Employees = emps.Items
		for _, e := range emps.Items {
			v.Who[e.UserID] = e.FirstName + " " + e.LastName + " <" + e.Email + ">"
		}
	}
	from, ok1 := parseUTC(fv.From)
	to, ok2 := parseUTC(fv.To)
	if !ok1 || !ok2 {
		c.fieldErrors = map[string]string{}
		if !ok1 {
			c.fieldErrors["from"] = c.t("err.time")
		}
		if !ok2 {
			c.fieldErrors["to"] = c.t("err.time")
		}
		return c.render(w, "audit", v)
	}
	f := audit.Filter{CompanyID: company, ActorID: fv.Actor, Action: fv.Action, EntityType: fv.EntityType, EntityID: fv.EntityID, From: from, To: to}
	p, err := s.trail.Query(r.Context(), scope, f, storage.PageRequest{Limit: 50, After: q.Get("after")})
	if err != nil {
		if c.refused(err) {
			return c.render(w, "audit", v)
		}
		return err
	}
	v.Events = p.Items
	if p.NextCursor != "" {
		next := url.Values{}
		for k, val := range map[string]string{"actor": fv.Actor, "action": fv.Action, "entity_type": fv.EntityType,
			"entity_id": fv.EntityID, "from": fv.From, "to": fv.To} {
			if val != "" {
				next.Set(k, val)
			}
		}
		next.Set("after", p.NextCursor)
		v.Next = companyPath(company, "audit") + "?" + next.Encode()
	}
	return c.render(w, "audit", v)
}

type metaLine struct{ Key, Value string }

// changeView is one changed field, its values as JSON text written without
// the HTML escapes encoding/json adds (the template escapes them itself).
type changeView struct {
	Field, Before, After string
	Redacted             bool
}

// jsonText rewrites raw JSON for reading: "" for none.
func jsonText(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return string(raw)
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return string(raw)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

type auditEventView struct {
	Event   *audit.Event
	Changes []changeView
	Who     string
	Meta    []metaLine
	Back    string
}

// cAuditEvent shows one event. An event of another company than the path's
// is not found, as one outside the actor's scope.
func (s *Server) cAuditEvent(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	scope, company, err := s.auditScope(r, c.actor)
	if err != nil {
		return err
	}
	ev, err := s.trail.Get(r.Context(), scope, r.PathValue("event"))
	if err != nil {
		return err
	}
	if ev.CompanyID != company {
		return storage.NotFound("console.audit", "event", r.PathValue("event"))
	}
	v := auditEventView{Event: ev, Who: ev.Actor.UserID, Back: companyPath(company, "audit")}
	if e, ok := s.findEmployee(r, c, company, ev.Actor.UserID); ok {
		v.Who = e.FirstName + " " + e.LastName + " <" + e.Email + ">"
	}
	for _, ch := range ev.Changes {
		v.Changes = append(v.Changes, changeView{Field: ch.Field, Before: jsonText(ch.Before), After: jsonText(ch.After), Redacted: ch.Redacted})
	}
	for k, val := range ev.Metadata {
		v.Meta = append(v.Meta, metaLine{k, val})
	}
	sort.Slice(v.Meta, func(i, j int) bool { return v.Meta[i].Key < v.Meta[j].Key })
	return c.render(w, "audit-event", v)
}
