package compliance

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/compliance/calendar"
	"github.com/switchboardkit/switchboard/compliance/zone"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/observe"
	"github.com/switchboardkit/switchboard/tenancy"
)

// Suspensions tells whether a company is suspended (licensing implements
// it: credit limit passed, subscription lapsed). A company whose
// tenancy.CompanyRef.Status is suspended is refused as well.
type Suspensions interface {
	Suspended(ctx context.Context, companyID string) (bool, error)
}

// Call is what the dialer asks about: one call-list record.
type Call struct {
	CompanyID string `json:"company_id"`
	// Phone is the subscriber's number: E.164 ("+79161234567") or a Russian
	// national form ("8 916 123-45-67").
	Phone string `json:"phone"`
	// Zone is the subscriber's IANA time zone when the call list knows it;
	// it replaces resolution from the number.
	Zone string `json:"zone,omitempty"`
	// Zones are further candidate IANA zones the call list knows for the
	// record (a subscriber who may be in either of two regions). With Zone
	// they replace resolution from the number, and every one of them must
	// allow the call — windows, caps and cool-off each computed in that
	// zone — as when the number itself maps to several zones. Duplicates
	// count once; at most 16.
	Zones []string `json:"zones,omitempty"`
	// Key is the debt or case the caps count against; default: the E.164
	// number. It is also the unit of the in-flight limit. Keys are compared
	// in their canonical spelling (NormalizeKey: format characters removed,
	// case folded, NFC, trimmed), so " Debt-42", "debt-42\u200b" and
	// "debt-42" are one subscriber; at most MaxKeyLength characters of
	// valid UTF-8 without control characters.
	Key string `json:"key,omitempty"`
	// SkipCaps switches the policy's caps off for this record (the manual's
	// caps are enabled per record by a call-list parameter; here they are on
	// unless switched off, the safe default). Windows, cool-off and the
	// in-flight limit still apply.
	SkipCaps bool `json:"skip_caps,omitempty"`
}

// Decision is the answer to "may this call start now?".
type Decision struct {
	Allowed bool    `json:"allowed"`
	Reasons Reasons `json:"reasons"`
	// NextAllowed is the earliest instant at or after At the call would be
	// allowed (At itself when allowed), computed from windows, calendar,
	// caps, cool-off and in-flight expiries; zero when there is none (company
	// suspended, no zone, every window closed).
	NextAllowed time.Time   `json:"next_allowed,omitzero"`
	At          time.Time   `json:"at"`
	Policy      string      `json:"policy,omitempty"`
	Phone       string      `json:"phone,omitempty"` // E.164
	Key         string      `json:"key,omitempty"`
	Zones       []string    `json:"zones,omitempty"`
	ZoneSource  zone.Source `json:"zone_source,omitempty"`
}

// Service answers the dialer and keeps the call history. See doc.go for the
// contracts.
type Service struct {
	obs       observe.Observer // logger and tracer (observe.WithLogger, observe.WithTracerProvider)
	store     Store
	tx        storage.Transactor
	dir       tenancy.Directory
	log       audit.Recorder
	susp      Suspensions
	resolver  zone.Resolver
	calendars map[string]calendar.Calendar
	regional  func(country, region string) calendar.Calendar
	clock     storage.Clock
	ttl       time.Duration

	locs         sync.Map                 // zone name → *zoneLoc (valid IANA names only: bounded)
	rules        *boundedCache[*Rules]    // company ID → rules compiled from its current policy (checked on use)
	resolutions  *boundedCache[*resolved] // phone as given → what a Stable resolver said
	zoneSets     *boundedCache[*zoneSet]  // zone names joined by NUL → the set, interned
	resolveCache int
	defaultRules *Rules
	// defaultSettings are those of a company that never saved any (flag
	// off, DefaultPolicy, version 0), for the SharedSettingsReader path;
	// never modified.
	defaultSettings Settings
}

// zoneLoc is a loaded zone, also as a one-element list of candidates.
type zoneLoc struct {
	loc *time.Location
	one []*time.Location
}

// resolved is a resolver's answer with its zones loaded; immutable once built
// (it is shared through the resolutions cache).
type resolved struct {
	e164, country, region string
	source                zone.Source
	*zoneSet
}

// zoneSet is a list of candidate zones, loaded; shared by every resolution
// with the same list (a mobile number without the numbering plan has twelve).
type zoneSet struct {
	zones []string
	locs  []*time.Location // nil when badZone != ""
	// badZone is a zone the resolver returned that is not an IANA zone.
	badZone string
	badErr  error
}

// DefaultResolutionCache is how many numbers' zone resolutions a Service
// keeps by default (see WithResolutionCache).
const DefaultResolutionCache = 1 << 15

// zoneSetCacheSize bounds the distinct candidate-zone lists kept.
const zoneSetCacheSize = 1 << 12

// rulesCacheSize bounds the compiled policies kept, one per company.
const rulesCacheSize = 1 << 14

// Option configures a Service. It is observe.Option, so the shared observe.WithLogger and
// observe.WithTracerProvider are accepted too.
type Option = observe.Option

