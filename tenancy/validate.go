package tenancy

import (
	"context"
	"regexp"

	"github.com/go-playground/validator/v10"

	"github.com/switchboardkit/switchboard/storage"
)

// phoneRE is an E.164 number: + then 7 to 15 digits, the first not 0.
var phoneRE = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// kppRE is a KPP: four digits, two digits or capital Latin letters, three digits.
var kppRE = regexp.MustCompile(`^[0-9]{4}[0-9A-Z]{2}[0-9]{3}$`)

var slugRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$`)

// newValidator returns the service's validator with tenancy's rules.
func newValidator() *storage.Validator {
	v := storage.NewValidator()
	for _, r := range Rules() {
		if err := v.RegisterRule(r); err != nil {
			panic("tenancy: registering validation rules: " + err.Error()) // static rules: cannot fail
		}
	}
	return v
}

// Rules returns tenancy's validation tags with their messages in every
// locale of storage.Locales, for a host's storage.Validator: role,
// company_kind, slug (3–63 lower-case letters, digits and inner hyphens),
// phone (E.164: + then 7 to 15 digits), inn (a Russian tax ID: 10 or 12 digits with valid check digits)
// and kpp (4 digits, 2 digits or capital Latin letters, 3 digits).
func Rules() []storage.Rule {
	str := func(ok func(string) bool) validator.Func {
		return func(fl validator.FieldLevel) bool { return ok(fl.Field().String()) }
	}
	return []storage.Rule{
		{Tag: "role", Func: str(func(s string) bool { return Role(s).Valid() }), Messages: map[string]string{
			storage.LocaleEnglish: "must be one of operator manager administrator owner reseller_admin platform_admin",
			storage.LocaleRussian: "должно быть одним из: operator manager administrator owner reseller_admin platform_admin",
		}},
		{Tag: "company_kind", Func: str(func(s string) bool {
			k := CompanyKind(s)
			return k == KindRegular || k == KindReseller
		}), Messages: map[string]string{
			storage.LocaleEnglish: "must be one of regular reseller",
			storage.LocaleRussian: "должно быть одним из: regular reseller",
		}},
		{Tag: "slug", Func: str(slugRE.MatchString), Messages: map[string]string{
			storage.LocaleEnglish: "must be 3-63 lower-case letters, digits or inner hyphens",
			storage.LocaleRussian: "должно состоять из 3–63 строчных латинских букв, цифр или дефисов внутри",
		}},
		{Tag: "kpp", Func: str(kppRE.MatchString), Messages: map[string]string{
			storage.LocaleEnglish: "must be a KPP: 4 digits, 2 digits or capital Latin letters, 3 digits",
			storage.LocaleRussian: "должно быть КПП: 4 цифры, 2 цифры или заглавные латинские буквы, 3 цифры",
		}},
		{Tag: "phone", Func: str(phoneRE.MatchString), Messages: map[string]string{
			storage.LocaleEnglish: "must be an E.164 phone number: + then 7 to 15 digits, the first not 0",
			storage.LocaleRussian: "должно быть номером телефона в формате E.164: + и от 7 до 15 цифр, первая не 0",
		}},
		{Tag: "inn", Func: str(ValidINN), Messages: map[string]string{
			storage.LocaleEnglish: "is not a valid INN (10 or 12 digits with valid check digits)",
			storage.LocaleRussian: "не является корректным ИНН (10 или 12 цифр с верными контрольными цифрами)",
		}},
	}
}

// validate is storage.Validate on the service's validator.
func (s *Service) validate(ctx context.Context, op string, v any) error {
	return storage.Validate(ctx, op, s.v, v)
}

// ValidINN reports whether s is a valid Russian taxpayer number (INN): 10
// digits (organisations) or 12 digits (individuals) with correct check digits.
func ValidINN(s string) bool {
	d := make([]int, 0, 12)
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
		d = append(d, int(r-'0'))
	}
	check := func(w []int) int {
		sum := 0
		for i, k := range w {
			sum += k * d[i]
		}
		return sum % 11 % 10
	}
	switch len(d) {
	case 10:
		return check([]int{2, 4, 10, 3, 5, 9, 4, 6, 8}) == d[9]
	case 12:
		return check([]int{7, 2, 4, 10, 3, 5, 9, 4, 6, 8}) == d[10] &&
			check([]int{3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8}) == d[11]
	}
	return false
}
