// Package presence is operator status and pause budgets:
// Online / Away(pause type) / Offline, an append-only ledger of status
// intervals in server time, per-day pause budgets in the member's time zone,
// and the automatic switch to a fallback pause when a budget runs out.
//
// # Pause types
//
// Defined per company by administrators only (tenancy.ActEditSettings:
// administrators, the owner, the company's reseller, the platform): a name
// (required, ≤100 characters, unique among the company's non-archived types
// case-insensitively, else storage.ErrConflict), paid or unpaid, a daily
// allocation (nil = unlimited; otherwise in (0, 24h], whole microseconds),
// and an optional fallback type. The fallback must be a non-archived type of
// the same company and may not close a cycle (A → B → A, or A → A); both are
// *storage.ValidationError on "fallback_id" — a type of another company is
// reported like an unknown one, so existence does not leak. Types are
// archived, never deleted; an archived type cannot be set or chosen as a
// fallback, and a type that is some active type's fallback cannot be archived
// (storage.ErrConflict). Updates and archiving take the type's Version
// (optimistic; stale → storage.ErrConflict). Everyone who may set a status in
// the company may list its types.
//
// # Who has presence
//
// Members with the roles operator, manager, administrator and owner
// (HasPresence). A status change for a user who is not a member of the
// company is storage.ErrNotFound (entity "operator"); for a member whose role
// has no presence (reseller or platform administrator memberships) it is a
// *storage.ValidationError on "user_id". Setting a status is authorised as
// tenancy.ActOwnStatus on that member: the member themself, or the company's
// administrators, owner, reseller and the platform. Managers cannot set other
// members' status. A suspended company's statuses cannot be changed
// (storage.ErrSuspended); automatic switches still apply.
//
// # Status and the ledger
//
// The current status of a member is one row (Current) carrying a Version;
// every change goes through Store.PutCurrent conditioned on the previous
// version, so of two devices changing the status at once exactly one wins and
// the other gets storage.ErrConflict — the ledger cannot fork. Devices send
// the Version they last saw (Change.Version; 0 before any status); an
// automatic switch written by ApplyDue moves the Version too, so a device
// acting on a view from before the switch gets storage.ErrConflict and
// re-reads. Times come
// from the service's clock (server time), never from the device; if a host's
// clock is behind the row's start, the change is recorded at the row's start
// (never back in time).
//
// The ledger is append-only: when a status ends, its interval [since, end)
// is appended, cut at every local midnight of the member's effective time
// zone (Locations), so no interval spans two local days and a DST day holds
// 23 or 25 hours. The running status is the Current, not yet an interval.
// Changing the pause type mid-pause closes one interval and opens another.
// Setting the status a member already has records nothing. Each interval
// keeps the pause type's paid flag at the time it was recorded.
//
// # Budgets
//
// Budget gives, per pause type and local day: spent, left (green), exceeded
// (red) and whether the type is disabled for the member. The "used up"
// decision is licensing/threshold's Hysteresis on the time left with
// threshold 0: exactly 0 left counts as used up. A used-up type is refused
// to the member (storage.ErrLimitExceeded); an administrator (anyone with
// tenancy.ActEditSettings on the company) may still set it, recorded with
// Cause "override" and audited as "presence.status.override".
//
// # Automatic switch
//
// A pause of a limited type with a fallback, begun with time left, is
// "armed": its Current.DueAt is the instant its allocation runs out (if that
// falls after the next local midnight, the new day's fresh allocation counts
// from midnight). At that instant the status switches to the fallback — to
// the first type along the fallback chain that is not archived and still has
// time left that day, or, when all are used up, to the chain's last
// non-archived type — and the switch is recorded at the due instant, however
// late it is applied. A pause begun with nothing left (an override) is
// disarmed and re-arms at the next local midnight, as the hysteresis
// prescribes. A type without a fallback is never switched: time simply
// counts as exceeded.
//
// The SDK starts no goroutine. NextTransition tells the host the next
// instant any member of a company needs a switch; ApplyDue applies every
// switch due up to now (capped at the service clock), each member's write
// conditioned on the status row's version (members are committed in groups
// of up to 500, each group read and written with a few set-based store
// calls — LockCurrents, DaysIntervals, UpdateCurrents, AppendIntervals,
// audit RecordAll, Outbox.EnqueueMessages — whatever its size; a failing
// group is redone one member per transaction), so it is
// idempotent and several hosts may run it at once: each switch is applied,
// audited ("presence.status.auto_switch", by tenancy.System) and written to
// the outbox (storage.TopicPauseSwitch, delivered to OnSwitch) exactly once.
//
// A platform runs one loop instead of one per company:
// NextPlatformTransition and ApplyPlatformDue do the same across every
// company, in due order. Stores serve them from an index on the due instant
// (Current.DueAt, written with the status row in its transaction), so a
// call costs what is due, not what is stored. Both forms may run side by
// side; each switch is still applied once. SetStatus applies a
// member's due switches before the requested change, and the read views
// (Status, Budget, Report) show them even before anybody applied them.
//
// Changes to a pause type do not rewrite running pauses: a pause keeps the
// due instant computed when it began (or last switched), and when that
// instant comes the allocation is re-checked with the type's current
// definition — a raised allocation postpones the switch, a removed fallback
// or allocation cancels it. A lowered allocation takes effect from the next
// pause. A member's time zone is read when an interval is closed or a due
// instant computed.
//
// # Report
//
// Report gives, per member and day of the company's zone
// (Locations.Location(ctx, companyID, "") unless ReportRequest.Location is
// set), time Online, Away and Offline, paid and unpaid pause time, and per
// pause type the time spent and the time beyond its (current) daily
// allocation. Company-wide reports need tenancy.ActView on the company; a
// member may read their own.
//
// # Atomicity and audit
//
// Every mutation runs in one storage.Transactor.InTx: load facts, authorise,
// validate, store, audit; bad input leaves nothing behind. Audit actions:
// presence.pause_type.create/update/archive, presence.status.set,
// presence.status.override, presence.status.auto_switch.
package presence
