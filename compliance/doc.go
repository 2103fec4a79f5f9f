// Package compliance decides whether a company may call a subscriber now,
// under FZ-230 and other outbound-call rules, and keeps the call history
// those rules count — race-free for many parallel dialers.
//
// # Policies are data
//
// A Policy holds windows per kind of day (working day, weekend, holiday;
// package calendar decides the kind), in the subscriber's local wall-clock
// time, half-open ([start, end): a call may start at 09:10:00, not at
// 19:50:00); optional start/end buffers that narrow every window; caps per
// period (calendar day, calendar week Monday–Sunday, calendar month — all in
// the subscriber's zone — or N consecutive local days); which outcomes each
// cap counts (Class: attempts, answered by a person, conversations,
// messages); a cool-off after a conversation (N local days, that day being
// day 1); and how many calls may be in flight per subscriber (default 1).
// Policy.Validate names every bad field; Compile turns a policy into Rules,
// the allocation-free evaluator.
//
// # Presets, and the difference between the manual and the statute
//
//   - ManualFZ230: the product manual's profile: 09:10–19:50
//     every day; optional caps 2/day, 4/week, 16/month of answered calls.
//   - FZ230Calls: Federal law 230-FZ art. 7 for telephone conversations:
//     08:00–22:00 on working days, 09:00–20:00 on weekends and non-working
//     holidays, at most 1 a day, 2 a week, 8 a month; a conversation with a
//     robot counts (since 2024).
//   - FZ230Messages: 230-FZ for messages: same hours, 2/4/16.
//   - RegF: US FDCPA / Regulation F: 08:00–21:00, 7 calls in 7 consecutive
//     days, no call within 7 days after a conversation.
//
// The manual's caps (2/4/16) are the statute's MESSAGE caps, not its call
// caps. A creditor or collector using the manual's profile for debt
// collection calls is NOT within the legal call limit of 230-FZ (1/2/8
// conversations); pick FZ230Calls. A company that never chose a policy gets
// FZ230Calls (DefaultPolicy).
//
// # Time zones
//
// The subscriber's zone comes from the call-list record (Call.Zone) when
// given, else from the number (package zone: Russian area codes, the
// ministry's numbering plan for mobiles when the host loads it, libphonenumber
// for other countries, never for +79…). When several zones are possible,
// every one must allow the call — caps and cool-off included, each computed
// in that zone. When nothing precise is known for a Russian number, every
// Russian zone (UTC+2…+12) must allow it (the decision notes
// ReasonZoneGuessed); with no zone at all the call is refused
// (ReasonUnknownZone). The server's zone is never used. IANA rules are
// embedded (time/tzdata) and applied at the instant of the call: wall-clock
// times that do not exist (spring-forward) open at the end of the gap;
// repeated ones (fall-back) open at their first occurrence.
//
// # Calendars
//
// Working day vs day off is decided on the subscriber's local date by the
// production calendar of the number's country (WithCalendar; Russia's 2025
// and 2026 federal calendars are built in). For a year without data every
// day gets the strictest window (the intersection of the three) and the
// decision notes ReasonCalendarMissing. Policies whose three windows are
// equal do not consult the calendar. Regional holidays (Tatarstan,
// Bashkortostan…) are layered per numbering-plan region with
// WithRegionalCalendars and calendar.Layered.
//
// # The dialer API
//
// Check is read-only; CheckInto is Check writing into the caller's Decision,
// the zero-allocation form for dialers. Reserve checks and holds atomically: it locks the
// subscriber (company, Call.Key — the debt or case, default the E.164
// number), re-reads the history, decides, stores a pending reservation that
// expires after the TTL (WithReservationTTL, default 10 min) and writes an
// audit event, all in one transaction. A pending reservation counts against
// every cap as every class until Complete (idempotent by reservation: the
// same outcome twice is a no-op, a different one storage.ErrConflict) or
// Release (the call was never placed: it stops counting). A reservation
// never completed keeps counting after it expires — as answered, since it
// may have been, so it also starts a cool-off such as Regulation F's — and
// frees its in-flight slot; a late Complete replaces that worst case with
// the real outcome. Reserve, Complete, Release,
// SetSettings and Prune are each one transaction, authorised
// (tenancy.ActDial, ActEditSettings, ActPlatform) and audited.
//
// With the company's FZ-230 flag off every call is allowed (ReasonFlagOff)
// and still reserved and recorded; no rule applies, not even the in-flight
// limit. A suspended company (tenancy status, or the host's Suspensions) is
// refused with ReasonSuspended (a decision, like every refusal); its decision still
// lists the rules' own reasons but has no NextAllowed.
//
// A Decision carries every reason that applies, not the first, and
// NextAllowed: the earliest instant the call would be allowed if nothing
// else happened, computed by jumping from boundary to boundary (window
// openings, period ends, the day a rolling window drops its oldest counted
// call, the end of the cool-off, in-flight expiries) — never by scanning
// minute by minute. It assumes in-flight reservations end up counting.
//
// # Storage
//
// Store is the contract a backend implements (storage/memory,
// storage/bunstore; storage/storagetest is its conformance suite). Reserve
// relies on LockSubject to serialise reservations of one subscriber: a row
// lock on PostgreSQL and MySQL (both run READ COMMITTED, so the history read
// after the lock sees every reservation committed before it), the write lock
// on SQLite, the store lock in memory. Complete and Release read their
// reservation with a row lock, so concurrent reports of one outcome queue and
// all see the idempotent result. A store may also implement
// RecordReader to hand the rules their compact history without copying whole
// reservations, and SharedSettingsReader to hand out settings without
// copying them; the memory backend does both. A CheckReader reads the
// settings and one subject's history together (one statement on
// PostgreSQL): Check uses it once it has compiled the company's rules, and
// so does Reserve right after LockSubject, reading the history as far back
// as those rules look; should the settings
// it reads look further back, it reads the history again from there, and
// it leaves out calls older than the rules look at, so its decision is
// always the one of the separate reads. SettingsLocker (the subscriber
// lock returning the settings, for a Reserve before the rules are
// compiled) and PendingFinisher (Complete's update returning the row) save
// Reserve and Complete a round trip each.
//
// # Caches
//
// Check keeps nothing that can go stale. A Service caches, each bounded,
// sharded and safe for concurrent use: the zone resolution of a number as
// given (WithResolutionCache, default DefaultResolutionCache entries; only
// for a resolver that is zone.Stable, as zone.Default is, and only
// successful answers); loaded IANA zones (bounded by the zone names that
// exist); and the rules compiled from each company's policy (16 384
// companies), which are used only while the policy the store returns is
// equal to the one they were compiled from, field by field — so a new
// policy, or one saved in a transaction that rolled back, is never answered
// with old rules. Settings, suspension, the company and the history are read
// on every call.
//
// # Performance
//
// Rules.Evaluate for a subscriber with 100 calls of history takes about
// 0.2 µs and allocates nothing. On the memory backend, with the number's
// resolution and the policy cached, CheckInto (directory, authorisation,
// settings and history read included) takes about half a microsecond and
// allocates nothing when the caller reuses its Decision; Check is the same
// plus one small allocation, the Decision's own Zones slice (figures:
// BenchmarkServiceCheck). On SQL, Reserve and Complete lock only the
// subscriber's row and the reservation: their audit events are plain
// inserts (sealed into the company's log later by audit.Log.Seal), so one
// company's dialers do not queue on a shared row.
//
// # Errors
//
// Bad input — a missing company or phone, a malformed number, an unknown
// zone name, an invalid policy (inverted windows, zero or negative caps,
// unknown periods), an unknown outcome — is a *storage.ValidationError
// naming the field. Unknown company or reservation: storage.ErrNotFound.
// Another company's reservation or a role without the right:
// storage.ErrForbidden. A refused Reserve is not an error: it returns the
// refusing Decision with a nil error (see Reserve for the dialer's loop).
//
// # Retention
//
// Prune deletes reservations older than RetainDays (the longest period any
// valid policy can look back over, plus two days) in one call.
package compliance
