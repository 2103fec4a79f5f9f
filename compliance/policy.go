package compliance

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/switchboardkit/switchboard/storage"
)

// Outcome is what became of a reserved call, as the dialer reports it.
type Outcome string

// Outcomes.
const (
	OutcomeAnsweredHuman    Outcome = "answered_human"    // a person answered (no answering machine detected); a conversation took place, with an operator or a robot
	OutcomeAnsweringMachine Outcome = "answering_machine" // an answering machine or voicemail answered
	OutcomeNoAnswer         Outcome = "no_answer"
	OutcomeBusy             Outcome = "busy"
	OutcomeFailed           Outcome = "failed"       // the call was initiated but failed (network, rejected)
	OutcomeMessageSent      Outcome = "message_sent" // a message (SMS, voice message) was sent instead of a call
)

// Valid reports whether o is one of the defined outcomes.
func (o Outcome) Valid() bool { return o.Classes() != 0 }

// Classes returns what a call with outcome o counts as.
func (o Outcome) Classes() Class {
	switch o {
	case OutcomeAnsweredHuman:
		return ClassAttempt | ClassAnswered | ClassConversation
	case OutcomeAnsweringMachine, OutcomeNoAnswer, OutcomeBusy, OutcomeFailed:
		return ClassAttempt
	case OutcomeMessageSent:
		return ClassMessage
	}
	return 0
}

// Class is a set of things a recorded call can count as. Caps and the
// cool-off name the classes they count; a call counts when its classes and
// the rule's intersect. A reservation still in flight, or one that expired
// without an outcome, counts as every class (the call may have been
// answered).
type Class uint8

// Classes.
const (
	ClassAttempt      Class = 1 << iota // any call placed, whatever its outcome
	ClassAnswered                       // answered by a person, no answering machine: the manual's "Отвечено"
	ClassConversation                   // a conversation took place (230-FZ counts robot conversations since 2024)
	ClassMessage                        // a message was sent (SMS, voice message)

	ClassAll = ClassAttempt | ClassAnswered | ClassConversation | ClassMessage
)

var classNames = []struct {
	c    Class
	name string
}{{ClassAttempt, "attempt"}, {ClassAnswered, "answered"}, {ClassConversation, "conversation"}, {ClassMessage, "message"}}

// String lists the classes, "answered|conversation".
func (c Class) String() string {
	var parts []string
	for _, n := range classNames {
		if c&n.c != 0 {
			parts = append(parts, n.name)
		}
	}
	return strings.Join(parts, "|")
}

// MarshalJSON writes the classes as a list of names.
func (c Class) MarshalJSON() ([]byte, error) {
	names := []string{}
	for _, n := range classNames {
		if c&n.c != 0 {
			names = append(names, n.name)
		}
	}
	return json.Marshal(names)
}

// UnmarshalJSON reads a list of class names.
func (c *Class) UnmarshalJSON(b []byte) error {
	var names []string
	if err := json.Unmarshal(b, &names); err != nil {
		return err
	}
	*c = 0
	for _, s := range names {
		i := slices.IndexFunc(classNames, func(n struct {
			c    Class
			name string
		}) bool {
			return n.name == s
		})
		if i < 0 {
			return fmt.Errorf("unknown class %q", s)
		}
		*c |= classNames[i].c
	}
	return nil
}

// TimeOfDay is a wall-clock time as seconds after local midnight, 0…86400
// (86400 = "24:00", the end of the day). JSON: "HH:MM" or "HH:MM:SS".
type TimeOfDay int32

// Clock builds a TimeOfDay.
func Clock(h, m, s int) TimeOfDay { return TimeOfDay(h*3600 + m*60 + s) }

// String formats t as HH:MM:SS.
func (t TimeOfDay) String() string {
	return fmt.Sprintf("%02d:%02d:%02d", t/3600, t%3600/60, t%60)
}

