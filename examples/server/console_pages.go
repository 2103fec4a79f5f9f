package main

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/account/presence"
	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// The console's pages: one handler each, rendering web/templates/<name>.html.

// companyPath is the console address of a company's page.
func companyPath(company, page string) string {
	return consolePath + "c/" + url.PathEscape(company) + "/" + page
}

// landing is the first page of a role in a company: operators manage their
// status, everyone else starts on the company profile.
func landing(a tenancy.Actor, company string) string {
	if a.Role == tenancy.RoleOperator {
		return companyPath(company, "status")
	}
	return companyPath(company, "profile")
}

func (s *Server) cHome(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	if c.user == "" {
		return c.redirect(w, r, consolePath+"sign-in", "")
	}
	return c.redirect(w, r, consolePath+"companies", "")
}

func (s *Server) cNotFound(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	return storage.NotFound("console", "page", r.URL.Path)
}

// ---- sign-in, sign-out, the company picker

type signInView struct{ Email string }

func (s *Server) cSignInForm(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	if c.user != "" {
		return c.redirect(w, r, consolePath+"companies", "")
	}
	return c.render(w, "signin", signInView{})
}

// cSignIn checks the e-mail and password as the API's login does (same
// rate limits, one answer for an unknown e-mail and a wrong password) and
// opens a session of the service's own kind.
func (s *Server) cSignIn(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	email := strings.TrimSpace(r.PostForm.Get("email"))
	if !s.logins.allow("login:"+clientIP(r)) || !s.logins.allow("login:"+tenancy.EmailKey(email)) {
		c.formError = c.t("err.ratelimited")
		return c.renderStatus(w, http.StatusTooManyRequests, "signin", signInView{Email: email})
	}
	u, err := s.people.Authenticate(r.Context(), email, r.PostForm.Get("password"))
	if err != nil {
		if errors.Is(err, storage.ErrForbidden) || errors.Is(err, storage.ErrInvalid) || errors.Is(err, storage.ErrNotFound) {
			c.formError = c.t("err.signin")
			return c.renderStatus(w, http.StatusUnauthorized, "signin", signInView{Email: email})
		}
		return err
	}
	token, _, err := s.sessions.Create(r.Context(), u.ID)
	if err != nil {
		return storage.Unavailable("console.signIn", err)
	}
	setCookie(w, r, cookieSession, token, 0)
	clearCookie(w, r, cookiePre)
	return c.redirect(w, r, consolePath+"companies", "")
}

func (s *Server) cSignOut(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	if err := s.sessions.revoke(r.Context(), sessionHash(r.Context())); err != nil {
		return storage.Unavailable("console.signOut", err)
	}
	clearCookie(w, r, cookieSession)
	return c.redirect(w, r, consolePath+"sign-in", "signedout")
}

type pickerItem struct {
	Company tenancy.Company
	Role    tenancy.Role
	Href    string
}

// cPicker lists the companies the signed-in user acts in; with exactly
// one it goes straight there. The memberships are read as the API's
// picker (GET /v1/me/memberships) reads them: the user has no company to
// act through yet, so the service, which authenticated the session, asks
// for that user's alone with its own credential. Each company is then read
// through the SDK with the Actor of that membership, so a deactivated membership or a company the user no longer
// sees is left out; a company whose data the role may not read (an
// operator's) is named by its ID.
func (s *Server) cPicker(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	ms, err := s.people.Memberships(r.Context(), tenancy.Platform(platformUser), c.user)
	if err != nil {
		return err
	}
	var items []pickerItem
	for _, m := range ms {
		a, err := s.people.ActorFor(r.Context(), c.user, m.CompanyID)
		if err != nil {
			continue // deactivated, or removed since
		}
		co, err := s.people.GetCompany(r.Context(), a, m.CompanyID)
		switch {
		case errors.Is(err, storage.ErrForbidden): // an operator may not read the company's data
			co = tenancy.Company{ID: m.CompanyID}
		case err != nil:
			continue
		}
		items = append(items, pickerItem{Company: co, Role: a.Role, Href: landing(a, co.ID)})
	}
	if len(items) == 1 {
		return c.redirect(w, r, items[0].Href, "")
	}
	return c.render(w, "companies-picker", items)
}

// ---- company profile

type profileView struct {
	Company  tenancy.Company
	Settings *account.Company
	Owner    string // the owner's name and e-mail
	CanEdit  bool
	Profile  account.Profile // the form's values
	Locale   account.Locale
	Branding account.Branding
}

