package audit

import (
	"bytes"
	"encoding/json"
	"testing"
)

// slowCanonical is canonicalJSON without its fast path.
func slowCanonical(r json.RawMessage) (json.RawMessage, bool) {
	var buf bytes.Buffer
	if err := json.Compact(&buf, r); err != nil {
		return nil, false
	}
	b, err := json.Marshal(json.RawMessage(buf.Bytes()))
	return b, err == nil
}

// The fast path of canonicalJSON returns exactly what compacting and
// re-marshalling does, so stored changes and leaf hashes are unchanged.
func TestCanonicalJSONFastPathIsExact(t *testing.T) {
	inputs := []string{`"a"`, `1`, `-1.5e3`, `true`, `null`, `{}`, `[]`, `{"a":[1,2,{"b":null}]}`, `"2026-11-20T09:10:00Z"`,
		`{"a": 1}`, "[1,\n2]", `"<b>&"`, "\"\u2028\u2029\"", `"é€"`, `"\u003c"`, `{"a":1`, `"x`, `1 2`, `tru`, "\"\xff\"",
		`""`, `"`, `"a"b"`, `"a\"`, `"a\"b"`, `"\\"`, `"a\nb"`, "\"a\x01\"", "\"\x7f\"", `"01JD0000000000000000000000"`, `x"`, `"a""`}
	for _, in := range inputs {
		want, wantOK := slowCanonical(json.RawMessage(in))
		got, ok := canonicalJSON(json.RawMessage(in))
		if ok != wantOK || !bytes.Equal(got, want) {
			t.Errorf("canonicalJSON(%q) = %q, %v; want %q, %v", in, got, ok, want, wantOK)
		}
	}
}

func FuzzCanonicalJSON(f *testing.F) {
	for _, s := range []string{`{"a":[1,"<"]}`, `"x"`, `[1, 2]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) == 0 {
			return
		}
		want, wantOK := slowCanonical(in)
		got, ok := canonicalJSON(in)
		if ok != wantOK || !bytes.Equal(got, want) {
			t.Errorf("canonicalJSON(%q) = %q, %v; want %q, %v", in, got, ok, want, wantOK)
		}
	})
}
