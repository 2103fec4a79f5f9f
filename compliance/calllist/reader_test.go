package calllist_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/charmap"

	"github.com/switchboardkit/switchboard/compliance/calllist"
	"github.com/switchboardkit/switchboard/storage"
)

// readAll returns the records and the row errors of a list.
func readAll(t *testing.T, src string, opts calllist.Options) ([]calllist.Record, []*calllist.RowError) {
	t.Helper()
	rd, err := calllist.NewReader(strings.NewReader(src), opts)
	require.NoError(t, err)
	var recs []calllist.Record
	var bad []*calllist.RowError
	for rec, err := range rd.All() {
		var re *calllist.RowError
		if errors.As(err, &re) {
			require.ErrorIs(t, err, storage.ErrInvalid)
			bad = append(bad, re)
			continue
		}
		require.NoError(t, err)
		recs = append(recs, rec)
	}
	return recs, bad
}

func TestCSVColumnsAndAttributes(t *testing.T) {
	src := "Phone,Key,Zone,Caps,Name\n" +
		"+79161234567,debt-1,Europe/Moscow,1,Иванов\n" +
		"8 (423) 222-33-44,debt-2,Asia/Vladivostok|Asia/Yakutsk,0,\"Петров, Пётр\"\n"
	recs, bad := readAll(t, src, calllist.Options{})
	require.Empty(t, bad)
	require.Len(t, recs, 2)
	require.Equal(t, calllist.Record{Line: 2, Phone: "+79161234567", Key: "debt-1", Zones: []string{"Europe/Moscow"}, Caps: true,
		Attrs: map[string]string{"Name": "Иванов"}}, recs[0])
	require.Equal(t, "+74232223344", recs[1].Phone)
	require.Equal(t, []string{"Asia/Vladivostok", "Asia/Yakutsk"}, recs[1].Zones)
	require.False(t, recs[1].Caps)
	require.Equal(t, "Петров, Пётр", recs[1].Attrs["Name"])

	c := recs[1].Call("co-1")
	require.Equal(t, "co-1", c.CompanyID)
	require.True(t, c.SkipCaps)
	require.Equal(t, recs[1].Zones, c.Zones)
}

func TestEncodingsAndDelimiters(t *testing.T) {
	utf := "телефон;ключ;лимиты;ФИО\n+79161234567;д-1;да;Сидорова Анна\n"
	cp, err := charmap.Windows1251.NewEncoder().String(utf)
	require.NoError(t, err)
	for name, src := range map[string]string{
		"utf8":        utf,
		"utf8-bom":    "\xef\xbb\xbf" + utf,
		"windows1251": cp,
	} {
		t.Run(name, func(t *testing.T) {
			recs, bad := readAll(t, src, calllist.Options{})
			require.Empty(t, bad)
			require.Len(t, recs, 1)
			require.Equal(t, "д-1", recs[0].Key)
			require.True(t, recs[0].Caps)
			require.Equal(t, "Сидорова Анна", recs[0].Attrs["ФИО"])
		})
	}
	t.Run("declared", func(t *testing.T) {
		recs, _ := readAll(t, cp, calllist.Options{Encoding: calllist.EncodingWindows1251, Comma: ';'})
		require.Equal(t, "Сидорова Анна", recs[0].Attrs["ФИО"])
	})
	t.Run("bad comma", func(t *testing.T) {
		_, err := calllist.NewReader(strings.NewReader(utf), calllist.Options{Comma: '\t'})
		require.ErrorIs(t, err, storage.ErrInvalid)
	})
}

func TestBadRowsAreReportedAndSkipped(t *testing.T) {
	src := "phone,caps\n" +
		"+79161234567,1\n" +
		",1\n" + // line 3: no phone
		"not-a-number,1\n" + // line 4
		"+79161234568,maybe\n" + // line 5: unknown caps value
		"\n" + // blank lines are skipped
		"+79161234569,1,extra\n" + // line 7: too many cells
		"+79161234570,\n" // line 8: unmarked → default
	recs, bad := readAll(t, src, calllist.Options{})
	require.Len(t, recs, 2)
	require.Equal(t, 2, recs[0].Line)
	require.Equal(t, 8, recs[1].Line)
	got := make([]string, len(bad))
	for i, e := range bad {
		got[i] = fmt.Sprintf("%d:%s", e.Line, e.Field)
	}
	require.Equal(t, []string{"3:phone", "4:phone", "5:caps", "7:"}, got)

	rd, err := calllist.NewReader(strings.NewReader(src), calllist.Options{StopOnError: true})
	require.NoError(t, err)
	n := 0
	for _, err := range rd.All() {
		if err != nil {
			var re *calllist.RowError
			require.ErrorAs(t, err, &re)
			require.Equal(t, 3, re.Line)
			break
		}
		n++
	}
	require.Equal(t, 1, n)
	_, err = rd.Next()
	require.Error(t, err, "after StopOnError the stream stays ended")
}