// MarshalText formats t as HH:MM, or HH:MM:SS when it has seconds.
func (t TimeOfDay) MarshalText() ([]byte, error) {
	if t%60 == 0 {
		return fmt.Appendf(nil, "%02d:%02d", t/3600, t%3600/60), nil
	}
	return []byte(t.String()), nil
}

// UnmarshalText parses HH:MM or HH:MM:SS.
func (t *TimeOfDay) UnmarshalText(b []byte) error {
	var h, m, s int
	var n int
	var err error
	switch len(b) {
	case 5:
		n, err = fmt.Sscanf(string(b), "%2d:%2d", &h, &m)
		n++
	case 8:
		n, err = fmt.Sscanf(string(b), "%2d:%2d:%2d", &h, &m, &s)
	default:
		return fmt.Errorf("time of day %q: want HH:MM or HH:MM:SS", b)
	}
	if err != nil || n != 3 || h < 0 || m < 0 || m > 59 || s < 0 || s > 59 || h > 24 || (h == 24 && m+s > 0) {
		return fmt.Errorf("time of day %q: want HH:MM or HH:MM:SS between 00:00 and 24:00", b)
	}
	*t = Clock(h, m, s)
	return nil
}

// Window is the part of a day calls may start in, in the subscriber's local
// wall-clock time, half-open: a call may start at Start, not at End. Closed
// forbids calls on that kind of day altogether.
type Window struct {
	Closed bool      `json:"closed,omitempty"`
	Start  TimeOfDay `json:"start"`
	End    TimeOfDay `json:"end"`
}

// Windows holds a window per kind of day (see package calendar).
type Windows struct {
	Working Window `json:"working"`
	Weekend Window `json:"weekend"`
	Holiday Window `json:"holiday"`
}

// Period is what a cap counts over.
type Period string

// Periods. Calendar periods are taken in the subscriber's time zone; a
// rolling period is N consecutive local calendar days ending with the day
// of the call (so "7 calls in 7 days" counts today and the six days before).
const (
	PeriodDay     Period = "day"
	PeriodWeek    Period = "week" // Monday to Sunday
	PeriodMonth   Period = "month"
	PeriodRolling Period = "rolling"
)

// Cap limits how many calls counting as Counts may fall in one period.
type Cap struct {
	Period Period `json:"period"`
	Days   int    `json:"days,omitempty"` // length of a rolling period, 1…366
	Limit  int    `json:"limit"`
	Counts Class  `json:"counts"`
}

// CoolOff forbids calls for Days local calendar days after a call counting
// as After, the day of that call being day 1 (Regulation F: no call within
// 7 days after a conversation).
type CoolOff struct {
	Days  int   `json:"days"`
	After Class `json:"after"`
}

// Policy is a set of call rules, as data. Policies are validated by
// Validate; the presets are in presets.go.
type Policy struct {
	Name   string `json:"name"`
	Source string `json:"source,omitempty"` // where the rules come from (documentation)
	// Windows per kind of day. A year the calendar has no data for uses,
	// every day, the intersection of the three (the strictest).
	Windows Windows `json:"windows"`
	// StartBufferSeconds and EndBufferSeconds narrow every window: calls may
	// start from Start+StartBuffer and must start before End−EndBuffer (an
	// end buffer keeps a call that starts late from running past the end).
	StartBufferSeconds int   `json:"start_buffer_seconds,omitempty"`
	EndBufferSeconds   int   `json:"end_buffer_seconds,omitempty"`
	Caps               []Cap `json:"caps,omitempty"`
	// CoolOff is optional (Days == 0: none).
	CoolOff CoolOff `json:"cool_off,omitzero"`
	// MaxInFlight is how many reservations of one subscriber may be in flight
	// at once; 0 means 1.
	MaxInFlight int `json:"max_in_flight,omitempty"`
}

// MaxPeriodDays bounds rolling periods and cool-offs, and so how far back a
// decision ever looks (see Service.Prune).
const MaxPeriodDays = 366

