package bunstore

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

// SetCandidateCap lowers the trigram candidate cap for a test (so a few
// companies exercise the capped paths) and returns the restore function.
// Tests calling it must not run in parallel.
func SetCandidateCap(n int) (restore func()) {
	old := ftsCandidateCap
	ftsCandidateCap = n
	return func() { ftsCandidateCap = old }
}
