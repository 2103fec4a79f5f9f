package main

import (
	"net/http"
	"slices"
	"strings"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// ---- SMS: the available system SMS types, the zones' policies, and the
// per-user check
//
// A zone is closed, open to every member, or to the selected members (the
// SDK keeps only members, sorted, and clears the list for the other modes).
// The check form asks the SDK whether one member may send one type of
// system SMS to one zone (account MaySendSystemSMS), the same answer the
// host's SMS sender gets.

type smsView struct {
	Policy    account.SMSPolicy
	Types     []account.SMSType
	HasType   map[account.SMSType]bool
	Employees []tenancy.Employee
	Who       map[string]string
	CanEdit   bool
	// the zone form
	Zone     string
	Access   string
	Accesses []string
	Selected map[string]bool
	// the check form and its answer
	CheckUser, CheckType, CheckZone string
	Checked, May                    bool
}

func (s *Server) smsData(r *http.Request, c *consoleCtx) (smsView, error) {
	id := r.PathValue("company")
	doc, err := s.settings.Company(r.Context(), c.actor, id)
	if err != nil {
		return smsView{}, err
	}
	emps, err := s.people.ListEmployees(r.Context(), c.actor, id, storage.PageRequest{Limit: 500})
	if err != nil {
		return smsView{}, err
	}
	v := smsView{Policy: doc.SMS, Types: []account.SMSType{account.SMSSurvey, account.SMSResponseGroup}, HasType: map[account.SMSType]bool{},
		Employees: emps.Items, Who: map[string]string{}, CanEdit: canEditSettings(c.actor), Access: string(account.ZoneAll), Selected: map[string]bool{},
		Accesses: []string{string(account.ZoneClosed), string(account.ZoneAll), string(account.ZoneSelected)}}
	for _, t := range doc.SMS.Types {
		v.HasType[t] = true
	}
	for _, e := range emps.Items {
		v.Who[e.UserID] = e.FirstName + " " + e.LastName + " <" + e.Email + ">"
	}
	return v, nil
}

// cSMS shows the page; ?check= runs the permission check (a read: a GET).
func (s *Server) cSMS(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	v, err := s.smsData(r, c)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if q.Has("check") {
		v.CheckUser, v.CheckType, v.CheckZone = q.Get("user"), q.Get("type"), strings.TrimSpace(q.Get("zone"))
		may, err := s.settings.MaySendSystemSMS(r.Context(), c.actor, r.PathValue("company"), v.CheckUser, account.SMSType(v.CheckType), v.CheckZone)
		switch {
		case err == nil:
			v.Checked, v.May = true, may
		case !c.refused(err):
			return err
		}
	}
	return c.render(w, "sms", v)
}

func (s *Server) cSMSSave(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	f, id := r.PostForm, r.PathValue("company")
	var err error
	switch f.Get("section") {
	case "types":
		var types []account.SMSType
		for _, t := range f["type"] {
			types = append(types, account.SMSType(t))
		}
		_, err = s.settings.SetSMSTypes(r.Context(), c.actor, id, types)
	case "zone":
		z := account.SMSZone{Zone: strings.TrimSpace(f.Get("zone")), Access: account.ZoneAccess(f.Get("access"))}
		if z.Access == account.ZoneSelected {
			z.Users = f["user"]
		}
		_, err = s.settings.SetSMSZone(r.Context(), c.actor, id, z)
	default:
		return storage.Invalid("console.sms", "section", "oneof", "unknown form section")
	}
	if err == nil {
		return c.redirect(w, r, companyPath(id, "sms"), "saved")
	}
	if !c.refused(err) {
		return err
	}
	v, lerr := s.smsData(r, c)
	if lerr != nil {
		return lerr
	}
	if f.Get("section") == "zone" {
		v.Zone, v.Access = f.Get("zone"), f.Get("access")
		for _, u := range f["user"] {
			v.Selected[u] = true
		}
		for k, m := range c.fieldErrors { // "users[0]" and the like: one message next to the list
			if strings.HasPrefix(k, "users") && k != "users" {
				c.fieldErrors["users"] = m
			}
		}
	} else {
		v.HasType = map[account.SMSType]bool{}
		for _, t := range f["type"] {
			if slices.Contains(v.Types, account.SMSType(t)) {
				v.HasType[account.SMSType(t)] = true
			}
		}
	}
	return c.render(w, "sms", v)
}
