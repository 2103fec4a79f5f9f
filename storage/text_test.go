package storage_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/account/presence"
	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

func TestValidText(t *testing.T) {
	t.Parallel()
	good := []string{"", "Ромашка", "😀👩‍👩‍👧", "e\u0301", "שלום עולם", "مرحبا", "a\u200bb", "\ufeffbom", "名前", "\u00a0nbsp"}
	for _, s := range good {
		assert.True(t, storage.ValidText(s), "%q", s)
		assert.True(t, storage.ValidMultiline(s), "%q", s)
	}
	for _, s := range []string{"a\x00b", "a\nb", "a\tb", "a\rb", "\x7f", "\u0085", "a\u2028b", "\xff", "\xed\xa0\x80", "ok\x1b[31m"} {
		assert.False(t, storage.ValidText(s), "%q", s)
	}
	for _, s := range []string{"line 1\nline 2", "col\tcol", "a\u2028b"} {
		assert.True(t, storage.ValidMultiline(s), "%q", s)
	}
	for _, s := range []string{"a\x00b", "a\rb", "\x7f", "\u0085", "\xff", "a\x0cb"} {
		assert.False(t, storage.ValidMultiline(s), "%q", s)
	}
}

func TestValidTime(t *testing.T) {
	t.Parallel()
	assert.False(t, storage.ValidTime(time.Time{}))
	assert.False(t, storage.ValidTime(time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC)))
	assert.True(t, storage.ValidTime(storage.MinTime()))
	assert.True(t, storage.ValidTime(time.Date(2199, 12, 31, 23, 59, 59, 0, time.UTC)))
	assert.False(t, storage.ValidTime(storage.MaxTime()))
	assert.False(t, storage.ValidTime(time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)))
}

type nested struct {
	Name string `json:"name" validate:"required,text,max=5"`
}

type input struct {
	Name      string    `json:"name" validate:"required,text,max=10"`
	Notes     string    `json:"notes" validate:"multiline,max=20"`
	Raw       string    `json:"raw"` // no text tag: left alone
	Tags      []string  `json:"tags" validate:"dive,text,max=5"`
	Inner     nested    `json:"inner"`
	Ptr       *nested   `json:"ptr"`
	Items     []nested  `json:"items"`
	At        time.Time `json:"at" validate:"instant"`
	unexposed string
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	ptr := &nested{Name: " p "}
	tags := []string{" a ", "b"}
	items := []nested{{Name: " i "}}
	in := input{Name: "\u00a0 Name \t", Notes: "  one\r\ntwo\rthree  ", Raw: " raw ", Tags: tags,
		Inner: nested{Name: " x "}, Ptr: ptr, Items: items, unexposed: " u "}
	storage.Normalize(&in)
	assert.Equal(t, "Name", in.Name)
	assert.Equal(t, "  one\ntwo\nthree  ", in.Notes, "multi-line: line ends only")
	assert.Equal(t, " raw ", in.Raw)
	assert.Equal(t, []string{"a", "b"}, in.Tags)
	assert.Equal(t, "x", in.Inner.Name)
	assert.Equal(t, "p", in.Ptr.Name)
	assert.Equal(t, "i", in.Items[0].Name)
	assert.Equal(t, " u ", in.unexposed)
	// The caller's slices and pointed-to structs are untouched.
	assert.Equal(t, " p ", ptr.Name)
	assert.Equal(t, " a ", tags[0])
	assert.Equal(t, " i ", items[0].Name)

	storage.Normalize(in)  // not a pointer: ignored
	storage.Normalize(nil) // ignored
	var np *input
	storage.Normalize(np)
}

func TestTextTags(t *testing.T) {
	t.Parallel()
	v := storage.NewValidator()
	ok := input{Name: "Ромашка", Notes: "a\nb\tc", Inner: nested{Name: "x"}, At: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	require.NoError(t, storage.Validate(context.Background(), "op", v, ok))

	for _, tc := range []struct {
		mut   func(*input)
		field string
		rule  string
	}{
		{func(in *input) { in.Name = "a\x00b" }, "name", storage.TagText},
		{func(in *input) { in.Name = "a\nb" }, "name", storage.TagText},
		{func(in *input) { in.Name = "\xff" }, "name", storage.TagText},
		{func(in *input) { in.Name = strings.Repeat("😀", 11) }, "name", "max"},
		{func(in *input) { in.Notes = "a\x00" }, "notes", storage.TagMultiline},
		{func(in *input) { in.Tags = []string{"ok", "b\x01"} }, "tags[1]", storage.TagText},
		{func(in *input) { in.At = time.Time{} }, "at", storage.TagInstant},
		{func(in *input) { in.At = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC) }, "at", storage.TagInstant},
	} {
		in := ok
		tc.mut(&in)
		err := storage.Validate(context.Background(), "op", v, in)
		var ve *storage.ValidationError
		require.ErrorAs(t, err, &ve)
		f, found := ve.Field(tc.field)
		require.True(t, found, "%v", err)
		assert.Equal(t, tc.rule, f.Rule)
		assert.NotContains(t, f.Message, "failed rule", "every text tag has a message")
	}
	in := ok
	in.Name = strings.Repeat("😀", 10)
	assert.NoError(t, storage.Validate(context.Background(), "op", v, in), "max counts characters, not bytes")
}

