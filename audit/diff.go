package audit

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
)

// Redacted is the value recorded in place of a secret.
var Redacted = json.RawMessage(`"[redacted]"`)

// Diff compares two values of the same struct type (or pointers to it) field
// by field and returns a Change for every exported field whose JSON encoding
// differs. A nil before (or after) records a creation (or deletion): every
// non-zero field of the other side appears.
//
// Field names are the JSON names. Struct tags steer it:
//
//	`audit:"-"`      never recorded
//	`audit:"secret"` recorded as changed, with both values replaced by "[redacted]"
//
// Nested structs are compared as a whole under their own field name.
func Diff(before, after any) []Change {
	bv, av := deref(reflect.ValueOf(before)), deref(reflect.ValueOf(after))
	var t reflect.Type
	switch {
	case bv.IsValid():
		t = bv.Type()
	case av.IsValid():
		t = av.Type()
	default:
		return nil
	}
	if t.Kind() != reflect.Struct {
		panic("audit.Diff: not a struct: " + t.String())
	}
	var out []Change
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("audit")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		var b, a json.RawMessage
		if bv.IsValid() && !bv.Field(i).IsZero() {
			b = mustJSON(bv.Field(i).Interface())
		}
		if av.IsValid() && !av.Field(i).IsZero() {
			a = mustJSON(av.Field(i).Interface())
		}
		if bytes.Equal(a, b) {
			continue
		}
		c := Change{Field: name, Before: b, After: a}
		if tag == "secret" { // say that it changed (and whether it was set), never what it is
			c.Redacted = true
			if b != nil {
				c.Before = Redacted
			}
			if a != nil {
				c.After = Redacted
			}
		}
		out = append(out, c)
	}
	return out
}

// Set records one field's change from before to after (either may be nil).
func Set(field string, before, after any) Change {
	c := Change{Field: field}
	if before != nil {
		c.Before = mustJSON(before)
	}
	if after != nil {
		c.After = mustJSON(after)
	}
	return c
}

// Secret records that a secret field changed without recording its value.
func Secret(field string) Change {
	return Change{Field: field, Before: Redacted, After: Redacted, Redacted: true}
}

func deref(v reflect.Value) reflect.Value {
	for v.IsValid() && (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) {
		if v.IsNil() {
			return reflect.Value{}
		}
		v = v.Elem()
	}
	return v
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic("audit: value not JSON-encodable: " + err.Error())
	}
	return b
}
