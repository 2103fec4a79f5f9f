package licensing

import (
	"strconv"

	"github.com/shopspring/decimal"

	"github.com/switchboardkit/switchboard/storage"
)

// MinorUnits is the currency precision every amount must respect: two decimal
// places (kopecks, cents, öre). An amount with more significant decimals
// ("1.005") is rejected, never rounded; trailing zeros ("1.500") are fine.
const MinorUnits = 2

// maxAmount bounds every amount so it fits the NUMERIC(30,6) columns with
// room for sums.
var maxAmount = decimal.New(1, 15) // 10^15

// checkAmount adds a field error to verr when d has more decimals than the
// currency allows, is too large, or breaks the sign rule (sign: +1 positive,
// 0 non-negative, -2 any sign but non-zero, 2 any).
func checkAmount(verr *storage.ValidationError, field string, d decimal.Decimal, sign int) {
	switch {
	case !d.Equal(d.Truncate(MinorUnits)):
		verr.Add(field, "precision", "must have at most 2 decimal places")
	case d.Abs().GreaterThanOrEqual(maxAmount):
		verr.Add(field, "max", "must be less than 10^15 in absolute value")
	case sign == 1 && !d.IsPositive():
		verr.Add(field, "gt", "must be greater than 0")
	case sign == 0 && d.IsNegative():
		verr.Add(field, "gte", "must not be negative")
	case sign == -2 && d.IsZero():
		verr.Add(field, "ne", "must not be zero")
	}
}

// norm returns d with exactly MinorUnits decimals, so equal amounts print
// alike whatever backend they came from.
func norm(d decimal.Decimal) decimal.Decimal { return d.Round(MinorUnits) }

func decimalInt(n int) decimal.Decimal { return decimal.NewFromInt(int64(n)) }

func itoa(n int) string { return strconv.Itoa(n) }
