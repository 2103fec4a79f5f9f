package storage_test

import (
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-playground/validator/v10"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

type i18nInput struct {
	Name  string    `json:"name" validate:"required,text,max=5"`
	Email string    `json:"email" validate:"omitempty,email"`
	At    time.Time `json:"at" validate:"instant"`
	INN   string    `json:"inn" validate:"omitempty,inn"`
}

func fieldMessages(t *testing.T, err error) map[string]string {
	t.Helper()
	var ve *storage.ValidationError
	require.True(t, errors.As(err, &ve), "want a *ValidationError, got %v", err)
	out := map[string]string{}
	for _, f := range ve.Fields {
		out[f.Field] = f.Message
	}
	return out
}

// The caller's locale picks the language of every message; rules, fields
// and parameters stay the same, and the message does not repeat the field.
func TestValidationMessagesFollowTheLocale(t *testing.T) {
	t.Parallel()
	v := storage.NewValidator()
	for _, r := range account.RequisiteRules() {
		require.NoError(t, v.RegisterRule(r))
	}
	in := i18nInput{Name: "", Email: "nope", INN: "123"}

	en := fieldMessages(t, storage.Validate(context.Background(), "op", v, in))
	assert.Equal(t, map[string]string{
		"name":  "is a required field",
		"email": "must be a valid email address",
		"at":    "must be a time between 1970-01-01 and 2200-01-01 (UTC)",
		"inn":   "is not a valid INN (10 or 12 digits with correct check digits)",
	}, en)

	for _, loc := range []string{"ru", "ru-RU", "RU_ru"} {
		ru := fieldMessages(t, storage.Validate(storage.WithLocale(context.Background(), loc), "op", v, in))
		assert.Equal(t, map[string]string{
			"name":  "обязательное поле",
			"email": "должен быть email адресом",
			"at":    "должно быть моментом времени между 1970-01-01 и 2200-01-01 (UTC)",
			"inn":   "не является корректным ИНН (10 или 12 цифр с верными контрольными цифрами)",
		}, ru, loc)
	}

	long := i18nInput{Name: "abcdefgh", At: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	ru := fieldMessages(t, storage.Validate(storage.WithLocale(context.Background(), "ru"), "op", v, long))
	assert.Equal(t, "должен содержать максимум 5 символов", ru["name"])
	var ve *storage.ValidationError
	require.ErrorAs(t, storage.Validate(storage.WithLocale(context.Background(), "ru"), "op", v, long), &ve)
	assert.Equal(t, storage.FieldError{Field: "name", Rule: "max", Param: "5", Message: "должен содержать максимум 5 символов"}, ve.Fields[0])

	assert.Equal(t, storage.LocaleEnglish, storage.LocaleFrom(storage.WithLocale(context.Background(), "de-DE")), "an unknown locale is English")
	assert.Equal(t, storage.LocaleEnglish, storage.LocaleFrom(context.Background()))
}

// A rule must explain itself in every locale; a tag registered without
// messages is reported.
func TestRulesNeedEveryLocale(t *testing.T) {
	t.Parallel()
	v := storage.NewValidator()
	ok := func(validator.FieldLevel) bool { return true }
	err := v.RegisterRule(storage.Rule{Tag: "half", Func: ok, Messages: map[string]string{storage.LocaleEnglish: "is half"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ru")
	assert.Empty(t, v.MissingTranslations())

	require.NoError(t, v.RegisterValidation("bare", ok))
	assert.Equal(t, []string{"bare/en", "bare/ru"}, v.MissingTranslations())
	require.NoError(t, v.RegisterRule(storage.Rule{Tag: "whole", Func: ok,
		Messages: map[string]string{storage.LocaleEnglish: "is whole", storage.LocaleRussian: "целое"}}))
	assert.Equal(t, []string{"bare/en", "bare/ru"}, v.MissingTranslations())
}

// Every tag in a validate struct tag anywhere in the SDK has a message in
// every locale: validator's translations for its built-ins, the SDK's
// rules for its own. The tags are read from the module's source.
func TestEveryValidateTagIsTranslated(t *testing.T) {
	t.Parallel()
	v := storage.NewValidator()
	seen := map[string]bool{}
	for _, r := range slices.Concat(tenancy.Rules(), account.RequisiteRules()) {
		if seen[r.Tag] { // tenancy and account share the inn tag
			continue
		}
		seen[r.Tag] = true
		require.NoError(t, v.RegisterRule(r))
	}
	require.Empty(t, v.MissingTranslations())

	tags := sdkValidateTags(t)
	require.Contains(t, tags, "required")
	require.Contains(t, tags, storage.TagText)
	for tag := range tags {
		switch tag {
		case "omitempty", "dive", "omitzero":
			continue // modifiers, never a failure
		}
		for _, loc := range storage.Locales() {
			assert.True(t, v.Translates(tag, loc), "tag %q (in %s) has no %s message", tag, tags[tag], loc)
		}
	}
}

// sdkValidateTags maps each tag used in a validate struct tag in the
// module's non-test sources to one file that uses it. An alternation
// ("a|b") is one tag: validator reports it whole.
func sdkValidateTags(t *testing.T) map[string]string {
	t.Helper()
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	out := map[string]string{}
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); name == "testdata" || strings.HasPrefix(name, ".") || (path != root && fileExists(filepath.Join(path, "go.mod"))) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			field, ok := n.(*ast.Field)
			if !ok || field.Tag == nil {
				return true
			}
			raw, err := strconv.Unquote(field.Tag.Value)
			if err != nil {
				return true
			}
			for rule := range strings.SplitSeq(reflect.StructTag(raw).Get("validate"), ",") {
				tag, _, _ := strings.Cut(rule, "=")
				if tag != "" {
					out[tag] = path
				}
			}
			return true
		})
		return nil
	})
	require.NoError(t, err)
	return out
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
