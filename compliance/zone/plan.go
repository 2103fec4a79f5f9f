package zone

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// NumberingPlan is the Russian numbering plan as published by the ministry
// (Минцифры / Россвязь "Выписка из реестра Российской системы и плана
// нумерации"): ranges of ten-digit national numbers and the region each is
// assigned to. Build it with LoadNumberingPlan; it is immutable and safe for
// concurrent use.
type NumberingPlan struct {
	ranges  []planRange // sorted by lo, non-overlapping
	regions []string
}

type planRange struct {
	lo, hi int64 // national numbers, inclusive
	region int32 // index into regions
}

// Len returns the number of ranges.
func (p *NumberingPlan) Len() int { return len(p.ranges) }

// Lookup returns the region of a ten-digit national number ("9161234567").
func (p *NumberingPlan) Lookup(national string) (string, bool) {
	if p == nil || len(national) != 10 {
		return "", false
	}
	n, err := strconv.ParseInt(national, 10, 64)
	if err != nil {
		return "", false
	}
	i := sort.Search(len(p.ranges), func(i int) bool { return p.ranges[i].hi >= n })
	if i < len(p.ranges) && p.ranges[i].lo <= n {
		return p.regions[p.ranges[i].region], true
	}
	return "", false
}

// ErrBadPlan is returned (wrapped) for a numbering-plan file that cannot be read.
var ErrBadPlan = errors.New("malformed numbering plan")

// LoadNumberingPlan reads one or more of the ministry's CSV files (the DEF
// file for mobiles, the ABC files for landlines), concatenated or one after
// another. The format: semicolon-separated, a header row
//
//	АВС/ DEF;От;До;Емкость;Оператор;Регион
//
// (newer files add columns such as "Территория ГАР;ИНН" — extra columns are
// ignored, and columns are found by header name, not position), then one row
// per range: the three-digit code, the first and last seven-digit
// subscriber numbers, the capacity, the operator and the region. Files are
// UTF-8 (with or without BOM) or, in older copies, Windows-1251; the
// encoding is detected. A row that does not parse is an error naming its
// line; overlapping ranges are an error.
func LoadNumberingPlan(readers ...io.Reader) (*NumberingPlan, error) {
	p := &NumberingPlan{}
	index := map[string]int32{}
	for _, r := range readers {
		if err := p.load(r, index); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(p.ranges, func(a, b planRange) int { return int(min(max(a.lo-b.lo, -1), 1)) })
	for i := 1; i < len(p.ranges); i++ {
		if p.ranges[i].lo <= p.ranges[i-1].hi {
			return nil, fmt.Errorf("%w: ranges %d–%d and %d–%d overlap", ErrBadPlan,
				p.ranges[i-1].lo, p.ranges[i-1].hi, p.ranges[i].lo, p.ranges[i].hi)
		}
	}
	return p, nil
}

func (p *NumberingPlan) load(r io.Reader, index map[string]int32) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("%w: read: %v", ErrBadPlan, err)
	}
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(raw) {
		if raw, err = charmap.Windows1251.NewDecoder().Bytes(raw); err != nil {
			return fmt.Errorf("%w: decode Windows-1251: %v", ErrBadPlan, err)
		}
	}
	cr := csv.NewReader(bytes.NewReader(raw))
	cr.Comma = ';'
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	header, err := cr.Read()
	if err != nil {
		return fmt.Errorf("%w: header: %v", ErrBadPlan, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[normHeader(h)] = i
	}
	need := []string{"def", "от", "до", "регион"}
	idx := make([]int, len(need))
	for i, n := range need {
		j, ok := col[n]
		if !ok {
			return fmt.Errorf("%w: header %q lacks column %q (want АВС/ DEF;От;До;Емкость;Оператор;Регион)", ErrBadPlan, strings.Join(header, ";"), n)
		}
		idx[i] = j
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return fmt.Errorf("%w: line %d: %v", ErrBadPlan, line, err)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) <= slices.Max(idx) {
			return fmt.Errorf("%w: line %d: %d columns, header has %d", ErrBadPlan, line, len(rec), len(header))
		}
		code, err1 := strconv.Atoi(strings.TrimSpace(rec[idx[0]]))
		from, err2 := strconv.ParseInt(strings.TrimSpace(rec[idx[1]]), 10, 64)
		to, err3 := strconv.ParseInt(strings.TrimSpace(rec[idx[2]]), 10, 64)
		if err := errors.Join(err1, err2, err3); err != nil || code < 300 || code > 999 ||
			from < 0 || to > 9_999_999 || from > to {
			return fmt.Errorf("%w: line %d: bad code or range %q;%q;%q", ErrBadPlan, line, rec[idx[0]], rec[idx[1]], rec[idx[2]])
		}
		region := strings.TrimSpace(rec[idx[3]])
		ri, ok := index[region]
		if !ok {
			ri = int32(len(p.regions))
			p.regions = append(p.regions, region)
			index[region] = ri
		}
		base := int64(code) * 10_000_000
		p.ranges = append(p.ranges, planRange{lo: base + from, hi: base + to, region: ri})
	}
}

// normHeader maps the header names of the known layouts to keys: "АВС/ DEF"
// (Cyrillic or Latin ABC, any spacing) → "def", others lower-cased.
func normHeader(h string) string {
	h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
	if strings.Contains(h, "def") {
		return "def"
	}
	return h
}
