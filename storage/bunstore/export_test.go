package bunstore

import "time"

// HistoryFallbacks counts history reads that fell back to reading rows one
// by one (tests check the folded read is used).
var HistoryFallbacks = &historyFallbacks

// UserRow and MemberRow are the store's tenancy_users and tenancy_members
// rows, for benchmarks that seed in bulk behind the store's back.
type (
	UserRow   = userRow
	MemberRow = memberRow
)

// ToUserRow and ToMemberRow are the store's own conversions to those rows.
var (
	ToUserRow   = toUserRow
	ToMemberRow = toMemberRow
)

// CheckQuery is Check's one statement on PostgreSQL (CheckRecords).
const CheckQuery = checkQuery

// SettingsQuery is the settings read of Check (SharedSettings).
const SettingsQuery = settingsQuery

// HistoryQuery is the store's folded history read of one key (Check's),
// and HistoryArgs its arguments.
func HistoryQuery(s *Store) string { return complianceStore{s}.historyAggQuery(true) }

// HistoryArgs are HistoryQuery's arguments.
func HistoryArgs(s *Store, companyID, key string, since time.Time) []any {
	return complianceStore{s}.historyArgs(companyID, []string{key}, since)
}

// RoundTrips is how many round trips the PostgreSQL pool s opened has sent
// to the server (-1 for other pools).
func RoundTrips(s *Store) int64 { return s.RoundTrips() }

// SetCandidateCap lowers the trigram candidate cap for a test (so a few
// companies exercise the capped paths) and returns the restore function.
// Tests calling it must not run in parallel.
func SetCandidateCap(n int) (restore func()) {
	old := ftsCandidateCap
	ftsCandidateCap = n
	return func() { ftsCandidateCap = old }
}
