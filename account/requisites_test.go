package account_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/go-playground/validator/v10"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/storage"
)

// Real values: Sberbank (INN 7707083893, KPP 773601001, BIK 044525225,
// correspondent account 30101810400000000225), Yandex (INN 7736207543),
// Alfa-Bank (BIK 044525593, 30101810200000000593), T-Bank (BIK 044525974,
// 30101810145250000974), Sberbank Stavropol (BIK 040702615,
// 30101810907020000615).

func TestValidINN(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in  string
		ok  bool
		why string
	}{
		{"7707083893", true, "organisation (Sberbank)"},
		{"7736207543", true, "organisation (Yandex)"},
		{"7830002293", true, "organisation"},
		{"773173084809", true, "individual"},
		{"526317984689", true, "individual"},
		{"500100732259", true, "individual"},
		{"", false, "empty"},
		{"770708389", false, "9 digits"},
		{"77070838930", false, "11 digits"},
		{"7707083893000", false, "13 digits"},
		{"7707083894", false, "10 digits, wrong check digit"},
		{"773173084819", false, "12 digits, wrong 11th check digit"},
		{"773173084808", false, "12 digits, right 11th, wrong 12th check digit"},
		{"770708389A", false, "letter"},
		{" 7707083893", false, "leading space"},
		{"+707083893", false, "sign"},
		{"７７０７０８３８９３", false, "full-width digits"},
		{"0000000000", false, "all zeros pass the checksum but region 00 does not exist"},
		{"000000000000", false, "all zeros, 12 digits"},
	} {
		assert.Equal(t, tc.ok, account.ValidINN(tc.in), "%q: %s", tc.in, tc.why)
	}
	assert.True(t, account.IsOrganisationINN("7707083893"))
	assert.False(t, account.IsOrganisationINN("773173084809"))
}

func TestValidKPP(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in  string
		ok  bool
		why string
	}{
		{"773601001", true, "Sberbank"},
		{"770201001", true, "digits"},
		{"7701AZ001", true, "capital Latin letters in positions 5–6"},
		{"77010A001", true, "one letter in position 6"},
		{"", false, "empty"},
		{"77360100", false, "8 characters"},
		{"7736010011", false, "10 characters"},
		{"A73601001", false, "letter in positions 1–4"},
		{"77360100A", false, "letter in positions 7–9"},
		{"7701az001", false, "lower-case letters"},
		{"7701АБ001", false, "Cyrillic letters"},
		{"7701-0001", false, "punctuation"},
	} {
		assert.Equal(t, tc.ok, account.ValidKPP(tc.in), "%q: %s", tc.in, tc.why)
	}
}

func TestValidBIK(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"044525225", true}, {"044525593", true}, {"040702615", true},
		{"", false}, {"04452522", false}, {"0445252250", false}, {"04452522A", false}, {"04452522 ", false},
	} {
		assert.Equal(t, tc.ok, account.ValidBIK(tc.in), "%q", tc.in)
	}
}

func TestValidAccounts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		acct, bik   string
		corr, settl bool
		why         string
	}{
		{"30101810400000000225", "044525225", true, false, "Sberbank correspondent account"},
		{"30101810200000000593", "044525593", true, false, "Alfa-Bank correspondent account"},
		{"30101810145250000974", "044525974", true, false, "T-Bank correspondent account"},
		{"30101810907020000615", "040702615", true, false, "Sberbank Stavropol correspondent account"},
		{"40702810138250123017", "044525225", false, true, "settlement account at Sberbank"},
		{"40702810800000012345", "044525593", false, true, "settlement account at Alfa-Bank"},
		{"40817810500001234567", "044525974", false, true, "personal account at T-Bank"},
		{"30101810400000000226", "044525225", false, false, "correspondent account, wrong last digit"},
		{"30101810500000000225", "044525225", false, false, "correspondent account, wrong key digit"},
		{"30101810400000000225", "040702615", false, false, "correspondent account of another settlement centre"},
		{"40702810138250123018", "044525225", false, false, "settlement account, wrong last digit"},
		{"40702810138250123017", "044525593", false, false, "settlement account of another bank"},
		{"3010181040000000022", "044525225", false, false, "19 digits"},
		{"301018104000000002250", "044525225", false, false, "21 digits"},
		{"3010181040000000022A", "044525225", false, false, "letter"},
		{"30101810400000000225", "", false, false, "no BIK"},
		{"30101810400000000225", "04452522", false, false, "malformed BIK"},
		{"", "044525225", false, false, "empty"},
	} {
		assert.Equal(t, tc.corr, account.ValidCorrespondentAccount(tc.acct, tc.bik), "corr %s/%s: %s", tc.acct, tc.bik, tc.why)
		assert.Equal(t, tc.settl, account.ValidSettlementAccount(tc.acct, tc.bik), "settlement %s/%s: %s", tc.acct, tc.bik, tc.why)
	}
	assert.Equal(t, 8, account.AccountKey("593", "40702810000000012345"))
	assert.Equal(t, -1, account.AccountKey("59", "40702810000000012345"))
}

