package main

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// ---- organisational structure: categories, options, and the search
//
// The page lists the company's categories with their options, creates a
// category (its options one per line), adds an option, gives an option to
// a member, and searches the members by options and a text.
//
// The search is account.SearchEmployees: the chosen options (any option
// within a category, every category) and a part of the first or last name
// or the e-mail, in the SDK's scope of what the actor may see; each
// employee found comes with the options that made it match. One page holds
// orgPageSize employees, the next page is a link.

const orgPageSize = 50

type orgView struct {
	Categories []account.Category
	Employees  []tenancy.Employee // for the assign form
	Chosen     map[string]bool    // the search's options
	Text       string
	Searched   bool
	Results    []account.OrgEmployee
	Next       string // the next page of results
	CanEdit    bool
	// the forms' values after a refusal
	NewName, NewOptions, OptionName, OptionCategory string
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
	return orgView{Categories: cats, Employees: emps.Items, Chosen: map[string]bool{}, CanEdit: canEditSettings(c.actor)}, nil
}

func (s *Server) cOrg(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	v, err := s.orgData(r, c)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if q.Has("search") {
		if err := s.orgSearch(r, c, &v, q["option"], q.Get("q")); err != nil {
			if !c.refused(err) {
				return err
			}
		}
	}
	return c.render(w, "org", v)
}

// orgSearch fills v's results: the members holding the chosen options (any
// within a category, every category) whose name or e-mail contains text.
func (s *Server) orgSearch(r *http.Request, c *consoleCtx, v *orgView, options []string, text string) error {
	id := r.PathValue("company")
	v.Searched, v.Text = true, strings.TrimSpace(text)
	var criteria []account.Criterion
	for _, cat := range v.Categories {
		cr := account.Criterion{CategoryID: cat.ID}
		for _, o := range cat.Options {
			if slices.Contains(options, o.ID) {
				v.Chosen[o.ID] = true
				cr.OptionIDs = append(cr.OptionIDs, o.ID)
			}
		}
		if len(cr.OptionIDs) > 0 {
			criteria = append(criteria, cr)
		}
	}
	p, err := s.settings.SearchEmployees(r.Context(), c.actor, id, account.OrgFilter{Criteria: criteria, Text: v.Text},
		storage.PageRequest{Limit: orgPageSize, After: r.URL.Query().Get("after")})
	if err != nil {
		return err
	}
	v.Results = p.Items
	if p.NextCursor != "" {
		q := url.Values{"search": {"1"}, "q": {v.Text}, "option": options, "after": {p.NextCursor}}
		v.Next = companyPath(id, "org") + "?" + q.Encode()
	}
	return nil
}

// cOrgPost runs one of the page's forms (field "action").
func (s *Server) cOrgPost(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	f, id := r.PostForm, r.PathValue("company")
	var err error
	flash := "saved"
	switch f.Get("action") {
	case "category":
		var opts []string
		for _, l := range strings.Split(f.Get("options"), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				opts = append(opts, l)
			}
		}
		_, err = s.settings.CreateCategory(r.Context(), c.actor, id, f.Get("name"), opts)
	case "option":
		_, err = s.settings.AddOption(r.Context(), c.actor, id, f.Get("category"), f.Get("option_name"))
	case "assign":
		err = s.settings.AssignOption(r.Context(), c.actor, id, f.Get("option"), []string{f.Get("user")})
		flash = "optiongiven"
	case "unassign":
		err = s.settings.UnassignOption(r.Context(), c.actor, id, f.Get("option"), []string{f.Get("user")})
		flash = "optiontaken"
	default:
		return storage.Invalid("console.org", "action", "oneof", "unknown action")
	}
	if err == nil {
		return c.redirect(w, r, companyPath(id, "org"), flash)
	}
	if !c.refused(err) {
		return err
	}
	if f.Get("action") == "option" {
		if m, ok := c.fieldErrors["name"]; ok {
			c.fieldErrors["option_name"] = m
			delete(c.fieldErrors, "name")
		}
	}
	v, lerr := s.orgData(r, c)
	if lerr != nil {
		return lerr
	}
	v.NewName, v.NewOptions, v.OptionName, v.OptionCategory = f.Get("name"), f.Get("options"), f.Get("option_name"), f.Get("category")
	return c.render(w, "org", v)
}