// canEditSettings mirrors tenancy.ActEditSettings for the page's controls;
// the SDK decides on every save.
func canEditSettings(a tenancy.Actor) bool {
	switch a.Role {
	case tenancy.RoleOwner, tenancy.RoleAdministrator, tenancy.RoleResellerAdmin, tenancy.RolePlatformAdmin:
		return true
	}
	return false
}

func (s *Server) profileData(r *http.Request, c *consoleCtx) (profileView, error) {
	id := r.PathValue("company")
	co, err := s.people.GetCompany(r.Context(), c.actor, id)
	if err != nil {
		return profileView{}, err
	}
	doc, err := s.settings.Company(r.Context(), c.actor, id)
	if err != nil {
		return profileView{}, err
	}
	v := profileView{Company: co, Settings: doc, Owner: co.OwnerUserID, CanEdit: canEditSettings(c.actor),
		Profile: doc.Profile, Locale: doc.Locale, Branding: doc.Branding}
	if emp, ok := s.findEmployee(r, c, id, co.OwnerUserID); ok {
		v.Owner = emp.FirstName + " " + emp.LastName + " <" + emp.Email + ">"
	}
	return v, nil
}

// findEmployee looks userID up among the employees the actor sees.
func (s *Server) findEmployee(r *http.Request, c *consoleCtx, company, userID string) (tenancy.Employee, bool) {
	page := storage.PageRequest{Limit: 500}
	for range 20 {
		p, err := s.people.ListEmployees(r.Context(), c.actor, company, page)
		if err != nil {
			return tenancy.Employee{}, false
		}
		for _, e := range p.Items {
			if e.UserID == userID {
				return e, true
			}
		}
		if p.NextCursor == "" {
			break
		}
		page.After = p.NextCursor
	}
	return tenancy.Employee{}, false
}

func (s *Server) cProfile(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	v, err := s.profileData(r, c)
	if err != nil {
		return err
	}
	return c.render(w, "profile", v)
}

// cProfileSave saves one section of the profile form (each its own
// transaction in the SDK): the company data, the locale or the branding
// switches.
func (s *Server) cProfileSave(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	v, err := s.profileData(r, c)
	if err != nil {
		return err
	}
	f := r.PostForm
	id := r.PathValue("company")
	switch f.Get("section") {
	case "profile":
		v.Profile = account.Profile{DisplayName: f.Get("display_name"), Address: f.Get("address"), PostalCode: f.Get("postal_code"),
			City: f.Get("city"), Country: f.Get("country"), Email: f.Get("email"), Phone: f.Get("phone"),
			LegalAddress: f.Get("legal_address"), PostalAddress: f.Get("postal_address")}
		_, err = s.settings.UpdateProfile(r.Context(), c.actor, id, v.Profile)
	case "locale":
		v.Locale = account.Locale{TimeZone: f.Get("time_zone"), Language: f.Get("language"), SecondLanguage: f.Get("second_language")}
		_, err = s.settings.SetLocale(r.Context(), c.actor, id, v.Locale)
	case "branding":
		v.Branding.UsersOwnAvatar = f.Get("users_own_avatar") == "on"
		v.Branding.UsersOwnCover = f.Get("users_own_cover") == "on"
		_, err = s.settings.SetBranding(r.Context(), c.actor, id, v.Branding)
	default:
		return storage.Invalid("console.profile", "section", "oneof", "unknown form section")
	}
	if err != nil {
		if c.refused(err) {
			return c.render(w, "profile", v)
		}
		return err
	}
	return c.redirect(w, r, companyPath(id, "profile"), "saved")
}

// ---- licenses

type poolView struct {
	Kind       licensing.LicenseKind
	Bought     int
	Assigned   int
	Unassigned int
}

type holding struct {
	UserID, Who string
	Kind        licensing.LicenseKind
}

type licensesView struct {
	Tier      licensing.Tier
	Tiers     []licensing.Tier
	Pools     []poolView
	Kinds     []licensing.LicenseKind
	Employees []tenancy.Employee
	Holdings  []holding
	Key       string // the purchase form's idempotency key
	Quantity  string
	Kind      string
	CanBuy    bool
}

