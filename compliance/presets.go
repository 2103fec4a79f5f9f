package compliance

// The presets. Each names what it is and where its numbers come from; pick
// with Preset(name) or use the values directly. Presets are values: change
// a copy to make a custom policy.

// Preset names.
const (
	PresetManualFZ230   = "manual_fz230"
	PresetFZ230Calls    = "fz230_calls"
	PresetFZ230Messages = "fz230_messages"
	PresetRegF          = "us_reg_f"
)

// ManualFZ230 is the FZ-230 profile of the contact-centre product manual: calls
// between 09:10 and 19:50 in the subscriber's local time every day, and, when
// switched on for a call-list record, at most 2 a day, 4 a week and 16 a
// month, counting only calls answered by a person (status "Answered", no
// answering machine detected).
//
// These caps are NOT the statute's call limits: 2/4/16 are the limits 230-FZ
// art. 7 sets for messages. A creditor or collector calling about a debt is
// limited to 1/2/8 conversations — use FZ230Calls for that.
func ManualFZ230() Policy {
	w := Window{Start: Clock(9, 10, 0), End: Clock(19, 50, 0)}
	return Policy{
		Name:    PresetManualFZ230,
		Source:  "contact-centre product manual: 09:10–19:50 local, 2/4/16 answered calls; the caps are 230-FZ art. 7's message caps, not its call caps",
		Windows: Windows{Working: w, Weekend: w, Holiday: w},
		Caps: []Cap{
			{Period: PeriodDay, Limit: 2, Counts: ClassAnswered},
			{Period: PeriodWeek, Limit: 4, Counts: ClassAnswered},
			{Period: PeriodMonth, Limit: 16, Counts: ClassAnswered},
		},
	}
}

// FZ230Calls is Federal law 230-FZ art. 7 for telephone conversations with a
// debtor: on working days 08:00–22:00, on weekends and non-working holidays
// 09:00–20:00, in the debtor's local time; at most 1 conversation a day, 2 a
// week, 8 a month. Since 2024 a conversation with an automated (robot)
// caller is a conversation: report it as OutcomeAnsweredHuman.
func FZ230Calls() Policy {
	return Policy{
		Name:   PresetFZ230Calls,
		Source: "230-FZ art. 7 (telephone conversations, incl. robot calls): 08–22 working days, 09–20 days off, 1/day 2/week 8/month",
		Windows: Windows{
			Working: Window{Start: Clock(8, 0, 0), End: Clock(22, 0, 0)},
			Weekend: Window{Start: Clock(9, 0, 0), End: Clock(20, 0, 0)},
			Holiday: Window{Start: Clock(9, 0, 0), End: Clock(20, 0, 0)},
		},
		Caps: []Cap{
			{Period: PeriodDay, Limit: 1, Counts: ClassConversation},
			{Period: PeriodWeek, Limit: 2, Counts: ClassConversation},
			{Period: PeriodMonth, Limit: 8, Counts: ClassConversation},
		},
	}
}

// FZ230Messages is 230-FZ art. 7 for messages (SMS, voice and other
// messages): the same hours as conversations, at most 2 a day, 4 a week,
// 16 a month.
func FZ230Messages() Policy {
	p := FZ230Calls()
	p.Name = PresetFZ230Messages
	p.Source = "230-FZ art. 7 (messages): 08–22 working days, 09–20 days off, 2/day 4/week 16/month"
	p.Caps = []Cap{
		{Period: PeriodDay, Limit: 2, Counts: ClassMessage},
		{Period: PeriodWeek, Limit: 4, Counts: ClassMessage},
		{Period: PeriodMonth, Limit: 16, Counts: ClassMessage},
	}
	return p
}

// RegF is the US FDCPA as implemented by CFPB Regulation F (12 CFR
// 1006.6(b)(1)(i) and 1006.14(b)(2)): calls only between 08:00 and 21:00 at
// the consumer's location; at most 7 calls within 7 consecutive days; none
// within 7 days after a telephone conversation, the day of the conversation
// being the first of the 7. Every placed call counts (busy, unanswered and
// failed ones too); Regulation F counts per debt, so set Call.Key to the
// debt's identifier.
func RegF() Policy {
	w := Window{Start: Clock(8, 0, 0), End: Clock(21, 0, 0)}
	return Policy{
		Name:    PresetRegF,
		Source:  "FDCPA / Regulation F, 12 CFR 1006.6(b)(1)(i), 1006.14(b)(2): 08–21 local, 7 calls in 7 days, 7-day cool-off after a conversation",
		Windows: Windows{Working: w, Weekend: w, Holiday: w},
		Caps:    []Cap{{Period: PeriodRolling, Days: 7, Limit: 7, Counts: ClassAttempt}},
		CoolOff: CoolOff{Days: 7, After: ClassConversation},
	}
}

// Preset returns the preset named name.
func Preset(name string) (Policy, bool) {
	switch name {
	case PresetManualFZ230:
		return ManualFZ230(), true
	case PresetFZ230Calls:
		return FZ230Calls(), true
	case PresetFZ230Messages:
		return FZ230Messages(), true
	case PresetRegF:
		return RegF(), true
	}
	return Policy{}, false
}

// Presets returns every preset.
func Presets() []Policy { return []Policy{ManualFZ230(), FZ230Calls(), FZ230Messages(), RegF()} }
