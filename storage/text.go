package storage

import (
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-playground/validator/v10"
)

// Validation tags every domain uses for text and times; NewValidator
// registers them. Every string field of an input struct carries one of the
// text tags (or a stricter format tag: an enum, e-mail, INN…) and a max
// length in characters (validator's max=N counts runes, as VARCHAR(N) does
// on PostgreSQL and MySQL).
const (
	// TagText marks a single-line field (a name, a code, a key): valid
	// UTF-8 without control characters (NUL, tab, newline, DEL, C1…) and
	// without the line and paragraph separators U+2028/U+2029.
	// Normalize trims its surrounding white space.
	TagText = "text"
	// TagMultiline marks a multi-line field (an e-mail signature, a
	// description): valid UTF-8 whose only control characters are newline
	// (LF) and tab. Normalize turns CRLF and lone CR line ends into LF and
	// keeps everything else as given.
	TagMultiline = "multiline"
	// TagInstant marks a time.Time field that must be set and within
	// [MinTime, MaxTime) (see ValidTime).
	TagInstant = "instant"
)

// The range of instants the SDK accepts as input (ValidTime): the Unix
// epoch to the start of 2200, UTC. Every supported database stores it
// exactly (MySQL's DATETIME ends in 9999, PostgreSQL starts in 4713 BC),
// so a zero time.Time or an absurd year is refused as a field error instead
// of failing, or differing, in a backend.
var (
	minTime = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

// MinTime is the earliest instant accepted as input: 1970-01-01T00:00:00Z.
func MinTime() time.Time { return minTime }

// MaxTime is the first instant no longer accepted as input:
// 2200-01-01T00:00:00Z.
func MaxTime() time.Time { return maxTime }

// ValidTime reports whether t is a usable input instant: not the zero time
// and within [MinTime, MaxTime).
func ValidTime(t time.Time) bool { return !t.Before(minTime) && t.Before(maxTime) }

// ValidText reports whether s is acceptable single-line text: valid UTF-8
// with no control character (Unicode category Cc: NUL, tab, newline, DEL,
// the C1 block) and no U+2028/U+2029. Format characters (Cf: U+200B, the
// bidirectional marks, ZWJ in emoji sequences) are allowed: right-to-left
// text and emoji need them.
func ValidText(s string) bool { return validText(s, false) }

// ValidMultiline reports whether s is acceptable multi-line text: as
// ValidText, but newline (LF) and tab are allowed, as are U+2028/U+2029.
func ValidMultiline(s string) bool { return validText(s, true) }

func validText(s string, multiline bool) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf { // ASCII fast path
			if c < 0x20 || c == 0x7f {
				if !multiline || (c != '\n' && c != '\t') {
					return false
				}
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			return false
		}
		if unicode.IsControl(r) || (!multiline && (r == '\u2028' || r == '\u2029')) {
			return false
		}
		i += n
	}
	return true
}

// NormalizeText is the normalisation of a single-line field: surrounding
// white space (Unicode White_Space, so also no-break and ideographic
// spaces) is trimmed; nothing else changes. Invalid UTF-8 is left for the
// validator to reject.
func NormalizeText(s string) string { return strings.TrimSpace(s) }