// WithClock sets the clock (default: the system clock).
func WithClock(c storage.Clock) Option { return observe.For(func(s *Service) { s.clock = c }) }

// WithSuspensions sets who says a company is suspended (default: only
// tenancy's company status).
func WithSuspensions(x Suspensions) Option { return observe.For(func(s *Service) { s.susp = x }) }

// WithResolver replaces the time-zone resolver (default: zone.Default
// without a numbering plan). Its answers are cached per number (see
// WithResolutionCache) only when it implements zone.Stable and says so.
func WithResolver(r zone.Resolver) Option { return observe.For(func(s *Service) { s.resolver = r }) }

// WithResolutionCache sets how many numbers' zone resolutions the Service
// keeps, keyed by the phone as given in Call.Phone (default
// DefaultResolutionCache, about 150 bytes each, so 5 MB when full; 0 turns
// the cache off). Only the answers of a zone.Stable resolver are cached —
// they cannot go stale — and only successful ones. A Check whose number is
// cached neither parses nor allocates for it.
func WithResolutionCache(n int) Option {
	return observe.For(func(s *Service) { s.resolveCache = max(n, 0) })
}

// WithCalendar sets the production calendar for subscribers of an ISO
// country code (default: "RU" → calendar.Russia(); other countries have no
// calendar, so policies whose windows differ by kind of day use the
// strictest window there).
func WithCalendar(country string, c calendar.Calendar) Option {
	return observe.For(func(s *Service) { s.calendars[strings.ToUpper(country)] = c })
}

// WithRegionalCalendars lets the host give a region its own calendar (a
// republic's holidays layered over the federal calendar with
// calendar.Layered): f gets the number's country and numbering-plan region
// ("" when the plan was not used) and returns nil to keep the country's.
func WithRegionalCalendars(f func(country, region string) calendar.Calendar) Option {
	return observe.For(func(s *Service) { s.regional = f })
}

// WithReservationTTL sets how long a reservation holds before it expires and
// counts as answered (default 10 minutes; values below one second are
// raised to one second).
func WithReservationTTL(d time.Duration) Option {
	return observe.For(func(s *Service) { s.ttl = max(d, time.Second) })
}

// DefaultPolicy is the policy of a company that never chose one: the
// statute's call rules, FZ230Calls.
func DefaultPolicy() Policy { return FZ230Calls() }

// NewService returns a Service over store, in transactions of tx, asking dir
// for companies and recording to log.
func NewService(tx storage.Transactor, store Store, dir tenancy.Directory, log audit.Recorder, opts ...Option) *Service {
	s := &Service{store: store, tx: tx, dir: dir, log: log, resolver: &zone.Default{},
		calendars: map[string]calendar.Calendar{"RU": calendar.Russia()}, clock: storage.SystemClock{}, ttl: 10 * time.Minute,
		resolveCache: DefaultResolutionCache}
	observe.Apply("github.com/switchboardkit/switchboard/compliance", s, &s.obs, opts)
	if st, ok := s.resolver.(zone.Stable); !ok || !st.Stable() {
		s.resolveCache = 0
	}
	s.resolutions = newBoundedCache[*resolved](s.resolveCache)
	s.zoneSets = newBoundedCache[*zoneSet](zoneSetCacheSize)
	s.rules = newBoundedCache[*Rules](rulesCacheSize)
	r, err := Compile(DefaultPolicy())
	if err != nil {
		panic(err) // a preset that does not validate is a programming error
	}
	s.defaultRules = r
	s.defaultSettings = Settings{Policy: DefaultPolicy()}
	return s
}

// Settings returns a company's compliance settings (defaults — flag off,
// DefaultPolicy, version 0 — when never saved). Authorised as viewing the
// company.
func (s *Service) Settings(ctx context.Context, by tenancy.Actor, companyID string) (_ Settings, err error) {
	const op = "compliance.Settings"
	ctx, uc := s.obs.Start(ctx, op, companyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	ref, err := s.dir.Company(ctx, companyID)
	if err != nil {
		return Settings{}, storage.Reop(op, err)
	}
	if err := tenancy.AuthorizeIn(ctx, s.dir, op, by, tenancy.ActView, ref.Resource()); err != nil {
		return Settings{}, err
	}
	return s.settings(ctx, companyID)
}

func (s *Service) settings(ctx context.Context, companyID string) (Settings, error) {
	st, err := s.store.Settings(ctx, companyID)
	if errors.Is(err, storage.ErrNotFound) {
		return Settings{CompanyID: companyID, Policy: DefaultPolicy()}, nil
	}
	return st, err
}

// SetSettings sets a company's FZ-230 flag and policy. Authorised as
// editing the company's settings (tenancy.ActEditSettings); the policy's
// name and source are trimmed (storage.NormalizeText) and the policy is
// validated (Policy.Validate); the change is stored and audited
// ("compliance.settings.update", field-level diff) in one transaction.
func (s *Service) SetSettings(ctx context.Context, by tenancy.Actor, companyID string, fz230 bool, p Policy) (_ Settings, err error) {
	const op = "compliance.SetSettings"
	ctx, uc := s.obs.Start(ctx, op, companyID, "compliance.settings.update")
	defer func() { uc.End(err) }()
	var out Settings
	p.Name, p.Source = storage.NormalizeText(p.Name), storage.NormalizeText(p.Source)
	err = storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		ref, err := s.dir.Company(ctx, companyID)
		if err != nil {
			return err
		}
		if err := tenancy.AuthorizeIn(ctx, s.dir, op, by, tenancy.ActEditSettings, ref.Resource()); err != nil {
			return err
		}
		if err := p.Validate(op); err != nil {
			return err
		}
		before, err := s.settings(ctx, companyID)
		if err != nil {
			return err
		}
		after := Settings{CompanyID: companyID, FZ230: fz230, Policy: p,
			UpdatedAt: storage.Timestamp(s.clock.Now()), Version: before.Version + 1}
		if err := s.store.SaveSettings(ctx, after); err != nil {
			return err
		}
		var b any = before
		if before.Version == 0 {
			b = nil
		}
		if _, err := s.log.Record(ctx, audit.Entry{Actor: by.Audit(), CompanyID: companyID, Action: "compliance.settings.update",
			EntityType: "compliance_settings", EntityID: companyID, Changes: audit.Diff(b, after)}); err != nil {
			return err
		}
		out = after
		return nil
	}))
	return out, err
}

