package tenancy

import (
	"errors"
	"regexp"

	"github.com/go-playground/validator/v10"

	"github.com/switchboardkit/switchboard/storage"
)

var slugRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$`)

// newValidator returns the service's validator with tenancy's tags:
// role, company_kind, slug (3–63 lower-case letters, digits and inner
// hyphens) and inn (a Russian tax ID: 10 or 12 digits with valid check digits).
func newValidator() *validator.Validate {
	v := storage.NewValidator()
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	must(v.RegisterValidation("role", func(fl validator.FieldLevel) bool { return Role(fl.Field().String()).Valid() }))
	must(v.RegisterValidation("company_kind", func(fl validator.FieldLevel) bool {
		k := CompanyKind(fl.Field().String())
		return k == KindRegular || k == KindReseller
	}))
	must(v.RegisterValidation("slug", func(fl validator.FieldLevel) bool { return slugRE.MatchString(fl.Field().String()) }))
	must(v.RegisterValidation("inn", func(fl validator.FieldLevel) bool { return ValidINN(fl.Field().String()) }))
	return v
}

// tagMessages explains tenancy's own validation tags.
var tagMessages = map[string]string{
	"role":         "must be one of operator manager administrator owner reseller_admin platform_admin",
	"company_kind": "must be one of regular reseller",
	"slug":         "must be 3-63 lower-case letters, digits or inner hyphens",
	"inn":          "is not a valid INN (10 or 12 digits with valid check digits)",
}

// validate is storage.Validate with tenancy's messages for its own tags.
func (s *Service) validate(op string, v any) error {
	err := storage.Validate(op, s.v, v)
	var ve *storage.ValidationError
	if errors.As(err, &ve) {
		for i, f := range ve.Fields {
			if m, ok := tagMessages[f.Rule]; ok {
				ve.Fields[i].Message = m
			}
		}
	}
	return err
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