// NormalizeMultiline is the normalisation of a multi-line field: CRLF and
// lone CR line ends become LF (what browsers send in a text area becomes
// what the SDK stores); nothing else changes, white space included.
func NormalizeMultiline(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// CheckText validates s, a single-line argument that is not part of a
// tagged struct (a name passed on its own), as the tags
// "[required,]text,max=max" would, adding its field errors to e. Normalise
// it first with NormalizeText.
func (e *ValidationError) CheckText(field, s string, max int, required bool) *ValidationError {
	switch {
	case s == "" && required:
		e.Add(field, "required", "is required")
	case !ValidText(s):
		e.Add(field, TagText, textMessage)
	case utf8.RuneCountInString(s) > max:
		e.Fields = append(e.Fields, FieldError{Field: field, Rule: "max", Param: strconv.Itoa(max), Message: "must be at most " + strconv.Itoa(max)})
	}
	return e
}

// CheckTime validates t, an instant argument, as the tag "instant" would,
// adding a field error to e.
func (e *ValidationError) CheckTime(field string, t time.Time) *ValidationError {
	if !ValidTime(t) {
		e.Add(field, TagInstant, instantMessage)
	}
	return e
}

const (
	textMessage      = "must be valid UTF-8 text on one line, without control characters"
	multilineMessage = "must be valid UTF-8 text without control characters other than newline and tab"
	instantMessage   = "must be a time between 1970-01-01 and 2200-01-01 (UTC)"
)

var timeType = reflect.TypeFor[time.Time]()

// registerText registers TagText, TagMultiline and TagInstant on v.
func registerText(v *Validator) {
	rules := []Rule{
		{Tag: TagText, Func: func(fl validator.FieldLevel) bool {
			f := fl.Field()
			return f.Kind() == reflect.String && ValidText(f.String())
		}, Messages: map[string]string{
			LocaleEnglish: textMessage,
			LocaleRussian: "должно быть одной строкой текста UTF-8 без управляющих символов",
		}},
		{Tag: TagMultiline, Func: func(fl validator.FieldLevel) bool {
			f := fl.Field()
			return f.Kind() == reflect.String && ValidMultiline(f.String())
		}, Messages: map[string]string{
			LocaleEnglish: multilineMessage,
			LocaleRussian: "должно быть текстом UTF-8 без управляющих символов, кроме перевода строки и табуляции",
		}},
		{Tag: TagInstant, Func: func(fl validator.FieldLevel) bool {
			f := fl.Field()
			return f.Type() == timeType && ValidTime(f.Interface().(time.Time))
		}, CallEvenIfNull: true, // the zero time is a failure, not a skip
			Messages: map[string]string{
				LocaleEnglish: instantMessage,
				LocaleRussian: "должно быть моментом времени между 1970-01-01 и 2200-01-01 (UTC)",
			}},
	}
	for _, r := range rules {
		if err := v.RegisterRule(r); err != nil {
			panic("storage: registering text tags: " + err.Error()) // static tags: cannot fail
		}
	}
}

// Normalize applies the SDK's text normalisation to the input struct *in,
// field by field, as its validate tags say: fields tagged TagText get
// NormalizeText, fields tagged TagMultiline NormalizeMultiline (through
// "dive" for slice elements), nested structs and pointers to structs are
// walked. Slices and pointed-to structs are copied before they change, so
// the caller's own values are never modified. in must be a pointer to a
// struct; anything else is left alone. Services call it first thing, before
// validating, so every backend stores the same, already normalised bytes.
func Normalize(in any) {
	rv := reflect.ValueOf(in)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return
	}
	normalizeStruct(rv.Elem(), 0)
}

// textMode is what a tag asks of a string.
type textMode uint8

const (
	modeNone textMode = iota
	modeText
	modeMultiline
)

// tagModes returns the text mode of a value and of its elements ("dive").
func tagModes(tag string) (self, elem textMode) {
	mode := &self
	for tok := range strings.SplitSeq(tag, ",") {
		switch tok {
		case "dive":
			mode = &elem
		case TagText:
			*mode = modeText
		case TagMultiline:
			*mode = modeMultiline
		}
	}
	return self, elem
}

const maxNormalizeDepth = 8

func normalizeStruct(sv reflect.Value, depth int) {
	if depth > maxNormalizeDepth || sv.Type() == timeType {
		return
	}
	st := sv.Type()
	for i := range st.NumField() {
		f := st.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("validate")
		if tag == "-" {
			continue
		}
		self, elem := tagModes(tag)
		normalizeValue(sv.Field(i), self, elem, depth+1)
	}
}

// normalizeValue normalises v (settable) with mode, and its elements with
// elem; it reports whether anything changed.
func normalizeValue(v reflect.Value, mode, elem textMode, depth int) bool {
	if !v.CanSet() {
		return false
	}
	switch v.Kind() {
	case reflect.String:
		s := v.String()
		var n string
		switch mode {
		case modeText:
			n = NormalizeText(s)
		case modeMultiline:
			n = NormalizeMultiline(s)
		default:
			return false
		}
		if n == s {
			return false
		}
		v.SetString(n)
		return true
	case reflect.Struct:
		normalizeStruct(v, depth)
		return true
	case reflect.Pointer:
		if v.IsNil() || v.Elem().Kind() != reflect.Struct || v.Elem().Type() == timeType {
			return false
		}
		cp := reflect.New(v.Elem().Type())
		cp.Elem().Set(v.Elem())
		normalizeStruct(cp.Elem(), depth)
		v.Set(cp)
		return true
	case reflect.Slice:
		if v.Len() == 0 {
			return false
		}
		et := v.Type().Elem()
		if (et.Kind() == reflect.String && elem == modeNone) || (et.Kind() != reflect.String && et.Kind() != reflect.Struct && et.Kind() != reflect.Pointer) {
			return false
		}
		cp := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		reflect.Copy(cp, v)
		changed := false
		for i := range cp.Len() {
			if normalizeValue(cp.Index(i), elem, modeNone, depth+1) {
				changed = true
			}
		}
		if changed {
			v.Set(cp)
		}
		return changed
	}
	return false
}