// MaxZones bounds the candidate zones of one call.
const MaxZones = 16

// explicitZones fills p and d from c.Zone and c.Zones: each a known IANA
// zone, duplicates once, at most MaxZones.
func (s *Service) explicitZones(op string, c *Call, p *prepared, d *Decision) error {
	d.ZoneSource = zone.SourceExplicit
	locs := make([]*time.Location, 0, len(c.Zones)+1)
	add := func(field, name string) error {
		zl, err := s.location(name)
		if err != nil {
			return storage.Invalid(op, field, "timezone", fmt.Sprintf("unknown IANA time zone %q", name))
		}
		for _, have := range d.Zones {
			if have == name {
				return nil
			}
		}
		if len(d.Zones) == MaxZones {
			return storage.Invalid(op, "zones", "max", fmt.Sprintf("at most %d zones", MaxZones))
		}
		d.Zones = append(d.Zones, name)
		locs = append(locs, zl.loc)
		return nil
	}
	if c.Zone != "" {
		if err := add("zone", c.Zone); err != nil {
			return err
		}
	}
	for _, z := range c.Zones {
		if err := add("zones", z); err != nil {
			return err
		}
	}
	p.subject.Zones = locs
	return nil
}

// prepared is a call with everything resolved. It must not point into
// itself, so that it stays on its caller's stack.
type prepared struct {
	ref       tenancy.CompanyRef
	settings  *Settings // read-only: may be the store's own
	rules     *Rules
	subject   Subject
	done      bool // the decision is final (flag off)
	suspended bool
}

// prepare validates and authorises c, resolves the subscriber and loads the
// company's settings and rules into p, and fills d's At, Phone, Key, Zones
// (reusing d.Zones' array), ZoneSource, Policy and notes; with the flag off
// it decides (p.done).
func (s *Service) prepare(ctx context.Context, op string, by tenancy.Actor, c *Call, now time.Time, p *prepared, d *Decision) error {
	if err := validateCall(op, c); err != nil {
		return err
	}
	if err := s.prepareCompany(ctx, op, by, c.CompanyID, p); err != nil {
		return err
	}
	return s.prepareCall(op, c, now, p, d)
}

// validateCall checks what every call needs before anything is read.
func validateCall(op string, c *Call) error {
	c.Phone, c.Zone, c.Key = storage.NormalizeText(c.Phone), storage.NormalizeText(c.Zone), storage.NormalizeText(c.Key)
	if c.CompanyID == "" || c.Phone == "" || len(c.Phone) > maxPhoneLength || len(c.Zone) > maxZoneLength || !canonicalASCII(c.Key) || len(c.Key) > MaxKeyLength {
		v := &storage.ValidationError{Op: op}
		if c.CompanyID == "" {
			v.Add("company_id", "required", "is required")
		}
		if c.Phone == "" {
			v.Add("phone", "required", "is required")
		}
		if len(c.Phone) > maxPhoneLength {
			v.Fields = append(v.Fields, storage.FieldError{Field: "phone", Rule: "max", Param: "64", Message: "must be at most 64"})
		}
		if len(c.Zone) > maxZoneLength {
			v.Fields = append(v.Fields, storage.FieldError{Field: "zone", Rule: "max", Param: "64", Message: "must be at most 64"})
		}
		checkKey(v, c.Key)
		if err := v.Err(); err != nil {
			return err
		}
		c.Key = NormalizeKey(c.Key)
	}
	return nil
}

