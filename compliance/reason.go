package compliance

import (
	"encoding/json"
	"strings"
)

// Reasons is a set of reasons a decision carries: every rule that blocks the
// call, not only the first, plus notes that explain an allowed call. Use Has
// to test, List to enumerate.
type Reasons uint16

// Reasons. The first group blocks a call; the second only informs.
const (
	ReasonOutsideWindow Reasons = 1 << iota // local time outside the window of the day's kind
	ReasonCapDay                            // the calendar-day cap is reached
	ReasonCapWeek                           // the calendar-week (Monday–Sunday) cap is reached
	ReasonCapMonth                          // the calendar-month cap is reached
	ReasonCapRolling                        // a rolling N-day cap is reached
	ReasonCoolOff                           // within the cool-off after a conversation
	ReasonInFlight                          // the subscriber already has the maximum of calls in flight
	ReasonSuspended                         // the company is suspended
	ReasonUnknownZone                       // no candidate time zone at all: the call cannot be placed safely

	ReasonFlagOff         // the company's FZ-230 flag is off: every call allowed (and still recorded)
	ReasonCalendarMissing // no production calendar for the local year: day-off rules applied every day
	ReasonZoneGuessed     // the subscriber's zone is not known precisely: every zone of the country must allow
	ReasonCapsOff         // caps are switched off for this call-list record

	blocking = ReasonOutsideWindow | ReasonCapDay | ReasonCapWeek | ReasonCapMonth | ReasonCapRolling |
		ReasonCoolOff | ReasonInFlight | ReasonSuspended | ReasonUnknownZone
)

var reasonNames = [...]string{
	"outside_window", "cap_day", "cap_week", "cap_month", "cap_rolling", "cool_off", "in_flight",
	"suspended", "unknown_zone", "fz230_off", "calendar_missing", "zone_guessed", "caps_off",
}

// Has reports whether every reason in r2 is in r.
func (r Reasons) Has(r2 Reasons) bool { return r&r2 == r2 }

// Blocking returns the reasons in r that forbid the call.
func (r Reasons) Blocking() Reasons { return r & blocking }

// List returns the names of the reasons in r.
func (r Reasons) List() []string {
	out := []string{}
	for i, n := range reasonNames {
		if r&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// String joins the names with ",".
func (r Reasons) String() string { return strings.Join(r.List(), ",") }

// MarshalJSON writes the reasons as a list of names.
func (r Reasons) MarshalJSON() ([]byte, error) { return json.Marshal(r.List()) }

// UnmarshalJSON reads a list of names; unknown names are ignored.
func (r *Reasons) UnmarshalJSON(b []byte) error {
	var names []string
	if err := json.Unmarshal(b, &names); err != nil {
		return err
	}
	*r = 0
	for _, n := range names {
		for i, known := range reasonNames {
			if n == known {
				*r |= 1 << i
			}
		}
	}
	return nil
}