// The tags work on a host's own validator and struct, with the message the
// SDK gives each.
func TestRequisitesTags(t *testing.T) {
	t.Parallel()
	v := validator.New()
	require.NoError(t, account.RegisterValidators(v))
	type payee struct {
		INN  string `validate:"inn"`
		KPP  string `validate:"kpp"`
		Bank string `validate:"bik"`
		Corr string `validate:"ru_corr_account=Bank"`
		Acct string `validate:"ru_settlement_account=Bank"`
	}
	good := payee{"7707083893", "773601001", "044525225", "30101810400000000225", "40702810138250123017"}
	require.NoError(t, v.Struct(good))
	bad := payee{"7707083894", "77360100", "044525225", "30101810400000000226", "40702810138250123018"}
	var verrs validator.ValidationErrors
	require.ErrorAs(t, v.Struct(bad), &verrs)
	var tags []string
	for _, fe := range verrs {
		tags = append(tags, fe.Field()+"="+fe.Tag())
	}
	assert.ElementsMatch(t, []string{"INN=inn", "KPP=kpp", "Corr=ru_corr_account", "Acct=ru_settlement_account"}, tags)
	// An account tag pointing at a missing field fails closed.
	type broken struct {
		Corr string `validate:"ru_corr_account=Nope"`
	}
	require.Error(t, v.Struct(broken{"30101810400000000225"}))
}

func TestValidateRequisites(t *testing.T) {
	t.Parallel()
	svc, _ := newFixture(t)
	good := account.Requisites{INN: "7707083893", KPP: "773601001", BIK: "044525225",
		CorrespondentAccount: "30101810400000000225", SettlementAccount: "40702810138250123017", BankName: "ПАО Сбербанк"}
	require.NoError(t, svc.ValidateRequisites(context.Background(), good))
	require.NoError(t, svc.ValidateRequisites(context.Background(), account.Requisites{}), "every field is optional")
	require.NoError(t, svc.ValidateRequisites(context.Background(), account.Requisites{INN: "773173084809"}), "individual without KPP")

	for name, tc := range map[string]struct {
		mutate func(r *account.Requisites)
		fields []string
	}{
		"bad inn":                 {func(r *account.Requisites) { r.INN = "7707083894" }, []string{"inn"}},
		"bad kpp":                 {func(r *account.Requisites) { r.KPP = "7736010O1" }, []string{"kpp"}},
		"kpp with individual inn": {func(r *account.Requisites) { r.INN = "773173084809" }, []string{"kpp"}},
		"bad bik breaks accounts": {func(r *account.Requisites) { r.BIK = "04452522X" }, []string{"bik", "correspondent_account", "settlement_account"}},
		"accounts swapped": {func(r *account.Requisites) {
			r.CorrespondentAccount, r.SettlementAccount = r.SettlementAccount, r.CorrespondentAccount
		}, []string{"correspondent_account", "settlement_account"}},
		"account without bik": {func(r *account.Requisites) { r.BIK = "" }, []string{"correspondent_account", "settlement_account"}},
		"bank name too long":  {func(r *account.Requisites) { r.BankName = string(make([]byte, 256)) }, []string{"bank_name"}},
	} {
		r := good
		tc.mutate(&r)
		err := svc.ValidateRequisites(context.Background(), r)
		require.ErrorIs(t, err, storage.ErrInvalid, name)
		var ve *storage.ValidationError
		require.ErrorAs(t, err, &ve)
		var got []string
		for _, f := range ve.Fields {
			got = append(got, f.Field)
			assert.NotEmpty(t, f.Message)
			assert.NotContains(t, f.Message, "failed rule", "requisites have their own messages")
		}
		assert.ElementsMatch(t, tc.fields, got, name)
	}
}

