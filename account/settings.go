package account

import (
	"context"
	"slices"
	"time"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/observe"
	"github.com/switchboardkit/switchboard/tenancy"
)

// validZone reports whether name is an IANA time zone the system knows.
// "Local" is refused: it means the server's zone, not a company's.
func validZone(name string) bool {
	if name == "" || name == "Local" || len(name) > 64 {
		return false
	}
	_, err := time.LoadLocation(name)
	return err == nil
}

// languageOffered reports whether tag is one of the platform's languages.
func (s *Service) languageOffered(tag string) bool { return slices.Contains(s.languages, tag) }

// SetLocale sets the company's time zone and languages. Authorised:
// tenancy.ActEditSettings on the company. Validated: TimeZone an IANA name
// (or "" for UTC), Language one of the platform's languages (or "" for the
// platform default), SecondLanguage only when the platform offers more than
// one language, offered, and different from Language. Audited
// "account.locale.update".
func (s *Service) SetLocale(ctx context.Context, by tenancy.Actor, companyID string, l Locale) (_ *Company, err error) {
	const op = "account.SetLocale"
	ctx, uc := s.obs.Start(ctx, op, companyID, "account.locale.update")
	defer func() { uc.End(err) }()
	storage.Normalize(&l)
	return s.updateCompany(ctx, op, by, companyID, tenancy.ActEditSettings, "account.locale.update",
		func(_ context.Context, _ tenancy.CompanyRef, c *Company) ([]audit.Change, error) {
			if err := s.check(ctx, op, l); err != nil {
				return nil, err
			}
			ve := &storage.ValidationError{Op: op}
			if l.TimeZone != "" && !validZone(l.TimeZone) {
				ve.Add("time_zone", "timezone", "is not a known IANA time zone")
			}
			if l.Language != "" && !s.languageOffered(l.Language) {
				ve.Add("language", "oneof", "is not a language the platform offers")
			}
			switch {
			case l.SecondLanguage == "":
			case len(s.languages) < 2:
				ve.Add("second_language", "single_language_platform", "the platform offers only one language")
			case !s.languageOffered(l.SecondLanguage):
				ve.Add("second_language", "oneof", "is not a language the platform offers")
			case l.SecondLanguage == s.orDefaultLanguage(l.Language):
				ve.Add("second_language", "nefield", "must differ from the first language")
			}
			if err := ve.Err(); err != nil {
				return nil, err
			}
			changes := audit.Diff(c.Locale, l)
			c.Locale = l
			return changes, nil
		})
}

func (s *Service) orDefaultLanguage(tag string) string {
	if tag == "" && len(s.languages) > 0 {
		return s.languages[0]
	}
	return tag
}

// UserLocale is a user's own time zone and language; "" keeps the company's.
type UserLocale struct {
	TimeZone string `json:"time_zone" validate:"text,max=64"`
	Language string `json:"language" validate:"text,max=35"`
}

// SetUserLocale sets userID's own time zone and language overrides ("" to
// follow the company). Authorised: tenancy.ActOwnProfile on the member (the
// user, or the company's administrators). Validated like SetLocale: an
// IANA time zone, a language the platform offers (a user may pick any of
// them, not only the company's two). Audited "account.user.locale.update".
func (s *Service) SetUserLocale(ctx context.Context, by tenancy.Actor, companyID, userID string, l UserLocale) (_ *User, err error) {
	const op = "account.SetUserLocale"
	ctx, uc := s.obs.Start(ctx, op, companyID, "account.user.locale.update")
	defer func() { uc.End(err) }()
	storage.Normalize(&l)
	return s.updateUser(ctx, op, by, companyID, userID, tenancy.ActOwnProfile, "account.user.locale.update",
		func(_ context.Context, c *Company, u *User) ([]audit.Change, error) {
			if err := s.check(ctx, op, l); err != nil {
				return nil, err
			}
			ve := &storage.ValidationError{Op: op}
			if l.TimeZone != "" && !validZone(l.TimeZone) {
				ve.Add("time_zone", "timezone", "is not a known IANA time zone")
			}
			if l.Language != "" && !s.languageOffered(l.Language) {
				ve.Add("language", "oneof", "is not a language the platform offers")
			}
			if err := ve.Err(); err != nil {
				return nil, err
			}
			before := *u
			u.TimeZone, u.Language = l.TimeZone, l.Language
			return audit.Diff(&before, u), nil
		})
}

