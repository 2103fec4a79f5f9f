package account

import (
	"reflect"

	"github.com/go-playground/validator/v10"

	"github.com/switchboardkit/switchboard/storage"
)

// Validator tags for Russian requisites, registered by RegisterValidators.
// Hosts may register them on their own validator instance too.
//
//	inn                       10-digit (organisation) or 12-digit (individual) INN with its check digit(s)
//	kpp                       9 characters: 4 digits, 2 digits or capital Latin letters, 3 digits
//	bik                       9 digits
//	ru_corr_account=Field     20-digit correspondent account, control key against the BIK in Field
//	ru_settlement_account=Field 20-digit settlement account, control key against the BIK in Field
//
// The account tags take the Go name of the sibling field holding the BIK.
const (
	TagINN               = "inn"
	TagKPP               = "kpp"
	TagBIK               = "bik"
	TagCorrAccount       = "ru_corr_account"
	TagSettlementAccount = "ru_settlement_account"
)

// RegisterValidators registers the requisites tags on v, a host's own
// validator. Their messages, in every locale the SDK speaks, are
// RequisiteRules' Messages.
func RegisterValidators(v *validator.Validate) error {
	for _, r := range RequisiteRules() {
		if err := v.RegisterValidation(r.Tag, r.Func); err != nil {
			return err
		}
	}
	return nil
}

// RequisiteRules returns the requisites tags with their messages in every
// locale of storage.Locales, for storage.Validator.RegisterRule.
func RequisiteRules() []storage.Rule {
	str := func(fn func(string) bool) validator.Func {
		return func(fl validator.FieldLevel) bool {
			f := fl.Field()
			return f.Kind() == reflect.String && fn(f.String())
		}
	}
	acct := func(fn func(account, bik string) bool) validator.Func {
		return func(fl validator.FieldLevel) bool {
			f := fl.Field()
			if f.Kind() != reflect.String {
				return false
			}
			bik, kind, _, ok := fl.GetStructFieldOK2()
			if !ok || kind != reflect.String {
				return false
			}
			return fn(f.String(), bik.String())
		}
	}
	return []storage.Rule{
		{Tag: TagINN, Func: str(ValidINN), Messages: tagMessages[TagINN]},
		{Tag: TagKPP, Func: str(ValidKPP), Messages: tagMessages[TagKPP]},
		{Tag: TagBIK, Func: str(ValidBIK), Messages: tagMessages[TagBIK]},
		{Tag: TagCorrAccount, Func: acct(ValidCorrespondentAccount), Messages: tagMessages[TagCorrAccount]},
		{Tag: TagSettlementAccount, Func: acct(ValidSettlementAccount), Messages: tagMessages[TagSettlementAccount]},
	}
}

// tagMessages are the requisites tags' messages per locale.
var tagMessages = map[string]map[string]string{
	TagINN: {
		storage.LocaleEnglish: "is not a valid INN (10 or 12 digits with correct check digits)",
		storage.LocaleRussian: "не является корректным ИНН (10 или 12 цифр с верными контрольными цифрами)",
	},
	TagKPP: {
		storage.LocaleEnglish: "is not a valid KPP (4 digits, 2 digits or capital Latin letters, 3 digits)",
		storage.LocaleRussian: "не является корректным КПП (4 цифры, 2 цифры или заглавные латинские буквы, 3 цифры)",
	},
	TagBIK: {
		storage.LocaleEnglish: "is not a valid BIK (9 digits)",
		storage.LocaleRussian: "не является корректным БИК (9 цифр)",
	},
	TagCorrAccount: {
		storage.LocaleEnglish: "is not a valid correspondent account for the BIK (20 digits, control key)",
		storage.LocaleRussian: "не является корректным корреспондентским счётом для БИК (20 цифр, контрольный ключ)",
	},
	TagSettlementAccount: {
		storage.LocaleEnglish: "is not a valid settlement account for the BIK (20 digits, control key)",
		storage.LocaleRussian: "не является корректным расчётным счётом для БИК (20 цифр, контрольный ключ)",
	},
}

