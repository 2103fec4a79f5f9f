package bunstore

// HistoryFallbacks counts history reads that fell back to reading rows one
// by one (tests check the folded read is used).
var HistoryFallbacks = &historyFallbacks
