package presence

import (
	"context"
	"slices"
	"time"

	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/observe"
	"github.com/switchboardkit/switchboard/tenancy"
)

// Budget is one member's pause budget for one local day.
type Budget struct {
	CompanyID string
	UserID    string
	Day       string // YYYY-MM-DD in Location
	Location  string // the member's effective time zone
	AsOf      time.Time
	Lines     []BudgetLine // non-archived types by name, then archived types used that day
}

// BudgetLine is the use of one pause type on the day. For an unlimited type
// (Allocation nil) Left and Exceeded are 0 and Disabled is false.
type BudgetLine struct {
	PauseTypeID string
	Name        string
	Paid        bool
	Archived    bool
	Allocation  *time.Duration
	Spent       time.Duration
	Left        time.Duration // green: time until the allocation is used up
	Exceeded    time.Duration // red: time spent beyond the allocation
	// Disabled: the allocation is used up, so only an administrator can set
	// this pause for the member (SetStatus refuses the member).
	Disabled bool
}

// Budget returns member userID's budget for day (YYYY-MM-DD in the
// member's effective time zone; "" for today) as of the server clock's now,
// counting the running pause up to now and any switch that fell due.
// Authorised: tenancy.ActView on the member.
func (s *Service) Budget(ctx context.Context, by tenancy.Actor, companyID, userID, day string) (_ *Budget, err error) {
	const op = "presence.Budget"
	ctx, uc := s.obs.Start(ctx, op, companyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	if err := s.authorizeView(ctx, op, by, companyID, userID); err != nil {
		return nil, err
	}
	now := storage.Timestamp(s.clock.Now())
	cur, p, err := s.view(ctx, companyID, userID, now)
	if err != nil {
		return nil, err
	}
	if day == "" {
		day = dayOf(now, p.loc)
	}
	start, next, err := dateBounds(day, p.loc)
	if err != nil {
		return nil, storage.Invalid(op, "day", "date", "must be a date as YYYY-MM-DD, from 1970 to 2199")
	}
	stored, err := p.dayIntervals(day)
	if err != nil {
		return nil, err
	}
	spent := map[string]time.Duration{}
	for _, list := range [][]Interval{stored, p.pending} {
		for _, iv := range list {
			if iv.Day == day && iv.State == Away {
				spent[iv.PauseTypeID] += iv.Duration()
			}
		}
	}
	if cur.State == Away && cur.Version > 0 {
		spent[cur.PauseTypeID] += overlap(cur.Since, now, start, next)
	}
	b := &Budget{CompanyID: companyID, UserID: userID, Day: day, Location: p.loc.String(), AsOf: now}
	for _, t := range p.sortedTypes() {
		sp := spent[t.ID]
		if t.Archived && sp == 0 {
			continue
		}
		b.Lines = append(b.Lines, line(t, sp))
	}
	return b, nil
}

func line(t *PauseType, spent time.Duration) BudgetLine {
	l := BudgetLine{PauseTypeID: t.ID, Name: t.Name, Paid: t.Paid, Archived: t.Archived, Spent: spent}
	if t.Limited() {
		a := *t.DailyAllocation
		l.Allocation = &a
		l.Left = max(a-spent, 0)
		l.Exceeded = max(spent-a, 0)
		l.Disabled = exhausted(a - spent)
	}
	return l
}

// sortedTypes returns the known types, non-archived first, each group by name then ID.
func (p *projection) sortedTypes() []*PauseType {
	out := make([]*PauseType, 0, len(p.types))
	for _, t := range p.types {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b *PauseType) int {
		switch {
		case a.Archived != b.Archived:
			if a.Archived {
				return 1
			}
			return -1
		case a.Name != b.Name:
			if a.Name < b.Name {
				return -1
			}
			return 1
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	return out
}
