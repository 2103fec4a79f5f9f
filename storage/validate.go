package storage

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	ut "github.com/go-playground/universal-translator"
	"github.com/go-playground/validator/v10"
)

// NewValidator returns a Validator configured the SDK's way: field names in
// errors are the JSON names (falling back to the Go name), required struct
// fields are checked, the text and time tags TagText, TagMultiline and
// TagInstant are registered, and messages come in every locale of Locales.
// Each service builds its own at construction (there is no package-level
// instance) and registers its own rules on it with RegisterRule.
func NewValidator() *Validator {
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
	out := &Validator{Validate: v, trans: newTranslators(v), custom: map[string][]string{}}
	for _, r := range builtinMessages {
		if err := out.translate(r); err != nil {
			panic("storage: registering messages: " + err.Error()) // static data: cannot fail
		}
	}
	registerText(out)
	return out
}

// builtinMessages are messages for validator's built-in tags that the SDK
// uses and validator translates into one of Locales only, or into none.
var builtinMessages = []Rule{
	{Tag: "required_if", Messages: map[string]string{
		LocaleEnglish: "is a required field", LocaleRussian: "обязательное поле"}},
	{Tag: "excluded_unless", Messages: map[string]string{
		LocaleEnglish: "must be empty here", LocaleRussian: "должно быть пустым"}},
	{Tag: "timezone", Messages: map[string]string{
		LocaleEnglish: "is not a known IANA time zone", LocaleRussian: "не является известным часовым поясом IANA"}},
	{Tag: "iso3166_1_alpha2", Messages: map[string]string{
		LocaleEnglish: "is not an ISO 3166-1 alpha-2 country code", LocaleRussian: "не является кодом страны ISO 3166-1 alpha-2"}},
	{Tag: "hostname_rfc1123|ip", Messages: map[string]string{
		LocaleEnglish: "is not a host name or IP address", LocaleRussian: "не является именем хоста или IP-адресом"}},
}

// translate registers r's messages for a tag validator already knows.
func (v *Validator) translate(r Rule) error {
	for _, l := range Locales() {
		msg := r.Messages[l]
		if msg == "" {
			return fmt.Errorf("rule %q has no %s message", r.Tag, l)
		}
		err := v.RegisterTranslation(r.Tag, v.trans[l],
			func(t ut.Translator) error { return t.Add(r.Tag, "{0} "+msg, true) },
			func(t ut.Translator, fe validator.FieldError) string {
				s, err := t.T(r.Tag, fe.Field(), fe.Param())
				if err != nil {
					return fe.Field() + " " + msg
				}
				return s
			})
		if err != nil {
			return err
		}
	}
	return nil
}

// Validate runs v on s and converts a failure into a *ValidationError naming
// every rejected field, with messages in the locale of ctx (WithLocale). Any
// other error from the validator (a nil pointer, a non-struct) is returned
// as an invalid-input error too.
func Validate(ctx context.Context, op string, v *Validator, s any) error {
	err := v.StructCtx(ctx, s)
	if err == nil {
		return nil
	}
	return FromValidator(ctx, op, v, err)
}

// FromValidator converts v's validator.ValidationErrors into a
// *ValidationError with messages in the locale of ctx.
func FromValidator(ctx context.Context, op string, v *Validator, err error) error {
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return &ValidationError{Op: op, Fields: []FieldError{{Field: "", Rule: "input", Message: err.Error()}}}
	}
	locale := LocaleFrom(ctx)
	out := &ValidationError{Op: op}
	for _, fe := range verrs {
		ns := fe.Namespace()
		if i := strings.IndexByte(ns, '.'); i >= 0 { // drop the struct's own name
			ns = ns[i+1:]
		}
		out.Fields = append(out.Fields, FieldError{Field: ns, Rule: fe.Tag(), Param: fe.Param(), Message: v.message(fe, locale)})
	}
	return out
}
