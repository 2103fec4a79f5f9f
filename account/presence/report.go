package presence

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/observe"
	"github.com/switchboardkit/switchboard/tenancy"
)

// MaxReportDays bounds a report's date range.
const MaxReportDays = 366

// ReportRequest asks for the daily presence report of a company (or of one
// member) over the inclusive date range From..To (YYYY-MM-DD).
type ReportRequest struct {
	CompanyID string `validate:"text,max=64"`
	UserID    string `validate:"text,max=64"` // "" for every member of the company
	From, To  string `validate:"text,max=10"`
	// Location is the zone whose days the report uses; nil takes the
	// company's zone from Locations.Location(ctx, companyID, "").
	Location *time.Location
}

// Report is time per member and day.
type Report struct {
	CompanyID string
	Location  string
	From, To  string
	AsOf      time.Time
	Rows      []ReportRow // by day, then user ID; only members with recorded time
}

// ReportRow is one member's day.
type ReportRow struct {
	Day    string
	UserID string
	Online time.Duration
	Away   time.Duration
	// Offline counts only time after the member's first recorded status.
	Offline time.Duration
	Paid    time.Duration // away time in paid pauses
	Unpaid  time.Duration // away time in unpaid pauses
	// OverAllocation is the sum of PauseUsage.Over.
	OverAllocation time.Duration
	Pauses         []PauseUsage // by name
}

// PauseUsage is one pause type's use on one row.
type PauseUsage struct {
	PauseTypeID string
	Name        string
	Paid        bool
	Allocation  *time.Duration // the type's current daily allocation; nil = unlimited
	Spent       time.Duration
	Over        time.Duration // Spent beyond Allocation
}

// Report builds the daily report. Days are days of req.Location (the
// company's zone by default), so when a member's own zone differs from it,
// the report's Over may differ from the member's own Budget, which uses the
// member's days. The running status counts up to the server clock's now,
// switches that fell due included; allocations are the types' current ones.
//
// Authorised: tenancy.ActView on the company (administrators, managers, the
// reseller, the platform) for a company-wide report, on the member for a
// one-member report (a member may read their own). Validated: dates,
// From <= To, at most MaxReportDays days (*storage.ValidationError).
func (s *Service) Report(ctx context.Context, by tenancy.Actor, req ReportRequest) (_ *Report, err error) {
	const op = "presence.Report"
	ctx, uc := s.obs.Start(ctx, op, "", observe.ActionRead)
	defer func() { uc.End(err) }()
	storage.Normalize(&req)
	if err := storage.Validate(ctx, op, s.validate, req); err != nil {
		return nil, err
	}
	c, err := s.company(ctx, op, req.CompanyID)
	if err != nil {
		return nil, err
	}
	if req.UserID != "" {
		err = s.authorizeMember(ctx, op, by, c, req.UserID)
	} else {
		err = tenancy.AuthorizeIn(ctx, s.dir, op, by, tenancy.ActView, c.Resource())
	}
	if err != nil {
		return nil, err
	}
	loc := req.Location
	if loc == nil {
		if loc, err = s.locs.Location(ctx, req.CompanyID, ""); err != nil {
			return nil, err
		}
	}
	verr := &storage.ValidationError{Op: op}
	from, _, ferr := dateBounds(req.From, loc)
	if ferr != nil {
		verr.Add("from", "date", "must be a date as YYYY-MM-DD, from 1970 to 2199")
	}
	_, to, terr := dateBounds(req.To, loc)
	if terr != nil {
		verr.Add("to", "date", "must be a date as YYYY-MM-DD, from 1970 to 2199")
	}
	if ferr == nil && terr == nil {
		switch {
		case !from.Before(to):
			verr.Add("to", "gtefield", "must not be before from")
		case daysBetween(req.From, req.To) >= MaxReportDays:
			verr.Add("to", "max", "the range may span at most 366 days")
		}
	}
	if err := verr.Err(); err != nil {
		return nil, err
	}
	now := storage.Timestamp(s.clock.Now())
	types, err := s.store.PauseTypes(ctx, req.CompanyID)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*PauseType, len(types))
	for _, t := range types {
		byID[t.ID] = t
	}
	ivs, err := s.store.Intervals(ctx, req.CompanyID, req.UserID, from.Add(-maxIntervalLength), to)
	if err != nil {
		return nil, err
	}
	currents, err := s.store.Currents(ctx, req.CompanyID, req.UserID, to)
	if err != nil {
		return nil, err
	}
	for _, cur := range currents { // the running statuses, carried to now
		if cur.DueAt != nil && !cur.DueAt.After(now) {
			uloc, err := s.locs.Location(ctx, req.CompanyID, cur.UserID)
			if err != nil {
				return nil, err
			}
			p := newProjection(ctx, s.store, req.CompanyID, cur.UserID, uloc, types)
			if _, err := p.advance(cur, now); err != nil {
				return nil, err
			}
			ivs = append(ivs, p.pending...)
		}
		if end := now; end.After(cur.Since) {
			paid := false
			if t := byID[cur.PauseTypeID]; t != nil {
				paid = t.Paid
			}
			ivs = append(ivs, Interval{UserID: cur.UserID, State: cur.State, PauseTypeID: cur.PauseTypeID, Paid: paid, Start: cur.Since, End: end})
		}
	}

	type key struct{ day, user string }
	rows := map[key]*ReportRow{}
	usage := map[key]map[string]time.Duration{}
	for _, iv := range ivs {
		a, b := iv.Start, iv.End
		if a.Before(from) {
			a = from
		}
		if b.After(to) {
			b = to
		}
		splitDays(a, b, loc, nil, func(day string, x, y time.Time) {
			k := key{day, iv.UserID}
			r := rows[k]
			if r == nil {
				r = &ReportRow{Day: day, UserID: iv.UserID}
				rows[k] = r
				usage[k] = map[string]time.Duration{}
			}
			d := y.Sub(x)
			switch iv.State {
			case Online:
				r.Online += d
			case Offline:
				r.Offline += d
			case Away:
				r.Away += d
				if iv.Paid {
					r.Paid += d
				} else {
					r.Unpaid += d
				}
				usage[k][iv.PauseTypeID] += d
			}
		})
	}
	rep := &Report{CompanyID: req.CompanyID, Location: loc.String(), From: req.From, To: req.To, AsOf: now}
	for k, r := range rows {
		for id, spent := range usage[k] {
			u := PauseUsage{PauseTypeID: id, Spent: spent}
			if t := byID[id]; t != nil {
				u.Name, u.Paid = t.Name, t.Paid
				if t.Limited() {
					a := *t.DailyAllocation
					u.Allocation = &a
					u.Over = max(spent-a, 0)
				}
			}
			r.OverAllocation += u.Over
			r.Pauses = append(r.Pauses, u)
		}
		slices.SortFunc(r.Pauses, func(a, b PauseUsage) int {
			return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.PauseTypeID, b.PauseTypeID))
		})
		rep.Rows = append(rep.Rows, *r)
	}
	slices.SortFunc(rep.Rows, func(a, b ReportRow) int {
		return cmp.Or(cmp.Compare(a.Day, b.Day), cmp.Compare(a.UserID, b.UserID))
	})
	return rep, nil
}

// daysBetween is the number of calendar days from one valid date to another.
func daysBetween(from, to string) int {
	f, _ := time.Parse(DateLayout, from)
	t, _ := time.Parse(DateLayout, to)
	return int(t.Sub(f) / (24 * time.Hour))
}