// SetDefaultMaxDialogs sets the company's default maximum number of
// concurrent dialogs per operator (≥ 1, at most 1,000,000). Authorised:
// tenancy.ActEditSettings. Audited "account.max_dialogs.update".
func (s *Service) SetDefaultMaxDialogs(ctx context.Context, by tenancy.Actor, companyID string, n int) (_ *Company, err error) {
	const op = "account.SetDefaultMaxDialogs"
	ctx, uc := s.obs.Start(ctx, op, companyID, "account.max_dialogs.update")
	defer func() { uc.End(err) }()
	return s.updateCompany(ctx, op, by, companyID, tenancy.ActEditSettings, "account.max_dialogs.update",
		func(_ context.Context, _ tenancy.CompanyRef, c *Company) ([]audit.Change, error) {
			if n < 1 || n > 1_000_000 {
				return nil, storage.Invalid(op, "max_dialogs", "min", "must be between 1 and 1000000")
			}
			old := c.MaxDialogsOrDefault()
			if old == n && c.MaxDialogs != 0 {
				return nil, nil
			}
			c.MaxDialogs = n
			return []audit.Change{audit.Set("max_dialogs", old, n)}, nil
		})
}

// MaxDialogsOrDefault is the company's default maximum of concurrent
// dialogs per operator: MaxDialogs, or DefaultMaxDialogs when unset.
func (c *Company) MaxDialogsOrDefault() int {
	if c.MaxDialogs > 0 {
		return c.MaxDialogs
	}
	return DefaultMaxDialogs
}

// SetUserMaxDialogs overrides userID's maximum concurrent dialogs (nil
// removes the override). Authorised: tenancy.ActEditSettings on the member —
// administrators set it, not the operator. Audited
// "account.user.max_dialogs.update".
func (s *Service) SetUserMaxDialogs(ctx context.Context, by tenancy.Actor, companyID, userID string, n *int) (_ *User, err error) {
	const op = "account.SetUserMaxDialogs"
	ctx, uc := s.obs.Start(ctx, op, companyID, "account.user.max_dialogs.update")
	defer func() { uc.End(err) }()
	return s.updateUser(ctx, op, by, companyID, userID, tenancy.ActEditSettings, "account.user.max_dialogs.update",
		func(_ context.Context, _ *Company, u *User) ([]audit.Change, error) {
			if n != nil && (*n < 1 || *n > 1_000_000) {
				return nil, storage.Invalid(op, "max_dialogs", "min", "must be between 1 and 1000000")
			}
			before := cloneUser(u)
			if n != nil {
				v := *n
				u.MaxDialogs = &v
			} else {
				u.MaxDialogs = nil
			}
			return audit.Diff(before, u), nil
		})
}

// Source says where an effective value comes from.
type Source string

// Sources of effective values.
const (
	FromUser    Source = "user"
	FromCompany Source = "company"
	FromDefault Source = "default"
)

// Effective is a user's resolved settings: each value with its source.
type Effective struct {
	CompanyID        string   `json:"company_id"`
	UserID           string   `json:"user_id"`
	TimeZone         string   `json:"time_zone"`
	TimeZoneFrom     Source   `json:"time_zone_from"`
	Language         string   `json:"language"`
	LanguageFrom     Source   `json:"language_from"`
	MaxDialogs       int      `json:"max_dialogs"`
	MaxDialogsFrom   Source   `json:"max_dialogs_from"`
	AvatarRef        string   `json:"avatar_ref"`
	CoverRef         string   `json:"cover_ref"`
	CompanyLanguages []string `json:"company_languages"`
}

