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
