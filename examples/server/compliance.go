package main

import (
	"context"
	"net/http"
	"time"

	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/tenancy"
)

// checkIn is one record to check, at ?at (default now).
type checkIn struct {
	callIn
	At time.Time `json:"at,omitzero"` // check as of this instant instead of now
}

func (s *Server) checkCall(w http.ResponseWriter, r *http.Request) {
	answerBody(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor, in checkIn) (compliance.Decision, error) {
		if in.At.IsZero() {
			return s.calls.Check(ctx, a, in.call(company(r)))
		}
		return s.calls.CheckAt(ctx, a, in.call(company(r)), in.At)
	})
}

type slotOut struct {
	Index int       `json:"index"` // the record's position in the request
	At    time.Time `json:"at"`    // its earliest allowed instant
}

type skippedOut struct {
	Index    int                  `json:"index"`
	Decision *compliance.Decision `json:"decision,omitempty"` // why it is never allowed on its own
	Problem  *Problem             `json:"problem,omitempty"`  // or why its record is bad
}

type scheduleOut struct {
	Slots   []slotOut    `json:"slots"`   // ascending by instant, then index
	Skipped []skippedOut `json:"skipped"` // the records left out
}

// schedule plans a list: each call's earliest allowed instant at or after
// the request's at (default now).
func (s *Server) schedule(w http.ResponseWriter, r *http.Request) {
	answerBody(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor, in batchIn) (scheduleOut, error) {
		calls := make([]compliance.Call, len(in.Calls))
		for i, c := range in.Calls {
			calls[i] = c.call(company(r))
		}
		slots, res, err := s.calls.Schedule(ctx, a, calls, in.At)
		out := scheduleOut{Slots: make([]slotOut, len(slots)), Skipped: []skippedOut{}}
		planned := make(map[int]bool, len(slots))
		for i, sl := range slots {
			out.Slots[i] = slotOut{Index: sl.Index, At: sl.At}
			planned[sl.Index] = true
		}
		for i, c := range res { // every record's result, by index
			if planned[i] {
				continue
			}
			sk := skippedOut{Index: i}
			if c.Err != nil {
				p := problemFor(c.Err)
				sk.Problem = &p
			} else {
				d := c.Decision
				sk.Decision = &d
			}
			out.Skipped = append(out.Skipped, sk)
		}
		return out, err
	})
}

// pruneHistory deletes the reservations no policy can count any more
// (platform).
func (s *Server) pruneHistory(w http.ResponseWriter, r *http.Request) {
	answer(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor) (countOut, error) {
		n, err := s.calls.Prune(ctx, a)
		return countOut{Count: n}, err
	})
}
