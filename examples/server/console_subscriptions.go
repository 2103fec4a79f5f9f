package main

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// ---- subscriptions (with their numbers) and add-on options
//
// One page: the company's subscriptions, each with its number, its holder
// and the forms to set the number, assign, take back or cancel it; a
// purchase form (its hidden idempotency key makes a double submit one
// purchase); the add-on holdings with a reduce form per option, and an
// add-on purchase form. A refusal of one row's form shows the SDK's message
// next to that row's field.

type subscriptionRow struct {
	Sub licensing.Subscription
	Who string // the holder's name and e-mail, "" while unassigned
	// Phone is the number field's value (what was typed, after a refusal).
	Phone string
}

type addOnRow struct {
	licensing.AddOn
	Reduce string // the reduce field's value
}

type subscriptionsView struct {
	Subs      []subscriptionRow
	Next      string
	Employees []tenancy.Employee
	AddOns    []addOnRow
	Kinds     []licensing.SubscriptionKind
	Key       string // the purchase forms' idempotency key
	Kind      string
	Quantity  string
	AddOnCode string
	AddOnQty  string
	Row       string // the subscription or add-on whose form was refused
	CanBuy    bool
}

func (s *Server) subscriptionsData(r *http.Request, c *consoleCtx) (subscriptionsView, error) {
	id := r.PathValue("company")
	p, err := s.credit.Subscriptions(r.Context(), c.actor, id, licensing.SubscriptionFilter{},
		storage.PageRequest{Limit: 100, After: r.URL.Query().Get("after")})
	if err != nil {
		return subscriptionsView{}, err
	}
	adds, err := s.credit.AddOns(r.Context(), c.actor, id)
	if err != nil {
		return subscriptionsView{}, err
	}
	emps, err := s.people.ListEmployees(r.Context(), c.actor, id, storage.PageRequest{Limit: 500})
	if err != nil {
		return subscriptionsView{}, err
	}
	v := subscriptionsView{Employees: emps.Items, Kinds: []licensing.SubscriptionKind{licensing.SubscriptionMobile, licensing.SubscriptionLandline},
		Key: randomToken(), Quantity: "1", AddOnQty: "1", CanBuy: canEditSettings(c.actor)}
	who := map[string]string{}
	for _, e := range emps.Items {
		who[e.UserID] = e.FirstName + " " + e.LastName + " <" + e.Email + ">"
	}
	for _, sub := range p.Items {
		row := subscriptionRow{Sub: sub, Who: who[sub.UserID], Phone: sub.Phone}
		if sub.UserID != "" && row.Who == "" {
			row.Who = sub.UserID
		}
		v.Subs = append(v.Subs, row)
	}
	for _, a := range adds {
		v.AddOns = append(v.AddOns, addOnRow{AddOn: a, Reduce: "1"})
	}
	if p.NextCursor != "" {
		v.Next = companyPath(id, "subscriptions") + "?after=" + url.QueryEscape(p.NextCursor)
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

// quantity reads a form's whole number, or refuses field with the
// catalogue's message.
func (c *consoleCtx) quantity(v, field string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, storage.Invalid("console", field, "number", c.t("err.number"))
	}
	return n, nil
}

// cSubscriptionsPost runs one of the page's forms (field "action").
func (s *Server) cSubscriptionsPost(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	f, id := r.PostForm, r.PathValue("company")
	sub := f.Get("id")
	var err error
	var flash string
	rowField := "" // a refused row's field, renamed <field>-<row> for the page
	switch f.Get("action") {
	case "buy":
		var n int
		if n, err = c.quantity(f.Get("quantity"), "quantity"); err == nil {
			_, err = s.credit.PurchaseSubscriptions(r.Context(), c.actor, id, licensing.SubscriptionPurchase{
				Kind: licensing.SubscriptionKind(f.Get("kind")), Quantity: n, IdempotencyKey: f.Get("key")})
		}
		flash = "subsbought"
	case "phone":
		_, err = s.credit.SetSubscriptionPhone(r.Context(), c.actor, id, sub, licensing.SubscriptionPhone{Phone: f.Get("phone")})
		flash, rowField = "saved", "phone"
	case "assign":
		err = s.credit.AssignSubscription(r.Context(), c.actor, id, sub, f.Get("user"))
		flash, rowField = "subsassigned", "user_id"
	case "unassign":
		err = s.credit.UnassignSubscription(r.Context(), c.actor, id, sub)
		flash = "subsunassigned"
	case "cancel":
		err = s.credit.CancelSubscription(r.Context(), c.actor, id, sub)
		flash = "subscancelled"
	case "addon-buy":
		var n int
		if n, err = c.quantity(f.Get("addon_quantity"), "addon_quantity"); err == nil {
			_, err = s.credit.PurchaseAddOn(r.Context(), c.actor, id, licensing.AddOnPurchase{
				Code: strings.TrimSpace(f.Get("code")), Quantity: n, IdempotencyKey: f.Get("key")})
		}
		flash = "addon"
	case "addon-reduce":
		var n int
		sub = f.Get("code")
		if n, err = c.quantity(f.Get("reduce"), "quantity"); err == nil {
			_, err = s.credit.ReduceAddOn(r.Context(), c.actor, id, sub, n)
		}
		flash, rowField = "addon.reduced", "quantity"
	default:
		return storage.Invalid("console.subscriptions", "action", "oneof", "unknown action")
	}
	if err == nil {
		return c.redirect(w, r, companyPath(id, "subscriptions"), flash)
	}
	if !c.refused(err) {
		return err
	}
	v, lerr := s.subscriptionsData(r, c)
	if lerr != nil {
		return lerr
	}
	switch f.Get("action") {
	case "buy":
		v.Kind, v.Quantity = f.Get("kind"), f.Get("quantity")
	case "addon-buy":
		v.AddOnCode, v.AddOnQty = f.Get("code"), f.Get("addon_quantity")
		if m, ok := c.fieldErrors["quantity"]; ok { // the SDK names the purchase's quantity "quantity"
			c.fieldErrors["addon_quantity"] = m
			delete(c.fieldErrors, "quantity")
		}
	}
	if rowField != "" {
		v.Row = sub
		// The row's message goes next to the row's own field; a refusal that
		// names no field (a number taken, say) stays the form's message.
		if m, ok := c.fieldErrors[rowField]; ok {
			c.fieldErrors[rowField+"-"+sub] = m
			delete(c.fieldErrors, rowField)
		}
		for i := range v.Subs {
			if v.Subs[i].Sub.ID == sub && rowField == "phone" {
				v.Subs[i].Phone = f.Get("phone")
			}
		}
		for i := range v.AddOns {
			if v.AddOns[i].Code == sub && rowField == "quantity" {
				v.AddOns[i].Reduce = f.Get("reduce")
			}
		}
	}
	return c.render(w, "subscriptions", v)
}
