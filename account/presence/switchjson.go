package presence

import (
	"encoding/json"
	"time"

	"github.com/switchboardkit/switchboard/audit"
)

// The automatic switches of one ApplyDue are encoded by hand, each as the
// exact bytes encoding/json gives (switchjson_test.go checks them against
// json.Marshal): for ten thousand switches reflection is most of the
// encoding's cost. A value the short form does not cover (a string with a
// byte encoding/json escapes, a time it cannot encode) takes json.Marshal.

// plainJSON reports whether s encodes as itself between quotes: printable
// ASCII without the quote, the backslash and the HTML bytes json.Marshal
// escapes.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if !plainByte[s[i]] {
			return false
		}
	}
	return true
}

// plainByte is which bytes plainJSON accepts.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// plainTime reports whether t encodes as its RFC 3339 form between quotes
// (time.Time.MarshalJSON refuses years outside 0–9999 and offsets with
// seconds; UTC times of storage.ValidTime are always plain).
func plainTime(t time.Time) bool {
	if y := t.Year(); y < 0 || y > 9999 {
		return false
	}
	_, off := t.Zone()
	return off%60 == 0 && off > -24*3600 && off < 24*3600
}

func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// timeMemo is appendTime remembering its last time (a batch's switches
// share their applied time, and mostly their due instants): a nil
// *timeMemo is appendTime.
type timeMemo struct {
	t   time.Time
	enc []byte // appendTime(nil, t), when set
}

func (m *timeMemo) append(b []byte, t time.Time) []byte {
	if m == nil {
		return appendTime(b, t)
	}
	if m.enc == nil || m.t != t { // the same instant, location and monotonic reading: the same bytes
		m.t, m.enc = t, appendTime(m.enc[:0], t)
	}
	return append(b, m.enc...)
}

// switchJSON is json.Marshal(sw).
func switchJSON(sw *Switch) ([]byte, error) {
	_, out, err := appendSwitchJSON(make([]byte, 0, switchJSONSize(sw)), sw, nil, nil)
	return out, err
}

// switchJSONSize is room enough for the short form of sw.
func switchJSONSize(sw *Switch) int {
	return 160 + len(sw.CompanyID) + len(sw.UserID) + len(sw.From) + len(sw.To)
}

// appendSwitchJSON appends json.Marshal(sw) to b and returns b and the
// appended bytes (capped: appending to them copies), or, for a value the
// short form does not cover, b unchanged and json.Marshal's own bytes. It
// encodes At and AppliedAt through the memos, which may be nil.
func appendSwitchJSON(b []byte, sw *Switch, at, applied *timeMemo) (_, out []byte, err error) {
	if !plainJSON(sw.CompanyID) || !plainJSON(sw.UserID) || !plainJSON(sw.From) || !plainJSON(sw.To) ||
		!plainTime(sw.At) || !plainTime(sw.AppliedAt) {
		out, err = json.Marshal(sw)
		return b, out, err
	}
	start := len(b)
	b = append(b, `{"company_id":`...)
	b = appendString(b, sw.CompanyID)
	b = append(b, `,"user_id":`...)
	b = appendString(b, sw.UserID)
	b = append(b, `,"from":`...)
	b = appendString(b, sw.From)
	b = append(b, `,"to":`...)
	b = appendString(b, sw.To)
	b = append(b, `,"at":`...)
	b = at.append(b, sw.At)
	b = append(b, `,"applied_at":`...)
	b = applied.append(b, sw.AppliedAt)
	b = append(b, '}')
	return b, b[start:len(b):len(b)], nil
}

// switchChanges is the audit changes of sw: audit.Set("pause_type_id",
// sw.From, sw.To) and audit.Set("at", nil, sw.At).
func switchChanges(sw *Switch) []audit.Change {
	_, _, out := appendSwitchChanges(make([]byte, 0, switchChangesSize(sw)), make([]audit.Change, 0, 2), sw, nil)
	return out
}

// switchChangesSize is room enough for the values of switchChanges(sw).
func switchChangesSize(sw *Switch) int { return 40 + len(sw.From) + len(sw.To) }

// appendSwitchChanges appends switchChanges(sw) to cs, and its values to b;
// it returns b, cs and the changes appended (capped), which, for a value
// the short form does not cover, are audit.Set's, b and cs unchanged. It
// encodes At through the memo, which may be nil.
func appendSwitchChanges(b []byte, cs []audit.Change, sw *Switch, atMemo *timeMemo) (_ []byte, _, out []audit.Change) {
	if !plainJSON(sw.From) || !plainJSON(sw.To) || !plainTime(sw.At) {
		return b, cs, []audit.Change{audit.Set("pause_type_id", sw.From, sw.To), audit.Set("at", nil, sw.At)}
	}
	start := len(b)
	b = appendString(b, sw.From)
	from := b[start:len(b):len(b)]
	b = appendString(b, sw.To)
	to := b[start+len(from) : len(b) : len(b)]
	b = atMemo.append(b, sw.At)
	at := b[start+len(from)+len(to) : len(b) : len(b)]
	n := len(cs)
	cs = append(cs, audit.Change{Field: "pause_type_id", Before: from, After: to}, audit.Change{Field: "at", After: at})
	return b, cs, cs[n:len(cs):len(cs)]
}