// prepareCompany reads and authorises (tenancy.ActDial) the company's facts
// every call of it shares: its reference, suspension, settings and rules.
func (s *Service) prepareCompany(ctx context.Context, op string, by tenancy.Actor, companyID string, p *prepared) error {
	if err := s.prepareRef(ctx, op, by, companyID, p); err != nil {
		return err
	}
	return s.prepareSettings(ctx, p)
}

// prepareSettings loads the settings and rules of p's company into p.
func (s *Service) prepareSettings(ctx context.Context, p *prepared) error {
	var err error
	ref := p.ref
	if sr, ok := s.store.(SharedSettingsReader); ok {
		if p.settings, err = sr.SharedSettings(ctx, ref.ID); err != nil {
			return err
		}
		if p.settings == nil {
			p.settings = &s.defaultSettings
		}
	} else {
		st, err := s.settings(ctx, ref.ID)
		if err != nil {
			return err
		}
		p.settings = &st
	}
	return s.compileRules(p)
}

// prepareRef reads and authorises (tenancy.ActDial) the company and its
// suspension into p.
func (s *Service) prepareRef(ctx context.Context, op string, by tenancy.Actor, companyID string, p *prepared) error {
	ref, err := s.dir.Company(ctx, companyID)
	if err != nil {
		return storage.Reop(op, err)
	}
	if err := tenancy.AuthorizeIn(ctx, s.dir, op, by, tenancy.ActDial, ref.Resource()); err != nil {
		return err
	}
	p.ref = ref
	p.suspended = ref.Status == tenancy.StatusSuspended
	if !p.suspended && s.susp != nil {
		if p.suspended, err = s.susp.Suspended(ctx, ref.ID); err != nil {
			return err
		}
	}
	return nil
}

// compileRules sets p.rules from p.settings (nil with the flag off).
func (s *Service) compileRules(p *prepared) error {
	p.rules = nil
	if p.settings.FZ230 {
		var err error
		if p.rules, err = s.compiled(p.ref.ID, p.settings); err != nil {
			return err
		}
	}
	return nil
}

// prepareCall resolves c's subscriber on top of the company facts in p and
// fills d's At, Phone, Key, Zones (reusing d.Zones' array), ZoneSource,
// Policy and notes; with the flag off it decides (p.done).
func (s *Service) prepareCall(op string, c *Call, now time.Time, p *prepared, d *Decision) error {
	res, err := s.resolve(op, c.Phone)
	if err != nil {
		return err
	}
	*d = Decision{At: now, Phone: res.e164, Key: c.Key, Zones: d.Zones[:0], ZoneSource: res.source}
	if d.Key == "" {
		d.Key = res.e164
	}
	p.subject = Subject{}
	p.done = false
	if len(c.Zones) > 0 {
		if err := s.explicitZones(op, c, p, d); err != nil {
			return err
		}
	} else if c.Zone != "" {
		zl, err := s.location(c.Zone)
		if err != nil {
			return storage.Invalid(op, "zone", "timezone", fmt.Sprintf("unknown IANA time zone %q", c.Zone))
		}
		d.Zones, d.ZoneSource = append(d.Zones, c.Zone), zone.SourceExplicit
		p.subject.Zones = zl.one
	} else {
		if res.badZone != "" {
			return storage.Internal(op, res.badErr).Explain("resolver returned unknown zone " + res.badZone)
		}
		d.Zones = append(d.Zones, res.zones...)
		p.subject.Zones = res.locs
	}
	if d.ZoneSource == zone.SourceCountry {
		d.Reasons |= ReasonZoneGuessed
	}
	p.subject.Calendar = s.calendars[res.country]
	if s.regional != nil {
		if c := s.regional(res.country, res.region); c != nil {
			p.subject.Calendar = c
		}
	}
	p.subject.SkipCaps = c.SkipCaps
	if p.suspended {
		d.Reasons |= ReasonSuspended
	}
	d.Policy = p.settings.Policy.Name
	if !p.settings.FZ230 {
		d.Reasons |= ReasonFlagOff
		p.done = true
		if !p.suspended {
			d.Allowed, d.NextAllowed = true, now
		}
	}
	return nil
}

// resolve resolves a phone number (as given) to zones, through the cache
// when the resolver is stable.
func (s *Service) resolve(op, phone string) (*resolved, error) {
	if r, ok := s.resolutions.get(phone); ok {
		return r, nil
	}
	res, err := s.resolver.Resolve(phone)
	if err != nil {
		if errors.Is(err, zone.ErrBadNumber) {
			return nil, storage.Invalid(op, "phone", "e164", err.Error())
		}
		return nil, err
	}
	key := strings.Clone(phone) // never pin the caller's buffer
	r := &resolved{e164: res.E164, country: res.Country, region: res.Region, source: res.Source,
		zoneSet: s.zoneSet(res.Zones)}
	if r.e164 == key { // the number came normalised: keep one copy of it
		r.e164 = key
	}
	s.resolutions.put(key, r)
	return r, nil
}

