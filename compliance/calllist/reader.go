package calllist

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"

	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/compliance/zone"
	"github.com/switchboardkit/switchboard/storage"
)

// Format is the layout of a call list.
type Format uint8

// Formats.
const (
	FormatAuto  Format = iota // JSON Lines when the first non-blank byte is '{', else CSV
	FormatCSV                 // a header line, then one record per line
	FormatJSONL               // one JSON object per line
)

// Encoding is the character encoding of a call list.
type Encoding uint8

// Encodings.
const (
	EncodingAuto        Encoding = iota // UTF-8 when the first 64 KiB are valid UTF-8, else Windows-1251
	EncodingUTF8                        // UTF-8, a byte-order mark skipped
	EncodingWindows1251                 // Windows-1251 (CP1251)
)

// CapsDefault is what a record gets when its caps cell is missing or empty.
type CapsDefault uint8

// Caps defaults.
const (
	CapsOn  CapsDefault = iota // the policy's caps apply (the safe default)
	CapsOff                    // the caps are switched off for the record
)

// Columns names the header (or JSON key) each field is read from. Each
// list holds the accepted names, compared case-insensitively after trimming.
// A nil list takes the default; an empty, non-nil list switches the field off.
type Columns struct {
	Phone []string // required; default phone, number, msisdn, телефон, номер
	Key   []string // the debt or case; default key, debt, case, ключ
	Zones []string // candidate IANA zones; default zone, zones, timezone, tz, часовой пояс
	Caps  []string // the caps parameter; default caps, limits, fz230, лимиты
}

// Options configures a Reader. The zero value reads either format in either
// encoding with the default columns, keeping the caps on for unmarked records.
type Options struct {
	Format   Format
	Encoding Encoding
	// Comma is the CSV delimiter, ',' or ';'; 0 detects it from the header
	// (the one of the two that occurs more often outside quotes).
	Comma   rune
	Columns Columns
	// CapsOn and CapsOff are the caps cell values that switch the caps on
	// and off (case-insensitive). Defaults: 1 true yes y on да д вкл +, and
	// 0 false no n off нет н выкл -.
	CapsOn, CapsOff []string
	// Unmarked is what a record without a caps value gets (default CapsOn).
	Unmarked CapsDefault
	// StopOnError makes the first bad row end the stream.
	StopOnError bool
}

// Record is one call-list row.
type Record struct {
	Line  int      // 1-based line of the row in the file (its first line when a quoted cell spans several)
	Phone string   // the number as E.164
	Key   string   // the debt or case, "" when the list has none
	Zones []string // candidate IANA zones given by the list, nil when none
	Caps  bool     // whether the policy's caps apply
	// Attrs holds every other column by its header name (JSON values other
	// than strings in their JSON text).
	Attrs map[string]string
}

// RowError is a rejected row. It wraps storage.ErrInvalid.
type RowError struct {
	Line  int
	Field string // the column's role: "phone", "key", "zones", "caps", or "" for the row itself
	Value string
	Msg   string
}

func (e *RowError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("call list line %d: %s", e.Line, e.Msg)
	}
	return fmt.Sprintf("call list line %d: %s %q: %s", e.Line, e.Field, e.Value, e.Msg)
}

// Is makes errors.Is(err, storage.ErrInvalid) hold.
func (e *RowError) Is(target error) bool { return target == storage.ErrInvalid }

var (
	defPhone   = []string{"phone", "number", "msisdn", "телефон", "номер"}
	defKey     = []string{"key", "debt", "case", "ключ"}
	defZones   = []string{"zone", "zones", "timezone", "tz", "часовой пояс"}
	defCaps    = []string{"caps", "limits", "fz230", "лимиты"}
	defCapsOn  = []string{"1", "true", "yes", "y", "on", "да", "д", "вкл", "+"}
	defCapsOff = []string{"0", "false", "no", "n", "off", "нет", "н", "выкл", "-"}
)

