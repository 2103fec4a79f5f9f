package storage

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/go-playground/locales"
	"github.com/go-playground/locales/en"
	"github.com/go-playground/locales/ru"
	ut "github.com/go-playground/universal-translator"
	"github.com/go-playground/validator/v10"
	entrans "github.com/go-playground/validator/v10/translations/en"
	rutrans "github.com/go-playground/validator/v10/translations/ru"
)

// The locales validation messages come in. English is the default.
const (
	LocaleEnglish = "en"
	LocaleRussian = "ru"
)

// Locales lists the locales every rule has a message in, default first.
func Locales() []string { return []string{LocaleEnglish, LocaleRussian} }

type localeKey struct{}

// WithLocale returns ctx carrying the locale in which validation messages
// (FieldError.Message) of calls made with it are written: LocaleEnglish or
// LocaleRussian. A region suffix is ignored ("ru-RU", "ru_RU" are Russian);
// any other locale gives English. Field names, rules and parameters do not
// change with the locale: a host keys its own texts on FieldError.Rule.
func WithLocale(ctx context.Context, locale string) context.Context {
	return context.WithValue(ctx, localeKey{}, canonicalLocale(locale))
}

// LocaleFrom returns the locale WithLocale put in ctx, LocaleEnglish when
// none was.
func LocaleFrom(ctx context.Context) string {
	if l, ok := ctx.Value(localeKey{}).(string); ok {
		return l
	}
	return LocaleEnglish
}

func canonicalLocale(locale string) string {
	base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(locale)), "-")
	base, _, _ = strings.Cut(base, "_")
	if slices.Contains(Locales(), base) {
		return base
	}
	return LocaleEnglish
}

// Validator is a validator/v10 instance with the SDK's messages in every
// locale of Locales: validator's own translations for its built-in tags,
// and a message per locale for each rule registered with RegisterRule.
// NewValidator builds one; each service owns its own.
type Validator struct {
	*validator.Validate
	trans map[string]ut.Translator
	// custom records every tag registered on this validator beyond
	// validator's built-ins, with the locales it has a message in.
	custom map[string][]string
}

// Rule is a validation tag with its message in each locale. A message is
// the predicate that follows the field's name, without it ("is not a valid
// INN"); {1} in it is replaced by the tag's parameter.
type Rule struct {
	Tag      string
	Func     validator.Func
	Messages map[string]string // locale → message; every locale of Locales
	// CallEvenIfNull runs Func on a zero value too (validator's
	// callValidationEvenIfNull), for a rule that refuses the zero value.
	CallEvenIfNull bool
}

// RegisterRule registers r's tag and its messages. A rule without a message
// in one of Locales is refused: every tag the SDK checks explains itself in
// every locale.
func (v *Validator) RegisterRule(r Rule) error {
	for _, l := range Locales() {
		if r.Messages[l] == "" {
			return fmt.Errorf("storage: rule %q has no %s message", r.Tag, l)
		}
	}
	if r.Func == nil {
		return fmt.Errorf("storage: rule %q has no function", r.Tag)
	}
	if err := v.RegisterValidation(r.Tag, r.Func, r.CallEvenIfNull); err != nil {
		return err
	}
	if err := v.translate(r); err != nil {
		return err
	}
	v.custom[r.Tag] = Locales()
	return nil
}

// RegisterValidation registers a tag as validator/v10 does, and records it
// as one of the validator's own tags so MissingTranslations can tell that it
// has no messages: prefer RegisterRule.
func (v *Validator) RegisterValidation(tag string, fn validator.Func, callValidationEvenIfNull ...bool) error {
	if err := v.Validate.RegisterValidation(tag, fn, callValidationEvenIfNull...); err != nil {
		return err
	}
	if _, ok := v.custom[tag]; !ok {
		v.custom[tag] = nil
	}
	return nil
}

// MissingTranslations lists "tag/locale" for every tag registered on v
// beyond validator's built-ins that has no message in that locale, sorted.
// A domain's test asserts it is empty for the domain's validator.
func (v *Validator) MissingTranslations() []string {
	var out []string
	for tag, have := range v.custom {
		for _, l := range Locales() {
			if !slices.Contains(have, l) {
				out = append(out, tag+"/"+l)
			}
		}
	}
	slices.Sort(out)
	return out
}

// Translates reports whether a field failing tag gets a translated message
// in locale rather than validator's raw English description: true for the
// rules registered with RegisterRule and the built-in tags validator
// translates. Tests use it to check every tag the SDK's structs use.
func (v *Validator) Translates(tag, locale string) bool {
	if have, ok := v.custom[tag]; ok {
		return slices.Contains(have, locale)
	}
	t, ok := v.trans[locale]
	if !ok {
		return false
	}
	for _, key := range []string{tag, tag + "-string", tag + "-number"} {
		if _, err := t.T(key, "f", "1"); err == nil {
			return true
		}
	}
	return false
}

// message renders fe in locale, without the field's name in front (the
// FieldError names the field). validator's translations all begin with
// the field's name, and so do the rules' messages.
func (v *Validator) message(fe validator.FieldError, locale string) string {
	t, ok := v.trans[locale]
	if !ok {
		t = v.trans[LocaleEnglish]
	}
	msg := fe.Translate(t)
	if rest, ok := strings.CutPrefix(msg, fe.Field()+" "); ok {
		return rest
	}
	return msg
}

// newTranslators returns a fresh translator per locale with validator's
// translations of its built-in tags registered on v. Translations are
// registered on (and keyed by) the translator, so each validator has its own.
func newTranslators(v *validator.Validate) map[string]ut.Translator {
	type locale struct {
		name     string
		tr       locales.Translator
		register func(*validator.Validate, ut.Translator) error
	}
	all := []locale{
		{LocaleEnglish, en.New(), entrans.RegisterDefaultTranslations},
		{LocaleRussian, ru.New(), rutrans.RegisterDefaultTranslations},
	}
	uni := ut.New(all[0].tr, all[0].tr, all[1].tr)
	out := make(map[string]ut.Translator, len(all))
	for _, l := range all {
		t, _ := uni.GetTranslator(l.name)
		if err := l.register(v, t); err != nil {
			panic("storage: registering validator's " + l.name + " translations: " + err.Error()) // static data: cannot fail
		}
		out[l.name] = t
	}
	return out
}