// zoneSet returns the loaded, interned set of zones.
func (s *Service) zoneSet(zones []string) *zoneSet {
	key := strings.Join(zones, "\x00")
	if zs, ok := s.zoneSets.get(key); ok {
		return zs
	}
	zs := &zoneSet{zones: slices.Clip(slices.Clone(zones)), locs: make([]*time.Location, 0, len(zones))}
	for _, z := range zs.zones {
		zl, err := s.location(z)
		if err != nil {
			zs.locs, zs.badZone, zs.badErr = nil, z, err
			break
		}
		zs.locs = append(zs.locs, zl.loc)
	}
	s.zoneSets.put(key, zs)
	return zs
}

func (s *Service) location(name string) (*zoneLoc, error) {
	if l, ok := s.locs.Load(name); ok {
		return l.(*zoneLoc), nil
	}
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("zone %q is not an IANA zone", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zl := &zoneLoc{loc: loc, one: []*time.Location{loc}}
	s.locs.Store(strings.Clone(name), zl)
	return zl, nil
}

// compiled returns the rules of st's policy: the preset's when the company
// never saved settings, else those cached for the company if they were
// compiled from a policy equal to st's (compared field by field, so a
// cached entry can never outlive the policy it came from, whatever happened
// to versions in rolled-back transactions), else freshly compiled.
func (s *Service) compiled(companyID string, st *Settings) (*Rules, error) {
	if st.Version == 0 {
		return s.defaultRules, nil
	}
	if r, ok := s.rules.get(companyID); ok && r.compiledFrom(&st.Policy) {
		return r, nil
	}
	r, err := Compile(st.Policy)
	if err != nil {
		return nil, err
	}
	s.rules.put(companyID, r)
	return r, nil
}

// since is the oldest reservation time the rules can look at: the policy's
// longest period (plus two days for zone offsets), or further back when a
// reservation made then could still be in flight.
func (s *Service) since(now time.Time, r *Rules) time.Time {
	back := time.Duration(r.policy.lookbackDays()+2) * 24 * time.Hour
	return now.Add(-max(back, s.ttl+time.Hour))
}

var recordPool = sync.Pool{New: func() any { b := make([]Record, 0, 128); return &b }}

// decide reads the subject's history and evaluates the rules at now into d.
func (s *Service) decide(ctx context.Context, p *prepared, now time.Time, d *Decision) error {
	since := s.since(now, p.rules)
	if rr, ok := s.store.(RecordReader); ok {
		buf := recordPool.Get().(*[]Record)
		defer func() {
			if cap(*buf) <= 4096 {
				recordPool.Put(buf)
			}
		}()
		recs, err := rr.HistoryRecords(ctx, p.ref.ID, d.Key, since, (*buf)[:0])
		if err != nil {
			return err
		}
		*buf = recs
		p.subject.History = recs
	} else {
		hist, err := s.store.History(ctx, p.ref.ID, d.Key, since)
		if err != nil {
			return err
		}
		p.subject.History = make([]Record, len(hist))
		for i, r := range hist {
			p.subject.History[i] = r.Record()
		}
	}
	s.evaluate(p, now, d)
	return nil
}

// evaluate applies p's rules to p's subject (its history loaded) at now.
func (s *Service) evaluate(p *prepared, now time.Time, d *Decision) {
	v := p.rules.Evaluate(now, &p.subject)
	d.Allowed, d.NextAllowed = v.Allowed, v.Next
	d.Reasons |= v.Reasons
	if p.suspended { // refused whatever the rules say; they are still reported
		d.Allowed, d.NextAllowed = false, time.Time{}
	}
}

// Check answers whether the call may start now, without holding anything:
// every reason that applies and the earliest allowed instant. Authorised as
// tenancy.ActDial on the company. Errors: *storage.ValidationError for a
// missing company or phone, a malformed number ("phone") or an unknown zone
// name ("zone"); storage.ErrNotFound for an unknown company;
// storage.ErrForbidden. A suspended company is not an error: the decision
// says ReasonSuspended (with whatever else applies) and has no NextAllowed.
//
// The Decision's Zones is a fresh slice, so Check allocates it; CheckInto
// is the allocation-free form for dialers that check in a loop.
func (s *Service) Check(ctx context.Context, by tenancy.Actor, c Call) (Decision, error) {
	var d Decision
	if err := s.CheckInto(ctx, by, c, &d); err != nil {
		return Decision{}, err
	}
	return d, nil
}

// CheckInto is Check writing the decision into *d, the zero-allocation path:
// *d is overwritten whole, but the array behind d.Zones is reused, so a
// caller that keeps one Decision per worker and passes it again and again
// (after it is done with the previous answer) gets its decisions without
// allocating — on the memory backend, once the number's zone resolution and
// the company's compiled policy are cached. On error *d is reset (d.Zones
// emptied, its array kept). d must not be nil. Same contract as Check
// otherwise: read-only, authorised as tenancy.ActDial, same errors.
func (s *Service) CheckInto(ctx context.Context, by tenancy.Actor, c Call, d *Decision) (err error) {
	const op = "compliance.Check"
	ctx, uc := s.obs.Start(ctx, op, c.CompanyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	now := s.clock.Now()
	var p prepared
	if cr, ok := s.store.(CheckReader); ok {
		if r, cached := s.rules.get(c.CompanyID); cached {
			err = s.checkOne(ctx, op, by, cr, s.since(now, r), false, &c, now, &p, d)
			if err != nil {
				*d = Decision{Zones: d.Zones[:0]}
			}
			return err
		}
	}
	err = s.prepare(ctx, op, by, &c, now, &p, d)
	if err == nil && !p.done {
		err = s.decide(ctx, &p, now, d)
	}
	if err != nil {
		*d = Decision{Zones: d.Zones[:0]}
	}
	return err
}

// checkOne is Check on a CheckReader store: settings and history in one
// read, the history since guess (the look-back of the rules last compiled
// for the company). When the settings read say the look-back is longer,
// the history is read again from there; records older than the rules look
// at are left out, so the decision is the one prepare and decide give.
// With lock (Reserve) the subject is locked (LockSubject) before the read,
// unless the company is suspended.
func (s *Service) checkOne(ctx context.Context, op string, by tenancy.Actor, cr CheckReader, guess time.Time, lock bool, c *Call, now time.Time, p *prepared, d *Decision) error {
	if err := validateCall(op, c); err != nil {
		return err
	}
	if err := s.prepareRef(ctx, op, by, c.CompanyID, p); err != nil {
		return err
	}
	key := c.Key // the subject's key, as prepareCall derives it
	if key == "" {
		res, err := s.resolve(op, c.Phone)
		if err != nil {
			return err
		}
		key = res.e164
	}
	if lock && !p.suspended { // a suspended company's call is refused and holds nothing: no lock
		if err := s.store.LockSubject(ctx, p.ref.ID, key); err != nil {
			return err
		}
	}
	buf := recordPool.Get().(*[]Record)
	defer func() {
		if cap(*buf) <= 4096 {
			recordPool.Put(buf)
		}
	}()
	st, recs, err := cr.CheckRecords(ctx, p.ref.ID, key, guess, (*buf)[:0])
	if err != nil {
		return err
	}
	*buf = recs
	p.settings = st
	if st == nil {
		p.settings = &s.defaultSettings
	}
	if err := s.compileRules(p); err != nil {
		return err
	}
	if err := s.prepareCall(op, c, now, p, d); err != nil {
		return err
	}
	if p.done {
		return nil
	}
	since := s.since(now, p.rules)
	if since.Before(guess) { // the policy now looks further back than the read
		if recs, err = s.history(ctx, p, d.Key, since, recs[:0]); err != nil {
			return err
		}
		*buf = recs
	}
	from := since.UnixMicro()
	i := 0
	for i < len(recs) && recs[i].At < from {
		i++
	}
	p.subject.History = recs[i:]
	s.evaluate(p, now, d)
	return nil
}

// history reads a subject's records since, into buf.
func (s *Service) history(ctx context.Context, p *prepared, key string, since time.Time, buf []Record) ([]Record, error) {
	if rr, ok := s.store.(RecordReader); ok {
		return rr.HistoryRecords(ctx, p.ref.ID, key, since, buf)
	}
	hist, err := s.store.History(ctx, p.ref.ID, key, since)
	if err != nil {
		return buf, err
	}
	for _, r := range hist {
		buf = append(buf, r.Record())
	}
	return buf, nil
}

// Reserve checks the call and, when allowed, holds it: in one transaction it
// locks the subscriber (company, key), re-reads the history, decides, stores
// a pending reservation expiring after the reservation TTL and audits it
// ("compliance.call.reserve"). Concurrent Reserves for one subscriber are
// serialised, so caps and the in-flight limit are never overshot. The
// reservation counts against caps (as every outcome) until Complete or
// Release; if neither comes before it expires it keeps counting as answered.
//
// A refusal is a decision, not an error: a refused call returns the zero
// Reservation, the Decision (Allowed false, every reason, NextAllowed) and a
// nil error, and holds or records nothing — a suspended company too, with
// ReasonSuspended. Errors are failures only, as for Check. A dialer's loop:
//
//	res, d, err := svc.Reserve(ctx, by, call)
//	switch {
//	case err != nil: // a failure: retry later or stop
//	case !d.Allowed: // refused: try again at d.NextAllowed (zero: not on its own)
//	default: // dial, then Complete(res.ID, outcome) or Release(res.ID)
//	}
//
// With the company's FZ-230 flag off the call is always allowed and still
// recorded.
func (s *Service) Reserve(ctx context.Context, by tenancy.Actor, c Call) (_ Reservation, _ Decision, err error) {
	const op = "compliance.Reserve"
	ctx, uc := s.obs.Start(ctx, op, c.CompanyID, "compliance.call.reserve")
	defer func() { uc.End(err) }()
	var res Reservation
	var dec Decision
	err = storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		now := s.clock.Now()
		var p prepared
		dec = Decision{}
		decided, err := s.prepareLocked(ctx, op, by, &c, now, &p, &dec)
		if err != nil {
			return err
		}
		if !p.done && !decided {
			if err := s.decide(ctx, &p, now, &dec); err != nil {
				return err
			}
		}
		if !dec.Allowed {
			return nil // a refusal holds nothing: the transaction wrote nothing
		}
		at := storage.Timestamp(now)
		res = Reservation{ID: storage.NewID(), CompanyID: p.ref.ID, Key: dec.Key, Phone: dec.Phone,
			ReservedAt: at, ExpiresAt: storage.Timestamp(now.Add(s.ttl)), Status: StatusPending, ReservedBy: by.UserID}
		if err := s.store.InsertReservation(ctx, res); err != nil {
			return err
		}
		_, err = s.log.Record(ctx, audit.Entry{Actor: by.Audit(), CompanyID: res.CompanyID, Action: "compliance.call.reserve",
			EntityType: "compliance_call", EntityID: res.ID, Changes: []audit.Change{
				audit.Set("status", nil, res.Status), audit.Set("phone", nil, res.Phone), audit.Set("key", nil, res.Key),
				audit.Set("zones", nil, dec.Zones), audit.Set("policy", nil, dec.Policy),
				audit.Set("reasons", nil, dec.Reasons), audit.Set("expires_at", nil, res.ExpiresAt)}})
		return err
	}))
	if err != nil {
		return Reservation{}, Decision{}, err
	}
	return res, dec, nil
}