// MaxCell bounds one cell (and a JSON line): longer is a row error.
const MaxCell = 64 << 10

type role uint8

const (
	roleAttr role = iota
	rolePhone
	roleKey
	roleZones
	roleCaps
)

// Reader streams a call list. It is not safe for concurrent use.
type Reader struct {
	opts   Options
	format Format
	csv    *csv.Reader
	lines  *bufio.Reader
	line   int // lines read so far (JSON Lines)
	header []string
	roles  []role
	hasPh  bool
	capsOn map[string]bool // value → on
	err    error           // sticky: the stream has ended
}

// NewReader returns a Reader over r. It reads the start of r to detect the
// encoding and format and, for CSV, the header; an error says what is wrong
// with it (no phone column, an unreadable header). The caller closes r.
func NewReader(r io.Reader, opts Options) (*Reader, error) {
	const op = "calllist.NewReader"
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(64 << 10)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, storage.Unavailable(op, err).Explain("cannot read the call list")
	}
	head, bom := bytes.CutPrefix(head, []byte("\xef\xbb\xbf"))
	if bom {
		_, _ = br.Discard(3)
	}
	enc := opts.Encoding
	if enc == EncodingAuto {
		enc = EncodingUTF8
		if !bom && !validPrefix(head) {
			enc = EncodingWindows1251
		}
	}
	var src io.Reader = br
	if enc == EncodingWindows1251 {
		src = transform.NewReader(br, charmap.Windows1251.NewDecoder())
	}
	rd := &Reader{opts: opts, format: opts.Format, capsOn: map[string]bool{}}
	on, off := orDefault(opts.CapsOn, defCapsOn), orDefault(opts.CapsOff, defCapsOff)
	for _, v := range off {
		rd.capsOn[fold(v)] = false
	}
	for _, v := range on {
		rd.capsOn[fold(v)] = true
	}
	if rd.format == FormatAuto {
		rd.format = FormatCSV
		if t := bytes.TrimLeft(head, " \t\r\n"); len(t) > 0 && t[0] == '{' {
			rd.format = FormatJSONL
		}
	}
	if rd.format == FormatJSONL {
		rd.lines = bufio.NewReaderSize(src, 64<<10)
		return rd, nil
	}
	comma := opts.Comma
	if comma == 0 {
		comma = detectComma(head)
	}
	if comma != ',' && comma != ';' {
		return nil, storage.Invalid(op, "comma", "oneof", "the delimiter must be ',' or ';'")
	}
	rd.csv = csv.NewReader(src)
	rd.csv.Comma = comma
	rd.csv.FieldsPerRecord = -1
	rd.csv.ReuseRecord = true
	rd.csv.LazyQuotes = true
	hdr, err := rd.csv.Read()
	if errors.Is(err, io.EOF) {
		return nil, storage.Invalid(op, "header", "required", "the call list is empty: a header line is required")
	}
	if err != nil {
		return nil, storage.Invalid(op, "header", "csv", err.Error())
	}
	rd.header = make([]string, len(hdr))
	for i, h := range hdr {
		rd.header[i] = strings.TrimSpace(h)
	}
	rd.roles = make([]role, len(hdr))
	for i, h := range rd.header {
		rd.roles[i] = rd.roleOf(h)
		rd.hasPh = rd.hasPh || rd.roles[i] == rolePhone
	}
	if !rd.hasPh {
		return nil, storage.Invalid(op, "header", "phone", "no phone column (accepted names: "+strings.Join(orDefault(opts.Columns.Phone, defPhone), ", ")+")")
	}
	return rd, nil
}

// validPrefix reports whether b is valid UTF-8, allowing a rune cut off at
// its end.
func validPrefix(b []byte) bool {
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			return len(b) < utf8.UTFMax && !utf8.FullRune(b)
		}
		b = b[size:]
	}
	return true
}