// tagMessage is the English message of a requisites tag, for the checks
// made in code rather than by the validator.
func tagMessage(tag string) string { return tagMessages[tag][storage.LocaleEnglish] }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// innCheck is the INN check digit over digits with weights: the weighted sum
// modulo 11, then modulo 10 (a remainder of 10 gives 0).
func innCheck(s string, weights []int) byte {
	sum := 0
	for i, w := range weights {
		sum += int(s[i]-'0') * w
	}
	return byte(sum%11%10) + '0'
}

var (
	inn10Weights = []int{2, 4, 10, 3, 5, 9, 4, 6, 8}
	inn11Weights = []int{7, 2, 4, 10, 3, 5, 9, 4, 6, 8}
	inn12Weights = []int{3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8}
)

// ValidINN reports whether s is a valid INN (taxpayer identification
// number): 10 digits for an organisation with the check digit in position 10,
// or 12 digits for an individual (or individual entrepreneur) with check
// digits in positions 11 and 12, as the Federal Tax Service defines them.
// The first two digits (the region / tax-office code) are never "00", so an
// all-zero number, which passes the checksum, is refused.
func ValidINN(s string) bool {
	if !allDigits(s) || len(s) >= 2 && s[:2] == "00" {
		return false
	}
	switch len(s) {
	case 10:
		return innCheck(s, inn10Weights) == s[9]
	case 12:
		return innCheck(s, inn11Weights) == s[10] && innCheck(s, inn12Weights) == s[11]
	}
	return false
}

// IsOrganisationINN reports whether s is a valid 10-digit (legal entity) INN.
func IsOrganisationINN(s string) bool { return len(s) == 10 && ValidINN(s) }

// ValidKPP reports whether s is a valid KPP (tax registration reason code):
// NNNN PP ZZZ, where NNNN (tax office code) and ZZZ (sequence number) are
// digits and PP (the reason) are digits or capital Latin letters A–Z.
func ValidKPP(s string) bool {
	if len(s) != 9 || !allDigits(s[:4]) || !allDigits(s[6:]) {
		return false
	}
	for _, c := range []byte(s[4:6]) {
		if (c < '0' || c > '9') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}

// ValidBIK reports whether s is a bank identification code: 9 digits.
func ValidBIK(s string) bool { return len(s) == 9 && allDigits(s) }

// accountKeyWeights are the Bank of Russia weights for the control key of an
// account number prefixed with three digits taken from the BIK (23 digits).
var accountKeyWeights = [23]int{7, 1, 3, 7, 1, 3, 7, 1, 3, 7, 1, 3, 7, 1, 3, 7, 1, 3, 7, 1, 3, 7, 1}

// accountKeyOK checks the control key of a 20-digit account against the
// 3-digit prefix: the sum of the lowest digits of digit×weight over
// prefix+account must be divisible by 10.
func accountKeyOK(prefix, account string) bool {
	if len(account) != 20 || !allDigits(account) || len(prefix) != 3 || !allDigits(prefix) {
		return false
	}
	sum := 0
	for i := 0; i < 23; i++ {
		var c byte
		if i < 3 {
			c = prefix[i]
		} else {
			c = account[i-3]
		}
		sum += int(c-'0') * accountKeyWeights[i] % 10
	}
	return sum%10 == 0
}

// ValidCorrespondentAccount reports whether account is a 20-digit
// correspondent account whose control key matches the bank bik: the key is
// computed over "0" followed by BIK digits 5 and 6 (the settlement-centre
// code) and the account.
func ValidCorrespondentAccount(account, bik string) bool {
	return ValidBIK(bik) && accountKeyOK("0"+bik[4:6], account)
}

// ValidSettlementAccount reports whether account is a 20-digit settlement
// account held at the bank bik: the key is computed over the last three BIK
// digits followed by the account.
func ValidSettlementAccount(account, bik string) bool {
	return ValidBIK(bik) && accountKeyOK(bik[6:9], account)
}

// AccountKey returns the control digit (position 9 of the account) that makes
// account valid for the 3-digit prefix, or -1 when the inputs are malformed.
// It helps tests and tools build valid numbers; hosts rarely need it.
func AccountKey(prefix, account string) int {
	if len(account) != 20 || !allDigits(account) || len(prefix) != 3 || !allDigits(prefix) {
		return -1
	}
	for k := byte('0'); k <= '9'; k++ {
		a := account[:8] + string(k) + account[9:]
		if accountKeyOK(prefix, a) {
			return int(k - '0')
		}
	}
	return -1
}