// prepareLocked is prepare followed by LockSubject, Reserve's start; with a
// SettingsLocker store the settings come with the lock, in one round trip.
// A suspended company's call takes no lock: it is refused, holds nothing.
// With a CheckReader store, once the company's rules are compiled, the lock
// is followed by checkOne's one read of settings and history, and the call
// is decided (decided true).
func (s *Service) prepareLocked(ctx context.Context, op string, by tenancy.Actor, c *Call, now time.Time, p *prepared, d *Decision) (decided bool, _ error) {
	if cr, ok := s.store.(CheckReader); ok {
		if r, cached := s.rules.get(c.CompanyID); cached {
			return true, s.checkOne(ctx, op, by, cr, s.since(now, r), true, c, now, p, d)
		}
	}
	sl, ok := s.store.(SettingsLocker)
	if !ok {
		if err := s.prepare(ctx, op, by, c, now, p, d); err != nil || p.suspended {
			return false, err
		}
		return false, s.store.LockSubject(ctx, p.ref.ID, d.Key)
	}
	if err := validateCall(op, c); err != nil {
		return false, err
	}
	if err := s.prepareRef(ctx, op, by, c.CompanyID, p); err != nil {
		return false, err
	}
	if p.suspended {
		// Refused whatever the history says (ReasonSuspended): nothing to
		// serialise and nothing to hold, so no subject row is locked (or
		// created by the lock).
		if err := s.prepareSettings(ctx, p); err != nil {
			return false, err
		}
		return false, s.prepareCall(op, c, now, p, d)
	}
	key := c.Key // the subject's key, as prepareCall derives it
	if key == "" {
		res, err := s.resolve(op, c.Phone)
		if err != nil {
			return false, err
		}
		key = res.e164
	}
	st, found, err := sl.LockSubjectSettings(ctx, p.ref.ID, key)
	if err != nil {
		return false, err
	}
	if !found {
		st = Settings{CompanyID: p.ref.ID, Policy: DefaultPolicy()}
	}
	p.settings = &st
	if err := s.compileRules(p); err != nil {
		return false, err
	}
	return false, s.prepareCall(op, c, now, p, d)
}