// detectComma counts ',' and ';' outside quotes on the first line.
func detectComma(head []byte) rune {
	commas, semis, quoted := 0, 0, false
	for _, c := range head {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '\n':
			if semis > commas {
				return ';'
			}
			return ','
		case c == ',':
			commas++
		case c == ';':
			semis++
		}
	}
	if semis > commas {
		return ';'
	}
	return ','
}

func orDefault(v, def []string) []string {
	if v == nil {
		return def
	}
	return v
}

func fold(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func (rd *Reader) roleOf(name string) role {
	n := fold(name)
	c := rd.opts.Columns
	for _, x := range []struct {
		names []string
		def   []string
		r     role
	}{{c.Phone, defPhone, rolePhone}, {c.Key, defKey, roleKey}, {c.Zones, defZones, roleZones}, {c.Caps, defCaps, roleCaps}} {
		for _, want := range orDefault(x.names, x.def) {
			if n == fold(want) {
				return x.r
			}
		}
	}
	return roleAttr
}

// Next returns the next record. At the end it returns io.EOF. A bad row is
// a *RowError; call Next again for the rows after it (unless StopOnError,
// after which, like after any other error, Next keeps returning it).
func (rd *Reader) Next() (Record, error) {
	if rd.err != nil {
		return Record{}, rd.err
	}
	var rec Record
	var err error
	if rd.format == FormatJSONL {
		rec, err = rd.nextJSON()
	} else {
		rec, err = rd.nextCSV()
	}
	var re *RowError
	if err != nil && (!errors.As(err, &re) || rd.opts.StopOnError) {
		rd.err = err
	}
	return rec, err
}

// All ranges over the records and row errors; it stops after io.EOF (not
// yielded) or a stream error (yielded last).
func (rd *Reader) All() iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		for {
			rec, err := rd.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if !yield(rec, err) || (err != nil && rd.err != nil) {
				return
			}
		}
	}
}

func (rd *Reader) nextCSV() (Record, error) {
	for {
		cells, err := rd.csv.Read()
		if errors.Is(err, io.EOF) {
			return Record{}, io.EOF
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return Record{}, &RowError{Line: pe.StartLine, Msg: pe.Err.Error()}
		}
		if err != nil {
			return Record{}, storage.Unavailable("calllist.Next", err).Explain("cannot read the call list")
		}
		if len(cells) == 1 && strings.TrimSpace(cells[0]) == "" {
			continue // a blank line
		}
		line, _ := rd.csv.FieldPos(0)
		rec := Record{Line: line}
		var phone, caps string
		var hasCaps bool
		for i, cell := range cells {
			if len(cell) > MaxCell {
				return Record{}, &RowError{Line: line, Field: rd.colName(i), Value: cell[:32] + "…", Msg: "cell too long"}
			}
			if i >= len(rd.roles) {
				return Record{}, &RowError{Line: line, Msg: fmt.Sprintf("%d cells, the header has %d", len(cells), len(rd.roles))}
			}
			switch rd.roles[i] {
			case rolePhone:
				phone = cell
			case roleKey:
				rec.Key = strings.TrimSpace(cell)
			case roleZones:
				rec.Zones = splitZones(cell)
			case roleCaps:
				caps, hasCaps = cell, true
			default:
				if rec.Attrs == nil {
					rec.Attrs = make(map[string]string, len(cells))
				}
				rec.Attrs[rd.header[i]] = cell
			}
		}
		return rd.finish(rec, phone, caps, hasCaps)
	}
}

func (rd *Reader) colName(i int) string {
	if i < len(rd.header) {
		return rd.header[i]
	}
	return strconv.Itoa(i + 1)
}

func splitZones(cell string) []string {
	cell = strings.TrimSpace(cell)
	if cell == "" {
		return nil
	}
	parts := strings.FieldsFunc(cell, func(r rune) bool { return r == '|' || r == ',' || r == ' ' })
	return parts
}