func TestCheckText(t *testing.T) {
	t.Parallel()
	e := &storage.ValidationError{Op: "op"}
	e.CheckText("a", "", 3, true).CheckText("b", "", 3, false).CheckText("c", "x\x00", 3, false).
		CheckText("d", "абвг", 3, false).CheckText("e", "абв", 3, true).CheckTime("f", time.Time{})
	var rules []string
	for _, f := range e.Fields {
		rules = append(rules, f.Field+":"+f.Rule)
	}
	assert.Equal(t, []string{"a:required", "c:text", "d:max", "f:instant"}, rules)
}

// boundedTags are validation tags that bound a string by themselves (an
// enum, a fixed format).
var boundedTags = []string{"role", "company_kind", "slug", "inn", "kpp", "bik", "e164", "iso3166_1_alpha2"}

// TestEveryInputStringIsBoundedText walks the input structs of every domain:
// each string field (and each string element of a slice) must be declared
// text or multi-line, and have a maximum length (or an enum or format tag
// that bounds it).
func TestEveryInputStringIsBoundedText(t *testing.T) {
	t.Parallel()
	inputs := []any{
		tenancy.Person{}, tenancy.LegalIdentity{}, tenancy.NewCompany{}, tenancy.NewAffiliate{},
		tenancy.NewEmployee{}, tenancy.MemberChange{}, tenancy.PersonName{},
		account.Profile{}, account.Requisites{}, account.Locale{}, account.UserLocale{}, account.Branding{},
		account.UserImages{}, account.OperatorProfile{}, account.Consent{}, account.SMSZone{}, account.Assistant{},
		account.CostCentreInput{}, account.MailConnection{}, account.PBXInput{},
		presence.PauseTypeInput{}, presence.Change{}, presence.ReportRequest{},
		licensing.PackageInput{}, licensing.KeyInput{}, licensing.SubscriptionPurchase{}, licensing.AddOnPurchase{},
		licensing.LicensePurchase{}, licensing.MoneyInput{}, licensing.SubscriptionFilter{},
	}
	for _, in := range inputs {
		checkBounded(t, reflect.TypeOf(in))
	}
}

func checkBounded(t *testing.T, st reflect.Type) {
	t.Helper()
	for i := range st.NumField() {
		f := st.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("validate")
		name := st.Name() + "." + f.Name
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case ft.Kind() == reflect.String:
			assertBounded(t, name, tag)
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.String:
			_, elem, found := strings.Cut(tag, "dive,")
			assert.True(t, found, "%s: a slice of strings dives into its elements", name)
			assert.Contains(t, tag, "max=", "%s: the slice has a maximum length", name)
			assertBounded(t, name+"[]", elem)
		case ft.Kind() == reflect.Struct && ft.PkgPath() != "time" && strings.HasPrefix(ft.PkgPath(), "github.com/switchboardkit/"):
			checkBounded(t, ft)
		}
	}
}

func assertBounded(t *testing.T, name, tag string) {
	t.Helper()
	toks := strings.Split(tag, ",")
	hasText, bounded := false, false
	for _, tok := range toks {
		switch {
		case tok == storage.TagText || tok == storage.TagMultiline:
			hasText = true
		case strings.HasPrefix(tok, "max=") || strings.HasPrefix(tok, "len=") || strings.HasPrefix(tok, "oneof="):
			bounded = true
		default:
			for _, b := range boundedTags {
				if tok == b {
					bounded = true
				}
			}
		}
	}
	assert.True(t, hasText, "%s (validate:%q) is neither text nor multiline", name, tag)
	assert.True(t, bounded, "%s (validate:%q) has no maximum length", name, tag)
}