// Complete reports the outcome of a reserved call. It is idempotent by
// reservation: reporting the same outcome again returns the stored
// reservation and records nothing; a different outcome is
// storage.ErrConflict, as is completing a released reservation. An expired
// reservation may still be completed (the real outcome replaces the
// "answered" it counted as). Authorised as tenancy.ActDial on the
// reservation's company (another company's reservation: storage.ErrForbidden);
// unknown reservation: storage.ErrNotFound; bad outcome: *ValidationError.
// Audited as "compliance.call.complete".
func (s *Service) Complete(ctx context.Context, by tenancy.Actor, reservationID string, outcome Outcome) (_ Reservation, err error) {
	const op = "compliance.Complete"
	ctx, uc := s.obs.Start(ctx, op, "", "compliance.call.complete")
	defer func() { uc.End(err) }()
	if !outcome.Valid() {
		return Reservation{}, storage.Invalid(op, "outcome", "oneof",
			"must be answered_human, answering_machine, no_answer, busy, failed or message_sent")
	}
	return s.finish(ctx, op, by, reservationID, StatusCompleted, outcome)
}

// Release gives a reservation back when the call was never placed: it stops
// counting. Releasing twice is a no-op; releasing a completed reservation is
// storage.ErrConflict. Otherwise as Complete; audited as
// "compliance.call.release".
func (s *Service) Release(ctx context.Context, by tenancy.Actor, reservationID string) (_ Reservation, err error) {
	ctx, uc := s.obs.Start(ctx, "compliance.Release", "", "compliance.call.release")
	defer func() { uc.End(err) }()
	return s.finish(ctx, "compliance.Release", by, reservationID, StatusReleased, "")
}