func (s *Server) licensesData(r *http.Request, c *consoleCtx) (licensesView, error) {
	id := r.PathValue("company")
	acc, err := s.credit.Account(r.Context(), c.actor, id)
	if err != nil {
		return licensesView{}, err
	}
	pools, err := s.credit.Pools(r.Context(), c.actor, id)
	if err != nil {
		return licensesView{}, err
	}
	v := licensesView{Tier: acc.Plan.Tier, Tiers: []licensing.Tier{licensing.TierLight, licensing.TierUnlimited}, Kinds: []licensing.LicenseKind{licensing.LicensePro, licensing.LicenseMobile},
		Key: randomToken(), Quantity: "1", CanBuy: canEditSettings(c.actor)}
	for _, k := range v.Kinds {
		pv := poolView{Kind: k}
		for _, p := range pools {
			if p.Kind == k {
				pv = poolView{Kind: k, Bought: p.Bought, Assigned: p.Assigned, Unassigned: p.Unassigned()}
			}
		}
		v.Pools = append(v.Pools, pv)
	}
	emps, err := s.people.ListEmployees(r.Context(), c.actor, id, storage.PageRequest{Limit: 500})
	if err != nil {
		return licensesView{}, err
	}
	v.Employees = emps.Items
	who := map[string]string{}
	for _, e := range emps.Items {
		who[e.UserID] = e.FirstName + " " + e.LastName + " <" + e.Email + ">"
	}
	as, err := s.credit.Assignments(r.Context(), c.actor, id, storage.PageRequest{Limit: 500})
	if err != nil {
		return licensesView{}, err
	}
	for _, a := range as.Items {
		name := who[a.UserID]
		if name == "" {
			name = a.UserID
		}
		v.Holdings = append(v.Holdings, holding{UserID: a.UserID, Who: name, Kind: a.Kind})
	}
	return v, nil
}

func (s *Server) cLicenses(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	v, err := s.licensesData(r, c)
	if err != nil {
		return err
	}
	return c.render(w, "licenses", v)
}

// cLicensesPost buys licenses (the form's hidden key makes a double submit
// one purchase), or assigns or unassigns one.
func (s *Server) cLicensesPost(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	f := r.PostForm
	id := r.PathValue("company")
	kind := licensing.LicenseKind(f.Get("kind"))
	var err error
	flash := ""
	switch f.Get("action") {
	case "buy":
		n, convErr := strconv.Atoi(strings.TrimSpace(f.Get("quantity")))
		if convErr != nil {
			err = storage.Invalid("console.licenses", "quantity", "number", c.t("err.number"))
			break
		}
		_, err = s.credit.PurchaseLicenses(r.Context(), c.actor, id, licensing.LicensePurchase{Kind: kind, Quantity: n, IdempotencyKey: f.Get("key")})
		flash = "bought"
	case "assign":
		_, err = s.credit.AssignLicense(r.Context(), c.actor, id, f.Get("user"), kind)
		flash = "assigned"
	case "unassign":
		err = s.credit.UnassignLicense(r.Context(), c.actor, id, f.Get("user"), kind)
		flash = "unassigned"
	case "plan":
		// A refusal (same tier, a fixed-term contract) is a conflict the
		// form shows.
		_, err = s.credit.ChangePlan(r.Context(), c.actor, id, licensing.Tier(f.Get("tier")))
		flash = "plan"
	default:
		err = storage.Invalid("console.licenses", "action", "oneof", "unknown action")
	}
	if err != nil {
		if c.refused(err) {
			v, lerr := s.licensesData(r, c)
			if lerr != nil {
				return lerr
			}
			v.Quantity, v.Kind = f.Get("quantity"), f.Get("kind")
			return c.render(w, "licenses", v)
		}
		return err
	}
	return c.redirect(w, r, companyPath(id, "licenses"), flash)
}

// ---- users and sub-accounts

type usersView struct {
	Employees   []tenancy.Employee
	SubAccounts map[string]string
	Subs        []tenancy.SubAccount
	Next        string
	AllVisible  bool
}

// cUsers lists the members the actor sees, as the SDK scopes them: all for
// administrators and above, the own sub-account for a manager, itself for
// an operator.
func (s *Server) cUsers(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	id := r.PathValue("company")
	p, err := s.people.ListEmployees(r.Context(), c.actor, id, storage.PageRequest{Limit: 100, After: r.URL.Query().Get("after")})
	if err != nil {
		return err
	}
	subs, err := s.people.ListSubAccounts(r.Context(), c.actor, id)
	if err != nil {
		return err
	}
	all, _, err := s.people.VisibleSubAccounts(r.Context(), c.actor, id)
	if err != nil {
		return err
	}
	v := usersView{Employees: p.Items, SubAccounts: map[string]string{}, Subs: subs, AllVisible: all}
	for _, sa := range subs {
		v.SubAccounts[sa.ID] = sa.Name
	}
	if p.NextCursor != "" {
		v.Next = companyPath(id, "users") + "?after=" + url.QueryEscape(p.NextCursor)
	}
	return c.render(w, "users", v)
}

// ---- the operator's status menu

type pauseChoice struct {
	ID, Name string
	Limited  bool
	Left     time.Duration
	Exceeded time.Duration
	Disabled bool
	Current  bool
}