// Validate checks p and returns a *storage.ValidationError naming every bad
// field (JSON names, e.g. "policy.windows.working.end"): an empty name, a
// name or source that is not single-line text (storage.ValidText) or longer
// than MaxPolicyNameLength or MaxPolicySourceLength characters, a
// window not closed whose start is not before its end (inverted windows),
// times outside 00:00–24:00, buffers that are negative or leave no window,
// unknown periods, limits below 1, rolling periods outside 1…366 days, caps
// that count nothing, a negative or too long cool-off, a negative in-flight
// limit.
func (p Policy) Validate(op string) error {
	v := &storage.ValidationError{Op: op}
	if strings.TrimSpace(p.Name) == "" {
		v.Add("policy.name", "required", "is required")
	} else {
		v.CheckText("policy.name", p.Name, MaxPolicyNameLength, true)
	}
	v.CheckText("policy.source", p.Source, MaxPolicySourceLength, false)
	if p.StartBufferSeconds < 0 || p.StartBufferSeconds >= 86400 {
		v.Add("policy.start_buffer_seconds", "range", "must be 0 or more and under a day")
	}
	if p.EndBufferSeconds < 0 || p.EndBufferSeconds >= 86400 {
		v.Add("policy.end_buffer_seconds", "range", "must be 0 or more and under a day")
	}
	for _, w := range []struct {
		name string
		w    Window
	}{{"working", p.Windows.Working}, {"weekend", p.Windows.Weekend}, {"holiday", p.Windows.Holiday}} {
		f := "policy.windows." + w.name
		if w.w.Closed {
			continue
		}
		switch {
		case w.w.Start < 0 || w.w.Start > 86400:
			v.Add(f+".start", "range", "must be between 00:00 and 24:00")
		case w.w.End < 0 || w.w.End > 86400:
			v.Add(f+".end", "range", "must be between 00:00 and 24:00")
		case w.w.Start >= w.w.End:
			v.Add(f+".end", "gtfield", "must be after start (windows are half-open [start, end) within one day)")
		case int(w.w.Start)+p.StartBufferSeconds >= int(w.w.End)-p.EndBufferSeconds:
			v.Add(f, "buffers", "the buffers leave no time in the window")
		}
	}
	for i, c := range p.Caps {
		f := fmt.Sprintf("policy.caps[%d]", i)
		switch c.Period {
		case PeriodDay, PeriodWeek, PeriodMonth:
			if c.Days != 0 {
				v.Add(f+".days", "excluded_unless", "is only for rolling periods")
			}
		case PeriodRolling:
			if c.Days < 1 || c.Days > MaxPeriodDays {
				v.Add(f+".days", "range", fmt.Sprintf("must be 1…%d", MaxPeriodDays))
			}
		default:
			v.Add(f+".period", "oneof", "must be day, week, month or rolling")
		}
		if c.Limit < 1 {
			v.Add(f+".limit", "min", "must be at least 1 (remove the cap to allow any number)")
		}
		if c.Counts == 0 || c.Counts&^ClassAll != 0 {
			v.Add(f+".counts", "required", "must name what the cap counts")
		}
	}
	if p.CoolOff.Days < 0 || p.CoolOff.Days > MaxPeriodDays {
		v.Add("policy.cool_off.days", "range", fmt.Sprintf("must be 0…%d", MaxPeriodDays))
	}
	if p.CoolOff.Days > 0 && (p.CoolOff.After == 0 || p.CoolOff.After&^ClassAll != 0) {
		v.Add("policy.cool_off.after", "required", "must name what starts the cool-off")
	}
	if p.MaxInFlight < 0 {
		v.Add("policy.max_in_flight", "min", "must not be negative")
	}
	return v.Err()
}

// lookbackDays is how many local days before the day of a call the policy
// ever looks at.
func (p Policy) lookbackDays() int {
	n := 1
	for _, c := range p.Caps {
		switch c.Period {
		case PeriodWeek:
			n = max(n, 7)
		case PeriodMonth:
			n = max(n, 31)
		case PeriodRolling:
			n = max(n, c.Days)
		}
	}
	return max(n, p.CoolOff.Days)
}