func TestCapsParameter(t *testing.T) {
	src := "phone,fz\n+79161234567,\n+79161234568,ON\n+79161234569,нет\n"
	cols := calllist.Columns{Caps: []string{"FZ"}}
	recs, bad := readAll(t, src, calllist.Options{Columns: cols})
	require.Empty(t, bad)
	require.Equal(t, []bool{true, true, false}, []bool{recs[0].Caps, recs[1].Caps, recs[2].Caps}, "unmarked keeps the caps by default")

	recs, _ = readAll(t, src, calllist.Options{Columns: cols, Unmarked: calllist.CapsOff})
	require.Equal(t, []bool{false, true, false}, []bool{recs[0].Caps, recs[1].Caps, recs[2].Caps})

	recs, bad = readAll(t, "phone,fz\n+79161234567,Y\n+79161234568,ON\n", calllist.Options{Columns: cols, CapsOn: []string{"y"}, CapsOff: []string{"n"}})
	require.Len(t, recs, 1)
	require.Len(t, bad, 1, "ON is not one of the configured values")

	recs, _ = readAll(t, "phone\n+79161234567\n", calllist.Options{Unmarked: calllist.CapsOff})
	require.False(t, recs[0].Caps, "no caps column at all: the unmarked default")
}

func TestNoPhoneColumn(t *testing.T) {
	_, err := calllist.NewReader(strings.NewReader("name,key\na,b\n"), calllist.Options{})
	var ve *storage.ValidationError
	require.ErrorAs(t, err, &ve)
	_, ok := ve.Field("header")
	require.True(t, ok)
	_, err = calllist.NewReader(strings.NewReader(""), calllist.Options{})
	require.ErrorIs(t, err, storage.ErrInvalid)
}

func TestJSONLines(t *testing.T) {
	src := `{"phone":"+79161234567","key":"k1","zones":["Europe/Moscow","Europe/Samara"],"caps":true,"amount":1200.5}` + "\n" +
		"\n" +
		`{"phone":"89161234568","zone":"Europe/Moscow","caps":"нет","note":null}` + "\n" +
		`{"phone":123` + "\n" +
		`{"key":"no phone"}` + "\n" +
		`{"phone":"+79161234569","zones":{"a":1}}`
	recs, bad := readAll(t, src, calllist.Options{})
	require.Len(t, recs, 2)
	require.Equal(t, []string{"Europe/Moscow", "Europe/Samara"}, recs[0].Zones)
	require.True(t, recs[0].Caps)
	require.Equal(t, "1200.5", recs[0].Attrs["amount"])
	require.Equal(t, 3, recs[1].Line)
	require.False(t, recs[1].Caps)
	require.Equal(t, "+79161234568", recs[1].Phone)
	lines := []int{}
	for _, e := range bad {
		lines = append(lines, e.Line)
	}
	require.Equal(t, []int{4, 5, 6}, lines)
}

// listSource generates a CSV call list of n rows without holding it.
type listSource struct {
	n, i int
	buf  bytes.Buffer
}

func (s *listSource) Read(p []byte) (int, error) {
	for s.buf.Len() < len(p) && s.i <= s.n {
		if s.i == 0 {
			s.buf.WriteString("phone;key;zone;caps;name\n")
		} else {
			fmt.Fprintf(&s.buf, "+7916%07d;debt-%d;Europe/Moscow;%d;Абонент %d\n", s.i, s.i, s.i%2, s.i)
		}
		s.i++
	}
	if s.buf.Len() == 0 {
		return 0, io.EOF
	}
	return s.buf.Read(p)
}

// TestMillionRowsBoundedMemory reads 1 000 000 rows and checks the live heap
// stays small: nothing of a row outlives it unless the caller keeps it.
func TestMillionRowsBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("reads a million rows")
	}
	rd, err := calllist.NewReader(&listSource{n: 1_000_000}, calllist.Options{})
	require.NoError(t, err)
	var ms runtime.MemStats
	n, maxHeap := 0, uint64(0)
	for _, err := range rd.All() {
		require.NoError(t, err)
		n++
		if n%200_000 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			maxHeap = max(maxHeap, ms.HeapAlloc)
		}
	}
	require.Equal(t, 1_000_000, n)
	require.Less(t, maxHeap, uint64(16<<20), "live heap while streaming")
}

// BenchmarkReader reports rows/s and the bytes allocated per row.
func BenchmarkReader(b *testing.B) {
	const rows = 10_000
	for _, enc := range []string{"utf8", "windows1251"} {
		b.Run(enc, func(b *testing.B) {
			var src bytes.Buffer
			_, _ = io.Copy(&src, &listSource{n: rows})
			data := src.Bytes()
			if enc == "windows1251" {
				var err error
				data, err = charmap.Windows1251.NewEncoder().Bytes(data)
				require.NoError(b, err)
			}
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				rd, err := calllist.NewReader(bytes.NewReader(data), calllist.Options{})
				if err != nil {
					b.Fatal(err)
				}
				for _, err := range rd.All() {
					if err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