// finish validates and completes a row.
func (rd *Reader) finish(rec Record, phone, caps string, hasCaps bool) (Record, error) {
	if strings.TrimSpace(phone) == "" {
		return Record{}, &RowError{Line: rec.Line, Field: "phone", Msg: "is required"}
	}
	e164, err := zone.Normalize(phone)
	if err != nil {
		msg := err.Error()
		var bn *zone.BadNumberError
		if errors.As(err, &bn) {
			msg = bn.Reason
		}
		return Record{}, &RowError{Line: rec.Line, Field: "phone", Value: phone, Msg: msg}
	}
	rec.Phone = e164
	rec.Caps = rd.opts.Unmarked == CapsOn
	if hasCaps && strings.TrimSpace(caps) != "" {
		on, ok := rd.capsOn[fold(caps)]
		if !ok {
			return Record{}, &RowError{Line: rec.Line, Field: "caps", Value: caps, Msg: "is neither an on nor an off value"}
		}
		rec.Caps = on
	}
	return rec, nil
}

func (rd *Reader) nextJSON() (Record, error) {
	for {
		raw, err := rd.lines.ReadSlice('\n')
		if len(raw) == 0 && errors.Is(err, io.EOF) {
			return Record{}, io.EOF
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			rd.line++
			line := rd.line
			for errors.Is(err, bufio.ErrBufferFull) { // skip the rest of an over-long line
				_, err = rd.lines.ReadSlice('\n')
			}
			if err != nil && !errors.Is(err, io.EOF) {
				return Record{}, storage.Unavailable("calllist.Next", err).Explain("cannot read the call list")
			}
			return Record{}, &RowError{Line: line, Msg: "line too long"}
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return Record{}, storage.Unavailable("calllist.Next", err).Explain("cannot read the call list")
		}
		rd.line++
		line := rd.line
		if len(bytes.TrimSpace(raw)) == 0 {
			continue
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			return Record{}, &RowError{Line: line, Msg: "not a JSON object: " + err.Error()}
		}
		rec := Record{Line: line}
		var phone, caps string
		var hasCaps bool
		for k, v := range obj {
			switch rd.roleOf(k) {
			case rolePhone:
				if phone, err = jsonText(v); err != nil {
					return Record{}, &RowError{Line: line, Field: "phone", Value: string(v), Msg: err.Error()}
				}
			case roleKey:
				s, err := jsonText(v)
				if err != nil {
					return Record{}, &RowError{Line: line, Field: "key", Value: string(v), Msg: err.Error()}
				}
				rec.Key = strings.TrimSpace(s)
			case roleZones:
				var list []string
				if json.Unmarshal(v, &list) == nil {
					rec.Zones = list
				} else if s, err := jsonText(v); err == nil {
					rec.Zones = splitZones(s)
				} else {
					return Record{}, &RowError{Line: line, Field: "zones", Value: string(v), Msg: "must be a string or an array of strings"}
				}
			case roleCaps:
				hasCaps = true
				if s, err := jsonText(v); err == nil {
					caps = s
				} else {
					return Record{}, &RowError{Line: line, Field: "caps", Value: string(v), Msg: err.Error()}
				}
			default:
				if rec.Attrs == nil {
					rec.Attrs = make(map[string]string, len(obj))
				}
				s, err := jsonText(v)
				if err != nil {
					s = string(v)
				}
				rec.Attrs[k] = s
			}
		}
		return rd.finish(rec, phone, caps, hasCaps)
	}
}

// jsonText turns a JSON string, number or boolean into text; null is "".
func jsonText(v json.RawMessage) (string, error) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || string(v) == "null" {
		return "", nil
	}
	switch v[0] {
	case '"':
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", err
		}
		return s, nil
	case '{', '[':
		return "", errors.New("must be a string, a number or a boolean")
	}
	return string(v), nil
}

// Call returns the compliance call for the record in companyID: its number,
// key and candidate zones, with the caps switched off when the record says so.
func (r Record) Call(companyID string) compliance.Call {
	return compliance.Call{CompanyID: companyID, Phone: r.Phone, Key: r.Key, Zones: r.Zones, SkipCaps: !r.Caps}
}