func (s *Service) finish(ctx context.Context, op string, by tenancy.Actor, id string, status Status, outcome Outcome) (Reservation, error) {
	if id == "" {
		return Reservation{}, storage.Invalid(op, "reservation_id", "required", "is required")
	}
	var out Reservation
	err := storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		// The actor is re-read first, and a reservation of a company it does
		// not see is the same "not found" as a missing one: nothing about a
		// reservation is revealed before the decision.
		fresh, err := s.dir.Verify(ctx, by)
		if err != nil {
			return err
		}
		if pf, ok := s.store.(PendingFinisher); ok {
			// The pending reservation is written and read in one statement,
			// then decided on: an actor that may not finish it gets the
			// same error as below and the write is rolled back with the
			// transaction, so nothing is revealed or kept.
			stored, done, err := pf.FinishPending(ctx, Reservation{ID: id, Status: status, Outcome: outcome,
				CompletedAt: storage.Timestamp(s.clock.Now())})
			if err != nil {
				return err
			}
			if done {
				if err := s.mayFinish(ctx, op, fresh, id, stored.CompanyID); err != nil {
					return err
				}
				before := stored
				before.Status, before.Outcome, before.CompletedAt = StatusPending, "", time.Time{}
				if err := s.auditFinish(ctx, by, before, stored); err != nil {
					return err
				}
				out = stored
				return nil
			}
		}
		r, err := s.store.Reservation(ctx, id)
		if errors.Is(err, storage.ErrNotFound) {
			return storage.NotFound(op, "reservation", id)
		} else if err != nil {
			return err
		}
		if err := s.mayFinish(ctx, op, fresh, id, r.CompanyID); err != nil {
			return err
		}
		switch {
		case r.Status == status && r.Outcome == outcome:
			out = r // idempotent repeat
			return nil
		case r.Status != StatusPending:
			return storage.Conflict(op, "reservation %s is already %s %s", id, r.Status, r.Outcome)
		}
		before := r
		r.Status, r.Outcome, r.CompletedAt = status, outcome, storage.Timestamp(s.clock.Now())
		if err := s.store.FinishReservation(ctx, r); err != nil {
			return err
		}
		if err := s.auditFinish(ctx, by, before, r); err != nil {
			return err
		}
		out = r
		return nil
	}))
	return out, err
}

// mayFinish authorises the (re-read) actor to finish a reservation of
// companyID: a company it does not see is the reservation's "not found".
func (s *Service) mayFinish(ctx context.Context, op string, fresh tenancy.Actor, id, companyID string) error {
	ref, err := s.dir.Company(ctx, companyID)
	if err != nil {
		return err
	}
	if !tenancy.Sees(fresh, ref) {
		return storage.NotFound(op, "reservation", id)
	}
	return tenancy.Authorize(op, fresh, tenancy.ActDial, ref.Resource())
}

// auditFinish records a reservation's completion or release.
func (s *Service) auditFinish(ctx context.Context, by tenancy.Actor, before, r Reservation) error {
	action := "compliance.call.complete"
	if r.Status == StatusReleased {
		action = "compliance.call.release"
	}
	changes := []audit.Change{audit.Set("status", before.Status, r.Status)}
	if r.Outcome != "" {
		changes = append(changes, audit.Set("outcome", nil, r.Outcome))
	}
	if before.Expired(r.CompletedAt) {
		changes = append(changes, audit.Set("late", nil, true))
	}
	_, err := s.log.Record(ctx, audit.Entry{Actor: by.Audit(), CompanyID: r.CompanyID, Action: action,
		EntityType: "compliance_call", EntityID: r.ID, Changes: changes})
	return err
}

// RetainDays is how much call history Prune keeps: the longest period any
// valid policy can look back over, plus two days for time-zone offsets.
const RetainDays = MaxPeriodDays + 2

// Prune deletes, in one transaction, every reservation made more than
// RetainDays ago — history no policy can count any more — and returns how
// many. Platform administrators only (it spans companies); audited on the
// platform's chain as "compliance.history.prune".
func (s *Service) Prune(ctx context.Context, by tenancy.Actor) (_ int64, err error) {
	const op = "compliance.Prune"
	ctx, uc := s.obs.Start(ctx, op, "", "compliance.history.prune")
	defer func() { uc.End(err) }()
	if err := tenancy.AuthorizeIn(ctx, s.dir, op, by, tenancy.ActPlatform, tenancy.Resource{}); err != nil {
		return 0, err
	}
	var n int64
	err = storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		before := storage.Timestamp(s.clock.Now().Add(-RetainDays * 24 * time.Hour))
		var err error
		if n, err = s.store.PruneBefore(ctx, before); err != nil {
			return err
		}
		_, err = s.log.Record(ctx, audit.Entry{Actor: by.Audit(), Action: "compliance.history.prune",
			EntityType: "compliance_call", Changes: []audit.Change{audit.Set("before", nil, before), audit.Set("deleted", nil, n)}})
		return err
	}))
	return n, err
}
