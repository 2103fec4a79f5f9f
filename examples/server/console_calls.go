package main

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/compliance/calllist"
	"github.com/switchboardkit/switchboard/storage"
)

// ---- the call checker, and the history import
//
// The checker asks compliance Check about one number (and optionally a
// debt or case key, a time zone, caps off) now, and shows the decision:
// allowed or not, every reason, the earliest allowed instant (in UTC and
// in the subscriber's zone) and the policy. It is a read, so its form is a
// GET: the address can be kept and reloaded.
//
// The import reads an uploaded CSV (or JSON Lines) with the compliance
// calllist reader: the columns phone, key, at (RFC 3339) and outcome. A file
// with a bad row imports nothing and lists the rows to fix. A good file is
// imported in batches of importBatch calls, each one ImportHistory with the
// key "<form key>/<n>", so sending the same file again replays instead of
// counting it twice; the page then reports each batch. While the upload and
// the batches run, the form shows a progress bar (console.js); the console
// has no live per-batch progress, as it keeps no job running after the
// request. Uploads are bounded by the console's request size (1 MiB).

const (
	importBatch   = 1000
	importMaxRows = 50 // row errors listed at most
)

type checkView struct {
	Phone, Key, Zone string
	SkipCaps         bool
	Checked          bool
	Decision         compliance.Decision
	Reasons          []string // catalogue keys
	NextLocal        string   // NextAllowed in the subscriber's zone, when the decision has one zone
	Import           *importView
	ImportKey        string
}

type importBatchView struct {
	N, Calls int
	Replayed bool
}

type importView struct {
	Rows    int
	Batches []importBatchView
	Errors  []string
	Total   int // batches
}

func (s *Server) cCalls(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	q := r.URL.Query()
	v := checkView{Phone: strings.TrimSpace(q.Get("phone")), Key: q.Get("key"), Zone: strings.TrimSpace(q.Get("zone")),
		SkipCaps: q.Get("skip_caps") == "on", ImportKey: randomToken()}
	// Check authorises (ActDial on the company: every member; an invisible company is not found).
	if !q.Has("check") {
		return c.render(w, "calls", v)
	}
	d, err := s.calls.Check(r.Context(), c.actor, compliance.Call{CompanyID: r.PathValue("company"), Phone: v.Phone, Key: v.Key,
		Zone: v.Zone, SkipCaps: v.SkipCaps})
	if err != nil {
		if c.refused(err) {
			return c.render(w, "calls", v)
		}
		return err
	}
	v.Checked, v.Decision = true, d
	for _, name := range d.Reasons.List() {
		v.Reasons = append(v.Reasons, "reason."+name)
	}
	if !d.NextAllowed.IsZero() && len(d.Zones) == 1 { // with several zones the instant is one for all: UTC alone

		if loc, err := time.LoadLocation(d.Zones[0]); err == nil {
			v.NextLocal = d.NextAllowed.In(loc).Format("2006-01-02 15:04:05 MST") + " (" + d.Zones[0] + ")"
		}
	}
	return c.render(w, "calls", v)
}

// attr is a record's extra column by a case-insensitive name.
func attr(rec calllist.Record, name string) string {
	for k, v := range rec.Attrs {
		if strings.EqualFold(strings.TrimSpace(k), name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// cCallsImport imports an uploaded history file.
func (s *Server) cCallsImport(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	id := r.PathValue("company")
	v := checkView{ImportKey: r.PostForm.Get("key")}
	file, _, err := r.FormFile("file")
	if err != nil {
		c.fieldErrors = map[string]string{"file": c.t("import.nofile")}
		return c.render(w, "calls", v)
	}
	defer func() { _ = file.Close() }()
	rd, err := calllist.NewReader(file, calllist.Options{})
	if err != nil {
		c.fieldErrors = map[string]string{"file": err.Error()}
		return c.render(w, "calls", v)
	}
	im := &importView{}
	var calls []compliance.PastCall
	var lines []int // the file's line of each call
	for rec, err := range rd.All() {
		var re *calllist.RowError
		switch {
		case errors.As(err, &re):
			if len(im.Errors) < importMaxRows {
				im.Errors = append(im.Errors, c.t("import.row", re.Line, re.Field, re.Msg))
			}
			continue
		case err != nil:
			c.fieldErrors = map[string]string{"file": err.Error()}
			return c.render(w, "calls", v)
		}
		at, terr := time.Parse(time.RFC3339, attr(rec, "at"))
		if terr != nil {
			if len(im.Errors) < importMaxRows {
				im.Errors = append(im.Errors, c.t("import.row", rec.Line, "at", c.t("err.time")))
			}
			continue
		}
		calls = append(calls, compliance.PastCall{Phone: rec.Phone, Key: rec.Key, At: at, Outcome: compliance.Outcome(attr(rec, "outcome"))})
		lines = append(lines, rec.Line)
	}
	im.Rows = len(calls)
	v.Import = im
	if len(im.Errors) > 0 {
		c.formError = c.t("import.fix")
		return c.render(w, "calls", v)
	}
	if len(calls) == 0 {
		c.fieldErrors = map[string]string{"file": c.t("import.empty")}
		return c.render(w, "calls", v)
	}
	im.Total = (len(calls) + importBatch - 1) / importBatch
	for n := 0; n*importBatch < len(calls); n++ {
		batch := calls[n*importBatch : min(len(calls), (n+1)*importBatch)]
		res, err := s.calls.ImportHistory(r.Context(), c.actor, id, v.ImportKey+"/"+strconv.Itoa(n+1), batch)
		if err != nil {
			var ve *storage.ValidationError
			if errors.As(err, &ve) {
				for _, f := range ve.Fields {
					im.Errors = append(im.Errors, batchError(c, f, n, lines))
				}
				c.formError = c.t("import.stopped", n+1, im.Total)
				return c.render(w, "calls", v)
			}
			if c.refused(err) {
				return c.render(w, "calls", v)
			}
			return err
		}
		im.Batches = append(im.Batches, importBatchView{N: n + 1, Calls: res.Calls, Replayed: res.Replayed})
	}
	v.ImportKey = randomToken() // a new file is a new import
	return c.render(w, "calls", v)
}

// batchError writes a refused batch's field as the file's line and column:
// "calls[3].outcome" of batch n is the 3rd call of that batch.
func batchError(c *consoleCtx, f storage.FieldError, n int, lines []int) string {
	rest, ok := strings.CutPrefix(f.Field, "calls[")
	idx, field, ok2 := strings.Cut(rest, "].")
	i, err := strconv.Atoi(idx)
	if !ok || !ok2 || err != nil || n*importBatch+i >= len(lines) {
		return c.t("import.batch", n+1, f.Field, f.Message)
	}
	return c.t("import.row", lines[n*importBatch+i], field, f.Message)
}
