package storage

import (
	"errors"
	"reflect"
	"strings"

	"github.com/go-playground/validator/v10"
)

// NewValidator returns a validator/v10 instance configured the SDK's way:
// field names in errors are the JSON names (falling back to the Go name), and
// required struct fields are checked, and the text and time tags TagText,
// TagMultiline and TagInstant are registered. Each service builds its own at
// construction (there is no package-level instance) and may register its own
// tags on it.
func NewValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			return ""
		case "":
			return f.Name
		}
		return name
	})
	registerText(v)
	return v
}

// Validate runs v on s and converts a failure into a *ValidationError naming
// every rejected field. Any other error from the validator (a nil pointer, a
// non-struct) is returned as an invalid-input error too.
func Validate(op string, v *validator.Validate, s any) error {
	err := v.Struct(s)
	if err == nil {
		return nil
	}
	return FromValidator(op, err)
}

// FromValidator converts validator.ValidationErrors into a *ValidationError.
func FromValidator(op string, err error) error {
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return &ValidationError{Op: op, Fields: []FieldError{{Field: "", Rule: "input", Message: err.Error()}}}
	}
	out := &ValidationError{Op: op}
	for _, fe := range verrs {
		ns := fe.Namespace()
		if i := strings.IndexByte(ns, '.'); i >= 0 { // drop the struct's own name
			ns = ns[i+1:]
		}
		out.Fields = append(out.Fields, FieldError{Field: ns, Rule: fe.Tag(), Param: fe.Param(), Message: message(fe)})
	}
	return out
}

func message(fe validator.FieldError) string {
	switch fe.Tag() {
	case "required", "required_if", "required_unless", "required_with":
		return "is required"
	case "email":
		return "is not a valid e-mail address"
	case "max":
		return "must be at most " + fe.Param()
	case "min":
		return "must be at least " + fe.Param()
	case "oneof":
		return "must be one of " + fe.Param()
	case "gt":
		return "must be greater than " + fe.Param()
	case "gte":
		return "must be at least " + fe.Param()
	case "timezone":
		return "is not a known IANA time zone"
	}
	if m, ok := textTagMessage(fe.Tag()); ok {
		return m
	}
	return "failed rule " + fe.Tag()
}
