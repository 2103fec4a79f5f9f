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
		switch c := s[i]; {
		case c < 0x20, c >= 0x7f, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

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

// switchJSON is json.Marshal(sw).
func switchJSON(sw *Switch) ([]byte, error) {
	if !plainJSON(sw.CompanyID) || !plainJSON(sw.UserID) || !plainJSON(sw.From) || !plainJSON(sw.To) ||
		!plainTime(sw.At) || !plainTime(sw.AppliedAt) {
		return json.Marshal(sw)
	}
	b := make([]byte, 0, 160+len(sw.CompanyID)+len(sw.UserID)+len(sw.From)+len(sw.To))
	b = append(b, `{"company_id":`...)
	b = appendString(b, sw.CompanyID)
	b = append(b, `,"user_id":`...)
	b = appendString(b, sw.UserID)
	b = append(b, `,"from":`...)
	b = appendString(b, sw.From)
	b = append(b, `,"to":`...)
	b = appendString(b, sw.To)
	b = append(b, `,"at":`...)
	b = appendTime(b, sw.At)
	b = append(b, `,"applied_at":`...)
	b = appendTime(b, sw.AppliedAt)
	return append(b, '}'), nil
}

// switchChanges is the audit changes of sw: audit.Set("pause_type_id",
// sw.From, sw.To) and audit.Set("at", nil, sw.At).
func switchChanges(sw *Switch) []audit.Change {
	if !plainJSON(sw.From) || !plainJSON(sw.To) || !plainTime(sw.At) {
		return []audit.Change{audit.Set("pause_type_id", sw.From, sw.To), audit.Set("at", nil, sw.At)}
	}
	// One buffer for the three values.
	buf := make([]byte, 0, 40+len(sw.From)+len(sw.To))
	buf = appendString(buf, sw.From)
	from := buf[:len(buf):len(buf)]
	buf = appendString(buf, sw.To)
	to := buf[len(from):len(buf):len(buf)]
	buf = appendTime(buf, sw.At)
	at := buf[len(from)+len(to):]
	return []audit.Change{{Field: "pause_type_id", Before: from, After: to}, {Field: "at", After: at}}
}
