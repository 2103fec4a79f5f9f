package zone

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // IANA rules at the instant of the call, whatever the host has installed

	"github.com/nyaruka/phonenumbers"
)

// Source says where a Result's zones came from.
type Source string

// Sources.
const (
	SourceExplicit     Source = "explicit"       // given with the call-list record
	SourceLandline     Source = "landline"       // Russian area-code table
	SourcePlan         Source = "numbering_plan" // ministry numbering-plan ranges → region
	SourcePhonenumbers Source = "phonenumbers"   // libphonenumber's prefix table (not for +7)
	SourceCountry      Source = "country"        // nothing precise: every zone of the country
	SourceNone         Source = "none"           // not even the country's zones are known
)

// ErrBadNumber is returned (wrapped) for a phone number that cannot be parsed.
var ErrBadNumber = errors.New("malformed phone number")

// Result is what a Resolver found for a number.
type Result struct {
	E164    string   // the number normalised, "+79161234567"
	Country string   // ISO 3166 region code, "RU"
	Region  string   // the numbering-plan region, when the plan was used
	Zones   []string // candidate IANA zones, sorted, unique; empty when none is known
	Source  Source
}

// Resolver resolves a phone number to candidate zones. Implementations must
// be safe for concurrent use.
type Resolver interface {
	Resolve(number string) (Result, error)
}

// Stable is implemented by a Resolver whose answer for a given number never
// changes while it is in use, so callers may cache it (compliance.Service
// keeps a bounded cache of resolutions by number for such resolvers). A
// resolver backed by data that changes must not implement it, or return
// false.
type Stable interface {
	Resolver
	Stable() bool
}

// Default is the SDK's resolver. The zero value works without a numbering
// plan (Russian mobiles then resolve to every Russian zone). It is Stable:
// do not change Plan or Regions (nor what Regions returns) once it is in use.
type Default struct {
	// Plan is the ministry's numbering-plan table, or nil.
	Plan *NumberingPlan
	// Regions maps a numbering-plan region to zones; nil means RegionZones.
	Regions func(region string) []string
}

var _ Stable = (*Default)(nil)

// Stable implements Stable: Default's tables do not change while it is in use.
func (r *Default) Stable() bool { return true }

// RussiaZones are representative IANA zones for every UTC offset used in
// Russia (UTC+2 … UTC+12).
var RussiaZones = []string{
	"Asia/Anadyr", "Asia/Irkutsk", "Asia/Kamchatka", "Asia/Krasnoyarsk", "Asia/Magadan", "Asia/Omsk",
	"Asia/Vladivostok", "Asia/Yakutsk", "Asia/Yekaterinburg", "Europe/Kaliningrad", "Europe/Moscow", "Europe/Samara",
}

// Normalize turns a number as found in call lists into E.164: "+7 (916)
// 123-45-67", "8 916 123 45 67", "79161234567" and "9161234567" (ten
// digits: a Russian national number) all give "+79161234567". Other
// countries need the leading "+".
func Normalize(number string) (string, error) {
	s := strings.TrimSpace(number)
	plus := strings.HasPrefix(s, "+")
	var buf [1 + 16]byte // "+" and at most 16 digits (one more than E.164 allows, to detect too long)
	b := append(buf[:0], '+')
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			if len(b) == len(buf) {
				return "", errBad(number, "too many digits")
			}
			b = append(b, byte(r))
		case r == '+' && i == 0:
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '.':
		default:
			return "", errBad(number, "unexpected character %q", r)
		}
	}
	digits := b[1:]
	n := len(digits)
	switch {
	case plus:
	case n == 11 && (digits[0] == '8' || digits[0] == '7'):
		digits[0] = '7'
	case n == 10:
		b = append(buf[:1], '7')
		b = append(b, s2d(s)...)
		digits = b[1:]
	default:
		return "", errBad(number, "give the number in international format (+CC…)")
	}
	if len(digits) < 8 || len(digits) > 15 || digits[0] == '0' {
		return "", errBad(number, "must have 8 to 15 digits after the country code prefix")
	}
	if digits[0] == '7' && (digits[1] == '3' || digits[1] == '4' || digits[1] == '8' || digits[1] == '9') && len(digits) != 11 {
		return "", errBad(number, "a Russian number has 10 digits after +7")
	}
	return string(b[:1+len(digits)]), nil
}

// s2d returns the digits of s (already known to be digits and separators).
func s2d(s string) []byte {
	var out [16]byte
	o := out[:0]
	for i := 0; i < len(s) && len(o) < len(out); i++ {
		if c := s[i]; c >= '0' && c <= '9' {
			o = append(o, c)
		}
	}
	return o
}

// BadNumberError says why a number was rejected. errors.Is(err, ErrBadNumber).
type BadNumberError struct {
	Number string
	Reason string
}

func (e *BadNumberError) Error() string {
	return "phone number " + strconv.Quote(e.Number) + ": " + e.Reason
}

// Is makes errors.Is(err, ErrBadNumber) hold.
func (e *BadNumberError) Is(target error) bool { return target == ErrBadNumber }

func errBad(number, format string, args ...any) error {
	return &BadNumberError{Number: number, Reason: fmt.Sprintf(format, args...)}
}

// Resolve implements Resolver.
func (r *Default) Resolve(number string) (Result, error) {
	e164, err := Normalize(number)
	if err != nil {
		return Result{}, err
	}
	res := Result{E164: e164}
	if isRussian(e164) {
		res.Country = "RU"
		national := e164[2:]
		if national[0] != '9' {
			if zs := AreaCodeZones(national[:3]); len(zs) > 0 {
				res.Zones, res.Source = sortedUnique(zs), SourceLandline
				return res, nil
			}
		}
		if r != nil && r.Plan != nil {
			if region, ok := r.Plan.Lookup(national); ok {
				res.Region = region
				regions := RegionZones
				if r.Regions != nil {
					regions = r.Regions
				}
				if zs := regions(region); len(zs) > 0 {
					res.Zones, res.Source = sortedUnique(zs), SourcePlan
					return res, nil
				}
			}
		}
		res.Zones, res.Source = slices.Clone(RussiaZones), SourceCountry
		return res, nil
	}
	pn, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return Result{}, errBad(number, "%v", err)
	}
	res.Country = phonenumbers.GetRegionCodeForNumber(pn)
	if !phonenumbers.IsValidNumber(pn) {
		return Result{}, errBad(number, "not a valid number for its country")
	}
	zs, err := phonenumbers.GetTimezonesForNumber(pn)
	if err == nil {
		zs = slices.DeleteFunc(slices.Clone(zs), func(z string) bool { _, err := time.LoadLocation(z); return err != nil || z == "Etc/Unknown" })
	}
	if len(zs) > 0 {
		res.Zones, res.Source = sortedUnique(zs), SourcePhonenumbers
		return res, nil
	}
	res.Source = SourceNone
	return res, nil
}

// isRussian reports whether an E.164 number is in Russia's part of +7
// (+7 3…, 4…, 8…, 9…); +7 6… and +7 7… are Kazakhstan.
func isRussian(e164 string) bool {
	return len(e164) == 12 && e164[1] == '7' && strings.IndexByte("3489", e164[2]) >= 0
}

func sortedUnique(zs []string) []string {
	out := slices.Clone(zs)
	slices.Sort(out)
	return slices.Compact(out)
}
