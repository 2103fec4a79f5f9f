package main

import (
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// More of the console's pages: subscriptions and add-ons, AI features,
// system SMS, the organisational structure.

// ---- subscriptions

type subscriptionRow struct {
	licensing.Subscription
	Who string
}

type subscriptionsView struct {
	Rows      []subscriptionRow
	AddOns    []licensing.AddOn
	Kinds     []licensing.SubscriptionKind
	Employees []tenancy.Employee
	Key       string
	Quantity  string
	CanBuy    bool
	Next      string
}

func (s *Server) subscriptionsData(r *http.Request, c *consoleCtx) (subscriptionsView, error) {
	id := r.PathValue("company")
	p, err := s.credit.Subscriptions(r.Context(), c.actor, id, licensing.SubscriptionFilter{}, storage.PageRequest{Limit: 100, After: r.URL.Query().Get("after")})
	if err != nil {
		return subscriptionsView{}, err
	}
	emps, err := s.people.ListEmployees(r.Context(), c.actor, id, storage.PageRequest{Limit: 500})
	if err != nil {
		return subscriptionsView{}, err
	}
	addOns, err := s.credit.AddOns(r.Context(), c.actor, id)
	if err != nil {
		return subscriptionsView{}, err
	}
	who := map[string]string{}
	for _, e := range emps.Items {
		who[e.UserID] = e.FirstName + " " + e.LastName + " <" + e.Email + ">"
	}
	v := subscriptionsView{AddOns: addOns, Kinds: []licensing.SubscriptionKind{licensing.SubscriptionMobile, licensing.SubscriptionLandline},
		Employees: emps.Items, Key: randomToken(), Quantity: "1", CanBuy: canEditSettings(c.actor)}
	for _, sub := range p.Items {
		v.Rows = append(v.Rows, subscriptionRow{Subscription: sub, Who: who[sub.UserID]})
	}
	if p.NextCursor != "" {
		v.Next = companyPath(id, "subscriptions") + "?after=" + p.NextCursor
	}
	return v, nil
}

func (s *Server) cSubscriptions(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	v, err := s.subscriptionsData(r, c)
	if err != nil {
		return err
	}
	return c.render(w, "subscriptions", v)
}

// cSubscriptionsPost buys subscriptions or an add-on (the hidden key makes
// a double submit one purchase), or assigns or takes a subscription back.
func (s *Server) cSubscriptionsPost(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	f := r.PostForm
	id := r.PathValue("company")
	var err error
	flash := ""
	switch f.Get("action") {
	case "buy":
		n, convErr := strconv.Atoi(strings.TrimSpace(f.Get("quantity")))
		if convErr != nil {
			err = storage.Invalid("console.subscriptions", "quantity", "number", c.t("err.number"))
			break
		}
		_, err = s.credit.PurchaseSubscriptions(r.Context(), c.actor, id, licensing.SubscriptionPurchase{
			Kind: licensing.SubscriptionKind(f.Get("kind")), Quantity: n, IdempotencyKey: f.Get("key")})
		flash = "subsbought"
	case "addon":
		n, convErr := strconv.Atoi(strings.TrimSpace(f.Get("addon_quantity")))
		if convErr != nil {
			err = storage.Invalid("console.subscriptions", "addon_quantity", "number", c.t("err.number"))
			break
		}
		_, err = s.credit.PurchaseAddOn(r.Context(), c.actor, id, licensing.AddOnPurchase{Code: f.Get("code"), Quantity: n, IdempotencyKey: f.Get("key")})
		flash = "addon"
	case "assign":
		err = s.credit.AssignSubscription(r.Context(), c.actor, id, f.Get("subscription"), f.Get("user"))
		flash = "subsassigned"
	case "unassign":
		err = s.credit.UnassignSubscription(r.Context(), c.actor, id, f.Get("subscription"))
		flash = "subsunassigned"
	default:
		err = storage.Invalid("console.subscriptions", "action", "oneof", "unknown action")
	}
	if err != nil {
		if !c.refused(err) {
			return err
		}
		v, lerr := s.subscriptionsData(r, c)
		if lerr != nil {
			return lerr
		}
		v.Quantity = f.Get("quantity")
		return c.render(w, "subscriptions", v)
	}
	return c.redirect(w, r, companyPath(id, "subscriptions"), flash)
}

// ---- AI features

// consoleConsentVersion names the consent text the AI page shows (the
// "ai.consent" message): a consent is recorded against this version.
const consoleConsentVersion = "console-ai-outside-eu-1"

type aiRow struct {
	Feature   account.AIFeature
	OutsideEU bool
	Enabled   bool
	Consent   *account.ConsentRecord
}

type aiView struct {
	Rows    []aiRow
	CanEdit bool
	Failed  account.AIFeature // the feature a refused form was for: its message shows in its row
}

func (s *Server) aiData(r *http.Request, c *consoleCtx) (aiView, error) {
	doc, err := s.settings.Company(r.Context(), c.actor, r.PathValue("company"))
	if err != nil {
		return aiView{}, err
	}
	v := aiView{CanEdit: canEditSettings(c.actor)}
	for _, f := range s.settings.AIFeatures() {
		row := aiRow{Feature: f.Feature, OutsideEU: f.OutsideEU}
		if i := slices.IndexFunc(doc.AI, func(st account.AIState) bool { return st.Feature == f.Feature }); i >= 0 {
			row.Enabled, row.Consent = doc.AI[i].Enabled, doc.AI[i].Consent
		}
		v.Rows = append(v.Rows, row)
	}
	return v, nil
}

func (s *Server) cAI(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	v, err := s.aiData(r, c)
	if err != nil {
		return err
	}
	return c.render(w, "ai", v)
}

// cAISet switches one feature; a feature processed outside the EU is
// enabled only with the consent box ticked (the SDK refuses it otherwise).
func (s *Server) cAISet(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	f := r.PostForm
	var consent *account.Consent
	if f.Get("consent") == "on" {
		consent = &account.Consent{TextVersion: consoleConsentVersion}
	}
	_, err := s.settings.SetAIFeature(r.Context(), c.actor, r.PathValue("company"), account.AIFeature(f.Get("feature")), f.Get("enabled") == "true", consent)
	if err != nil {
		if !c.refused(err) {
			return err
		}
		v, derr := s.aiData(r, c)
		if derr != nil {
			return derr
		}
		v.Failed = account.AIFeature(f.Get("feature"))
		return c.render(w, "ai", v)
	}
	return c.redirect(w, r, companyPath(r.PathValue("company"), "ai"), "saved")
}

// ---- system SMS

type smsView struct {
	Policy    account.SMSPolicy
	Types     []account.SMSType
	Employees []tenancy.Employee
	CanEdit   bool
	Zone      account.SMSZone // the zone form's values
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
	return smsView{Policy: doc.SMS, Types: []account.SMSType{account.SMSSurvey, account.SMSResponseGroup}, Employees: emps.Items,
		CanEdit: canEditSettings(c.actor), Zone: account.SMSZone{Access: account.ZoneClosed}}, nil
}

func (s *Server) cSMS(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	v, err := s.smsData(r, c)
	if err != nil {
		return err
	}
	return c.render(w, "sms", v)
}

// cSMSSave sets the available system SMS types, or one zone's access.
func (s *Server) cSMSSave(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	v, err := s.smsData(r, c)
	if err != nil {
		return err
	}
	f := r.PostForm
	id := r.PathValue("company")
	switch f.Get("section") {
	case "types":
		var types []account.SMSType
		for _, t := range f["types"] {
			types = append(types, account.SMSType(t))
		}
		_, err = s.settings.SetSMSTypes(r.Context(), c.actor, id, types)
	case "zone":
		v.Zone = account.SMSZone{Zone: strings.TrimSpace(f.Get("zone")), Access: account.ZoneAccess(f.Get("access")), Users: f["users"]}
		_, err = s.settings.SetSMSZone(r.Context(), c.actor, id, v.Zone)
	default:
		return storage.Invalid("console.sms", "section", "oneof", "unknown form section")
	}
	if err != nil {
		if c.refused(err) {
			return c.render(w, "sms", v)
		}
		return err
	}
	return c.redirect(w, r, companyPath(id, "sms"), "saved")
}

// inList is the template function in: whether v is an element of the
// slice list (compared as text, so an account.SMSType matches its string).
func inList(list, v any) bool {
	l := reflect.ValueOf(list)
	if l.Kind() != reflect.Slice {
		return false
	}
	want := fmt.Sprint(v)
	for i := range l.Len() {
		if fmt.Sprint(l.Index(i).Interface()) == want {
			return true
		}
	}
	return false
}

// ---- organisational structure

type orgView struct {
	Categories []account.Category
	Employees  []tenancy.Employee
	CanEdit    bool
	Name       string // the new category form's values
	Options    string
}

func (s *Server) orgData(r *http.Request, c *consoleCtx) (orgView, error) {
	id := r.PathValue("company")
	cats, err := s.settings.Categories(r.Context(), c.actor, id)
	if err != nil {
		return orgView{}, err
	}
	emps, err := s.people.ListEmployees(r.Context(), c.actor, id, storage.PageRequest{Limit: 500})
	if err != nil {
		return orgView{}, err
	}
	return orgView{Categories: cats, Employees: emps.Items, CanEdit: canEditSettings(c.actor)}, nil
}

func (s *Server) cOrg(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	v, err := s.orgData(r, c)
	if err != nil {
		return err
	}
	return c.render(w, "org", v)
}

// cOrgPost creates a category with its options (one per line), adds an
// option to a category, or gives an option to users.
func (s *Server) cOrgPost(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	f := r.PostForm
	id := r.PathValue("company")
	var err error
	switch f.Get("action") {
	case "category":
		var opts []string
		for line := range strings.Lines(f.Get("options")) {
			if o := strings.TrimSpace(line); o != "" {
				opts = append(opts, o)
			}
		}
		_, err = s.settings.CreateCategory(r.Context(), c.actor, id, f.Get("name"), opts)
	case "option":
		_, err = s.settings.AddOption(r.Context(), c.actor, id, f.Get("category"), f.Get("option"))
	case "assign":
		err = s.settings.AssignOption(r.Context(), c.actor, id, f.Get("option"), f["users"])
	default:
		return storage.Invalid("console.org", "action", "oneof", "unknown action")
	}
	if err != nil {
		if !c.refused(err) {
			return err
		}
		v, oerr := s.orgData(r, c)
		if oerr != nil {
			return oerr
		}
		v.Name, v.Options = f.Get("name"), f.Get("options")
		return c.render(w, "org", v)
	}
	return c.redirect(w, r, companyPath(id, "org"), "saved")
}