// resolve computes the effective settings of u in c. The rules:
//
//   - time zone: the user's override, else the company's, else "UTC";
//   - language: the user's override, else the company's first language,
//     else the platform's first language;
//   - max dialogs: the user's override, else the company's default, else
//     DefaultMaxDialogs;
//   - avatar / cover: the user's own image when the company allows own
//     images and the user set one, else the company's.
func (s *Service) resolve(c *Company, u *User) Effective {
	e := Effective{CompanyID: c.CompanyID, UserID: u.UserID}
	switch {
	case u.TimeZone != "":
		e.TimeZone, e.TimeZoneFrom = u.TimeZone, FromUser
	case c.Locale.TimeZone != "":
		e.TimeZone, e.TimeZoneFrom = c.Locale.TimeZone, FromCompany
	default:
		e.TimeZone, e.TimeZoneFrom = "UTC", FromDefault
	}
	switch {
	case u.Language != "":
		e.Language, e.LanguageFrom = u.Language, FromUser
	case c.Locale.Language != "":
		e.Language, e.LanguageFrom = c.Locale.Language, FromCompany
	default:
		e.Language, e.LanguageFrom = s.orDefaultLanguage(""), FromDefault
	}
	switch {
	case u.MaxDialogs != nil:
		e.MaxDialogs, e.MaxDialogsFrom = *u.MaxDialogs, FromUser
	case c.MaxDialogs > 0:
		e.MaxDialogs, e.MaxDialogsFrom = c.MaxDialogs, FromCompany
	default:
		e.MaxDialogs, e.MaxDialogsFrom = DefaultMaxDialogs, FromDefault
	}
	e.AvatarRef, e.CoverRef = c.Branding.AvatarRef, c.Branding.CoverRef
	if c.Branding.UsersOwnAvatar && u.AvatarRef != "" {
		e.AvatarRef = u.AvatarRef
	}
	if c.Branding.UsersOwnCover && u.CoverRef != "" {
		e.CoverRef = u.CoverRef
	}
	e.CompanyLanguages = []string{s.orDefaultLanguage(c.Locale.Language)}
	if c.Locale.SecondLanguage != "" {
		e.CompanyLanguages = append(e.CompanyLanguages, c.Locale.SecondLanguage)
	}
	return e
}

// Effective returns userID's effective settings in companyID (see resolve
// for the rules). Authorised: tenancy.ActView on the member (the user, the
// user's manager, administrators).
func (s *Service) Effective(ctx context.Context, by tenancy.Actor, companyID, userID string) (_ Effective, err error) {
	const op = "account.Effective"
	ctx, uc := s.obs.Start(ctx, op, companyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	if err := s.authorizeMember(ctx, op, by, companyID, userID, tenancy.ActView); err != nil {
		return Effective{}, err
	}
	return s.effective(ctx, companyID, userID)
}

func (s *Service) effective(ctx context.Context, companyID, userID string) (Effective, error) {
	c, err := s.loadCompany(ctx, companyID)
	if err != nil {
		return Effective{}, err
	}
	u, err := s.loadUser(ctx, companyID, userID)
	if err != nil {
		return Effective{}, err
	}
	return s.resolve(c, u), nil
}

// Location returns userID's effective time zone in companyID: the user's
// override, else the company's zone, else UTC. With userID "" it returns the
// company's zone (else UTC), for company-wide reports. It is the SDK-internal
// query other domains (presence: the operator's local day) consume, so it
// takes no actor; it checks that the company exists and the user is a member
// (storage.ErrNotFound otherwise). It joins the transaction ctx carries, if
// any, and caches loaded zones.
func (s *Service) Location(ctx context.Context, companyID, userID string) (_ *time.Location, err error) {
	const op = "account.Location"
	ctx, uc := s.obs.Start(ctx, op, companyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	var e Effective
	if userID == "" {
		if _, err := s.dir.Company(ctx, companyID); err != nil {
			return nil, err
		}
		c, err := s.loadCompany(ctx, companyID)
		if err != nil {
			return nil, err
		}
		e = s.resolve(c, &User{CompanyID: companyID})
	} else {
		if _, err := s.dir.Member(ctx, companyID, userID); err != nil {
			return nil, err
		}
		var err error
		if e, err = s.effective(ctx, companyID, userID); err != nil {
			return nil, err
		}
	}
	loc, err := s.location(e.TimeZone)
	if err != nil { // the zone database lost a name that was valid when stored
		return nil, storage.Internal(op, err).Explain("time zone " + e.TimeZone)
	}
	return loc, nil
}

// location is time.LoadLocation with a cache: loading reads the zone
// database every time, and presence asks per operator and event.
func (s *Service) location(name string) (*time.Location, error) {
	if l, ok := s.zones.Load(name); ok {
		return l.(*time.Location), nil
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	s.zones.Store(name, l)
	return l, nil
}
