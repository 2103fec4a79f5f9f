package zone_test

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/compliance/zone"
)

func loadPlan(t *testing.T, name string) *zone.NumberingPlan {
	t.Helper()
	f, err := os.DirFS("testdata").Open(name)
	require.NoError(t, err)
	defer func() { _ = f.Close() }() // read-only: a failed Close loses nothing
	p, err := zone.LoadNumberingPlan(f)
	require.NoError(t, err)
	return p
}

func TestNumberingPlanBothEncodings(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"DEF-9xx-sample.csv", "DEF-9xx-sample-cp1251.csv"} {
		p := loadPlan(t, name)
		assert.Equal(t, 8, p.Len(), name)
		r := &zone.Default{Plan: p}
		for number, want := range map[string][]string{
			"+79142345678": {"Asia/Vladivostok"},
			"+79147012345": {"Asia/Srednekolymsk", "Asia/Ust-Nera", "Asia/Yakutsk"},
			"+79161234567": {"Europe/Moscow"},
			"+79521500000": {"Europe/Kaliningrad"},
			"+79620012345": {"Asia/Tomsk"},
		} {
			res, err := r.Resolve(number)
			require.NoError(t, err)
			assert.Equal(t, want, res.Zones, "%s %s", name, number)
			assert.Equal(t, zone.SourcePlan, res.Source)
		}
		// Not in the plan, or a region the table does not know: every Russian zone.
		for _, n := range []string{"+79990005000", "+79990000001"} {
			res, err := r.Resolve(n)
			require.NoError(t, err)
			assert.Equal(t, zone.SourceCountry, res.Source)
			assert.Len(t, res.Zones, len(zone.RussiaZones))
		}
	}
}

func TestNumberingPlanRejects(t *testing.T) {
	t.Parallel()
	for name, csv := range map[string]string{
		"no header column": "Код;От;До\n900;0;1\n",
		"bad range":        "АВС/ DEF;От;До;Емкость;Оператор;Регион\n900;5;1;0;x;Москва\n",
		"overlap":          "АВС/ DEF;От;До;Емкость;Оператор;Регион\n900;0;10;11;x;Москва\n900;5;20;16;x;Москва\n",
		"short row":        "АВС/ DEF;От;До;Емкость;Оператор;Регион\n900;0\n",
	} {
		_, err := zone.LoadNumberingPlan(strings.NewReader(csv))
		require.ErrorIs(t, err, zone.ErrBadPlan, name)
	}
}

func TestResolve(t *testing.T) {
	t.Parallel()
	r := &zone.Default{}
	for number, want := range map[string]string{
		"+7 (423) 222-33-44": "Asia/Vladivostok",
		"8 4012 12-34-56":    "Europe/Kaliningrad",
		"4951234567":         "Europe/Moscow",
		"+74112123456":       "Asia/Srednekolymsk,Asia/Ust-Nera,Asia/Yakutsk",
		"+12125551234":       "America/New_York",
		"+77012345678":       "Asia/Almaty,Asia/Aqtobe", // Kazakhstan shares +7
	} {
		res, err := r.Resolve(number)
		require.NoError(t, err, number)
		assert.Equal(t, want, strings.Join(res.Zones, ","), number)
	}
	// Never phonenumbers' Moscow for a mobile.
	res, err := r.Resolve("+79241234567")
	require.NoError(t, err)
	assert.Equal(t, zone.SourceCountry, res.Source)
	assert.Equal(t, "RU", res.Country)

	for _, bad := range []string{"", "12345", "+7 495 abc", "+7495123", "+1555", "++1"} {
		_, err := r.Resolve(bad)
		require.True(t, errors.Is(err, zone.ErrBadNumber), "%q: %v", bad, err)
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"+79161234567", "8 (916) 123-45-67", "+1 212 555 1234", "abc", "+"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := zone.Normalize(s)
		if err != nil {
			return
		}
		again, err := zone.Normalize(n)
		if err != nil || again != n {
			t.Fatalf("Normalize not idempotent: %q → %q → %q (%v)", s, n, again, err)
		}
	})
}

func FuzzLoadNumberingPlan(f *testing.F) {
	f.Add("АВС/ DEF;От;До;Емкость;Оператор;Регион\n900;0000000;0061999;62000;x;Краснодарский край\n")
	f.Add("АВС/ DEF;От;До;Регион\n\"9\"00;1;2;\"a;b\"\n")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := zone.LoadNumberingPlan(strings.NewReader(s))
		if err != nil {
			require.ErrorIs(t, err, zone.ErrBadPlan)
			return
		}
		_, _ = p.Lookup("9000000001")
	})
}

func ExampleNormalize() {
	for _, s := range []string{"8 (916) 123-45-67", "+7 4012 12-34-56", "4951234567"} {
		n, _ := zone.Normalize(s)
		fmt.Println(n)
	}
	// Output:
	// +79161234567
	// +74012123456
	// +74951234567
}