func FuzzINN(f *testing.F) {
	for _, s := range []string{"7707083893", "773173084809", "0000000000", "7707083894", ""} {
		f.Add(s)
	}
	v := validator.New()
	require.NoError(f, account.RegisterValidators(v))
	f.Fuzz(func(t *testing.T, s string) {
		ok := account.ValidINN(s)
		if ok != account.ValidINN(s) {
			t.Fatal("not deterministic")
		}
		if (v.Var(s, "inn") == nil) != ok {
			t.Fatalf("tag and function disagree on %q", s)
		}
		if !ok {
			return
		}
		if len(s) != 10 && len(s) != 12 {
			t.Fatalf("accepted %q of length %d", s, len(s))
		}
		var back string
		b, _ := json.Marshal(s)
		if err := json.Unmarshal(b, &back); err != nil || !account.ValidINN(back) {
			t.Fatalf("accepted %q does not re-validate after a round trip", s)
		}
		// Changing the last check digit always breaks it.
		last := s[len(s)-1]
		if account.ValidINN(s[:len(s)-1] + string('0'+(last-'0'+1)%10)) {
			t.Fatalf("%q: another last digit also passes", s)
		}
	})
}

func FuzzKPPAndBIK(f *testing.F) {
	for _, s := range []string{"773601001", "7701AZ001", "044525225", "7701az001", "", "ЖЖЖЖ"} {
		f.Add(s)
	}
	v := validator.New()
	require.NoError(f, account.RegisterValidators(v))
	f.Fuzz(func(t *testing.T, s string) {
		kpp, bik := account.ValidKPP(s), account.ValidBIK(s)
		if (v.Var(s, "kpp") == nil) != kpp || (v.Var(s, "bik") == nil) != bik {
			t.Fatalf("tag and function disagree on %q", s)
		}
		if (kpp || bik) && len(s) != 9 {
			t.Fatalf("accepted %q of length %d", s, len(s))
		}
		if bik && !kpp {
			t.Fatalf("a 9-digit BIK %q is also a well-formed KPP", s)
		}
	})
}

func FuzzAccounts(f *testing.F) {
	for _, c := range [][2]string{
		{"30101810400000000225", "044525225"}, {"40702810138250123017", "044525225"},
		{"30101810400000000226", "044525225"}, {"", ""}, {"3010181040000000022x", "04452522"},
	} {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, acct, bik string) {
		for _, check := range []func(string, string) bool{account.ValidCorrespondentAccount, account.ValidSettlementAccount} {
			if !check(acct, bik) {
				continue
			}
			if len(acct) != 20 || !account.ValidBIK(bik) {
				t.Fatalf("accepted malformed %q / %q", acct, bik)
			}
			if !check(acct, bik) {
				t.Fatal("not deterministic")
			}
			// The key digit (position 9) is the only one that fits.
			for d := byte('0'); d <= '9'; d++ {
				if d != acct[8] && check(acct[:8]+string(d)+acct[9:], bik) {
					t.Fatalf("%q: key digit %c also passes", acct, d)
				}
			}
		}
	})
}

func FuzzRequisites(f *testing.F) {
	f.Add("7707083893", "773601001", "044525225", "30101810400000000225", "40702810138250123017", "ПАО Сбербанк")
	f.Add("773173084809", "", "044525593", "30101810200000000593", "40702810800000012345", "")
	f.Add("7707083894", "77360100", "x", "", "\x00", "\xff")
	svc, _ := newFixture(f)
	f.Fuzz(func(t *testing.T, inn, kpp, bik, corr, settl, bank string) {
		r := account.Requisites{INN: inn, KPP: kpp, BIK: bik, CorrespondentAccount: corr, SettlementAccount: settl, BankName: bank}
		err := svc.ValidateRequisites(context.Background(), r)
		if err != nil {
			if !errorsIsInvalid(err) {
				t.Fatalf("not a validation error: %v", err)
			}
			return
		}
		// Accepted: stored as JSON and read back, it is accepted again.
		b, jerr := json.Marshal(r)
		if jerr != nil {
			t.Fatal(jerr)
		}
		var back account.Requisites
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if back != r {
			// invalid UTF-8 in the free-text bank name is replaced by JSON;
			// the requisites proper must survive unchanged
			if back.INN != r.INN || back.KPP != r.KPP || back.BIK != r.BIK || back.CorrespondentAccount != r.CorrespondentAccount || back.SettlementAccount != r.SettlementAccount {
				t.Fatalf("round trip changed %+v into %+v", r, back)
			}
		}
		if err := svc.ValidateRequisites(context.Background(), back); err != nil {
			t.Fatalf("accepted %+v, rejected after a round trip: %v", r, err)
		}
	})
}