type statusView struct {
	UserID    string
	Who       string
	State     presence.State
	PauseName string
	Since     string // in the member's time zone
	Left      string // time left in the current pause, "" when unlimited or not away
	Auto      bool   // the status was switched automatically when a pause ran out
	Version   int64
	Choices   []pauseChoice
	Zone      string
}

func (s *Server) statusData(r *http.Request, c *consoleCtx, userID string) (statusView, error) {
	id := r.PathValue("company")
	cur, err := s.operators.Status(r.Context(), c.actor, id, userID)
	if err != nil {
		return statusView{}, err
	}
	b, err := s.operators.Budget(r.Context(), c.actor, id, userID, "")
	if err != nil {
		return statusView{}, err
	}
	v := statusView{UserID: userID, State: cur.State, Since: cur.Since.UTC().Format("2006-01-02 15:04:05 UTC"),
		Auto: cur.Cause == presence.CauseAuto, Version: cur.Version, Zone: b.Location}
	if loc, err := time.LoadLocation(b.Location); err == nil {
		v.Since = cur.Since.In(loc).Format("2006-01-02 15:04:05 MST")
	}
	for _, l := range b.Lines {
		if l.Archived {
			continue
		}
		ch := pauseChoice{ID: l.PauseTypeID, Name: l.Name, Limited: l.Allocation != nil, Left: l.Left, Exceeded: l.Exceeded,
			Disabled: l.Disabled, Current: cur.State == presence.Away && cur.PauseTypeID == l.PauseTypeID}
		if ch.Current {
			v.PauseName = l.Name
			if ch.Limited {
				v.Left = shortDuration(l.Left)
			}
		}
		v.Choices = append(v.Choices, ch)
	}
	if e, ok := s.findEmployee(r, c, id, userID); ok {
		v.Who = e.FirstName + " " + e.LastName
	}
	return v, nil
}

