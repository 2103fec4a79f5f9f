package tenancy_test

import (
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"

	"github.com/switchboardkit/switchboard/tenancy"
)

func TestValidINN(t *testing.T) {
	t.Parallel()
	for inn, want := range map[string]bool{
		"7707083893":   true,  // an organisation
		"7707083894":   false, // wrong check digit
		"500100732259": true,  // an individual
		"500100732258": false,
		"770708389":    false,
		"77070838930":  false,
		"77070838a3":   false,
		"":             false,
	} {
		assert.Equal(t, want, tenancy.ValidINN(inn), inn)
	}
}

func TestSearchText(t *testing.T) {
	t.Parallel()
	c := tenancy.Company{ID: "01ABC", LegalName: "New Ways Company", DisplayName: "НОВЫЕ ПУТИ", TaxID: "7707083893", RegistrationNumber: "OGRN-1"}
	st := c.SearchText()
	for _, q := range []string{"new", "ways", "comp", "новые", "01abc", "770708", "ogrn"} {
		assert.Contains(t, st, tenancy.NormalizeQuery(q), q)
	}
	assert.NotContains(t, st, tenancy.NormalizeQuery("company\x1fнов"), "fields never run into each other")
	assert.Equal(t, "a b", tenancy.NormalizeQuery("  A\x00 B\t"))
}

func FuzzNormalizeQuery(f *testing.F) {
	for _, s := range []string{"New ways", "100%_", "\x1f", "ООО «Ромашка»", " \t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := tenancy.NormalizeQuery(s)
		if strings.IndexFunc(n, unicode.IsControl) >= 0 {
			t.Fatalf("control character survived in %q", n)
		}
		if tenancy.NormalizeQuery(n) != n {
			t.Fatalf("not idempotent: %q", s)
		}
	})
}

func FuzzValidINN(f *testing.F) {
	for _, s := range []string{"7707083893", "500100732259", "", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if tenancy.ValidINN(s) && len(s) != 10 && len(s) != 12 {
			t.Fatalf("accepted %q", s)
		}
	})
}