// shortDuration writes d as h:mm:ss.
func shortDuration(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, sec := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	return strconv.Itoa(h) + ":" + twoDigits(m) + ":" + twoDigits(sec)
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// statusUser is the member whose status the page shows: ?user= (an
// administrator looking at an operator; the SDK decides), else the actor.
func statusUser(r *http.Request, c *consoleCtx) string {
	if u := r.FormValue("user"); u != "" {
		return u
	}
	return c.actor.UserID
}

func (s *Server) cStatus(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	v, err := s.statusData(r, c, statusUser(r, c))
	if err != nil {
		return err
	}
	return c.render(w, "status", v)
}

// cStatusSet changes the status: the form carries the version the page
// showed, so a change made meanwhile (another device, an automatic switch)
// is refused and the page shows the new status.
func (s *Server) cStatusSet(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	id, user := r.PathValue("company"), statusUser(r, c)
	version, err := strconv.ParseInt(r.PostForm.Get("version"), 10, 64)
	if err != nil {
		return storage.Invalid("console.status", "version", "number", "the form's version is not a number")
	}
	// The menu's buttons send choice=online|offline|away:<pause type id>.
	state, pause, _ := strings.Cut(r.PostForm.Get("choice"), ":")
	ch := presence.Change{State: presence.State(state), PauseTypeID: pause, Version: version}
	if _, err := s.operators.SetStatus(r.Context(), c.actor, id, user, ch); err != nil {
		if !c.refused(err) {
			return err
		}
		v, verr := s.statusData(r, c, user)
		if verr != nil {
			return verr
		}
		return c.render(w, "status", v)
	}
	to := companyPath(id, "status")
	if user != c.actor.UserID {
		to += "?user=" + url.QueryEscape(user)
		http.Redirect(w, r, to+"&done=status", http.StatusSeeOther)
		return nil
	}
	return c.redirect(w, r, to, "status")
}

// ---- the reseller's companies and their terms

type companyRow struct {
	Company  tenancy.Company
	Credit   licensing.CreditStatus
	Policy   compliance.Settings
	Href     string
	Readable bool
}

type companiesView struct {
	Query string
	Rows  []companyRow
	Next  string
}

// cCompanies searches the companies the actor sees (a reseller: itself and
// its affiliates) by a part of a name or number, with each one's credit
// terms and call policy.
func (s *Server) cCompanies(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	v := companiesView{Query: q}
	p, err := s.people.SearchCompanies(r.Context(), c.actor, q, storage.PageRequest{Limit: 50, After: r.URL.Query().Get("after")})
	if err != nil {
		if c.refused(err) {
			return c.render(w, "companies", v)
		}
		return err
	}
	for _, co := range p.Items {
		row := companyRow{Company: co, Href: companyPath(r.PathValue("company"), "companies/"+url.PathEscape(co.ID))}
		cr, cerr := s.credit.Credit(r.Context(), c.actor, co.ID)
		st, serr := s.calls.Settings(r.Context(), c.actor, co.ID)
		row.Credit, row.Policy, row.Readable = cr, st, cerr == nil && serr == nil
		v.Rows = append(v.Rows, row)
	}
	if p.NextCursor != "" {
		v.Next = companyPath(r.PathValue("company"), "companies") + "?q=" + url.QueryEscape(q) + "&after=" + url.QueryEscape(p.NextCursor)
	}
	return c.render(w, "companies", v)
}

type termsView struct {
	Company     tenancy.Company
	Credit      licensing.CreditStatus
	Policy      compliance.Settings
	Presets     []string
	CreditLimit string
	Reminder    string
	FZ230       bool
	Preset      string
}

func nullString(d decimal.NullDecimal) string {
	if !d.Valid {
		return ""
	}
	return d.Decimal.String()
}

// The terms page (/console/c/{company}/companies/{id}) shows and sets one
// company's credit terms and call policy, the actor acting in {company}
// (the reseller) on company {id} (one of its affiliates): the SDK decides
// whether that actor manages it.
func (s *Server) termsData(r *http.Request, c *consoleCtx) (termsView, error) {
	id := r.PathValue("id")
	co, err := s.people.GetCompany(r.Context(), c.actor, id)
	if err != nil {
		return termsView{}, err
	}
	cr, err := s.credit.Credit(r.Context(), c.actor, id)
	if err != nil {
		return termsView{}, err
	}
	st, err := s.calls.Settings(r.Context(), c.actor, id)
	if err != nil {
		return termsView{}, err
	}
	v := termsView{Company: co, Credit: cr, Policy: st, CreditLimit: nullString(cr.CreditLimit), Reminder: nullString(cr.ReminderThreshold),
		FZ230: st.FZ230, Preset: st.Policy.Name}
	for _, p := range compliance.Presets() {
		v.Presets = append(v.Presets, p.Name)
	}
	return v, nil
}

func (s *Server) cTerms(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	v, err := s.termsData(r, c)
	if err != nil {
		return err
	}
	return c.render(w, "terms", v)
}

// parseNullDecimal reads an optional amount: "" is unset.
func parseNullDecimal(s string) (decimal.NullDecimal, bool) {
	s = strings.TrimSpace(strings.ReplaceAll(s, ",", "."))
	if s == "" {
		return decimal.NullDecimal{}, true
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.NullDecimal{}, false
	}
	return decimal.NewNullDecimal(d), true
}

// cTermsSave sets a company's credit terms or its call policy (the FZ-230
// flag and a preset).
func (s *Server) cTermsSave(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	v, err := s.termsData(r, c)
	if err != nil {
		return err
	}
	f := r.PostForm
	id := r.PathValue("id")
	switch f.Get("section") {
	case "credit":
		v.CreditLimit, v.Reminder = f.Get("credit_limit"), f.Get("reminder_threshold")
		limit, ok1 := parseNullDecimal(v.CreditLimit)
		reminder, ok2 := parseNullDecimal(v.Reminder)
		if !ok1 || !ok2 {
			c.fieldErrors = map[string]string{}
			if !ok1 {
				c.fieldErrors["credit_limit"] = c.t("err.decimal")
			}
			if !ok2 {
				c.fieldErrors["reminder_threshold"] = c.t("err.decimal")
			}
			return c.render(w, "terms", v)
		}
		_, err = s.credit.SetCreditTerms(r.Context(), c.actor, id, licensing.CreditTerms{CreditLimit: limit, ReminderThreshold: reminder})
	case "policy":
		v.FZ230, v.Preset = f.Get("fz230") == "on", f.Get("preset")
		p, ok := compliance.Preset(v.Preset)
		if !ok {
			c.fieldErrors = map[string]string{"preset": c.t("err.preset")}
			return c.render(w, "terms", v)
		}
		_, err = s.calls.SetSettings(r.Context(), c.actor, id, v.FZ230, p)
	default:
		return storage.Invalid("console.terms", "section", "oneof", "unknown form section")
	}
	if err != nil {
		if c.refused(err) {
			return c.render(w, "terms", v)
		}
		return err
	}
	return c.redirect(w, r, companyPath(r.PathValue("company"), "companies/"+url.PathEscape(id)), "saved")
}

// hasRole is used by templates to show controls by role.
func hasRole(r tenancy.Role, roles ...string) bool { return slices.Contains(roles, string(r)) }
