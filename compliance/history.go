package compliance

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/compliance/zone"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// PastCall is a call placed before the SDK kept the company's history — by
// the dialer a platform moves from — brought in by ImportHistory so that the
// caps count it from the first day.
type PastCall struct {
	Phone   string    `json:"phone"`         // E.164 or a Russian national form
	Key     string    `json:"key,omitempty"` // the debt or case; default the E.164 number
	At      time.Time `json:"at"`            // when the call started
	Outcome Outcome   `json:"outcome"`
}

// ImportResult says what ImportHistory did.
type ImportResult struct {
	CompanyID string `json:"company_id"`
	Key       string `json:"key"`
	Calls     int    `json:"calls"`
	// Replayed is true when the import key had been used for the same calls
	// before: nothing was imported this time.
	Replayed bool `json:"replayed"`
}

// MaxImportBatch bounds the calls of one ImportHistory; larger histories
// are imported in several batches, each with its own key.
const MaxImportBatch = 10000

// earliestCall is the oldest instant a past call may have.
var earliestCall = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// ImportHistory brings past calls into companyID's history, where every cap,
// cool-off and rolling window counts them exactly like calls reserved and
// completed through the SDK. Authorised as tenancy.ActEditSettings (an
// administrator's migration task, not a dialer's). Validated: an import key
// of 1–200 bytes; 1..MaxImportBatch calls, each with a valid number, a key
// of at most 255 bytes, an instant after 2000-01-01 and not after now, and a
// known outcome — every bad field is named ("calls[3].phone") and nothing is
// stored. Idempotent by (company, import key): the same key with the same
// calls returns the first result with Replayed set and imports nothing; the
// same key with other calls is storage.ErrConflict. One transaction, audited
// as one event for the batch ("compliance.history.import": the count and the
// time span, not the numbers).
func (s *Service) ImportHistory(ctx context.Context, by tenancy.Actor, companyID, importKey string, calls []PastCall) (_ ImportResult, err error) {
	const op = "compliance.ImportHistory"
	ctx, uc := s.obs.Start(ctx, op, companyID, "compliance.history.import")
	defer func() { uc.End(err) }()
	var out ImportResult
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		if companyID == "" {
			return storage.Invalid(op, "company_id", "required", "is required")
		}
		ref, err := s.dir.Company(ctx, companyID)
		if err != nil {
			return storage.Reop(op, err)
		}
		if err := tenancy.AuthorizeIn(ctx, s.dir, op, by, tenancy.ActEditSettings, ref.Resource()); err != nil {
			return err
		}
		now := s.clock.Now()
		rows, err := s.pastReservations(op, ref.ID, importKey, calls, now, by.UserID)
		if err != nil {
			return err
		}
		hash := importHash(calls)
		// Concurrent imports with one key queue on the key's lock row.
		if err := s.store.LockSubject(ctx, ref.ID, "#import "+importKey); err != nil {
			return err
		}
		prev, err := s.store.HistoryImport(ctx, ref.ID, importKey)
		switch {
		case err == nil:
			if prev.RequestHash != hash {
				return storage.Conflict(op, "import key %q was used for other calls", importKey)
			}
			out = ImportResult{CompanyID: ref.ID, Key: importKey, Calls: prev.Calls, Replayed: true}
			return nil
		case !errors.Is(err, storage.ErrNotFound):
			return err
		}
		if err := s.store.InsertReservations(ctx, rows); err != nil {
			return err
		}
		if err := s.store.SaveHistoryImport(ctx, ImportRecord{CompanyID: ref.ID, Key: importKey, RequestHash: hash,
			Calls: len(rows), ImportedAt: storage.Timestamp(now), ImportedBy: by.UserID}); err != nil {
			return err
		}
		first, last := rows[0].ReservedAt, rows[0].ReservedAt
		for _, r := range rows[1:] {
			first, last = minTime(first, r.ReservedAt), maxTime(last, r.ReservedAt)
		}
		if _, err := s.log.Record(ctx, audit.Entry{Actor: by.Audit(), CompanyID: ref.ID, Action: "compliance.history.import",
			EntityType: "compliance_import", EntityID: importKey, Changes: []audit.Change{
				audit.Set("calls", nil, len(rows)), audit.Set("first_at", nil, first), audit.Set("last_at", nil, last)}}); err != nil {
			return err
		}
		out = ImportResult{CompanyID: ref.ID, Key: importKey, Calls: len(rows)}
		return nil
	})
	if err != nil {
		return ImportResult{}, err
	}
	return out, nil
}

// pastReservations validates calls and turns them into completed
// reservations.
func (s *Service) pastReservations(op, companyID, importKey string, calls []PastCall, now time.Time, by string) ([]Reservation, error) {
	v := &storage.ValidationError{Op: op}
	switch {
	case importKey == "":
		v.Add("import_key", "required", "is required")
	case len(importKey) > 200:
		v.Add("import_key", "max", "must be at most 200 bytes")
	}
	switch {
	case len(calls) == 0:
		v.Add("calls", "min", "at least one call is required")
	case len(calls) > MaxImportBatch:
		v.Add("calls", "max", fmt.Sprintf("at most %d calls per import", MaxImportBatch))
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	rows := make([]Reservation, 0, len(calls))
	for i, c := range calls {
		field := func(name string) string { return fmt.Sprintf("calls[%d].%s", i, name) }
		e164, err := zone.Normalize(c.Phone)
		if err != nil {
			var bn *zone.BadNumberError
			msg := err.Error()
			if errors.As(err, &bn) {
				msg = bn.Reason
			}
			if strings.TrimSpace(c.Phone) == "" {
				v.Add(field("phone"), "required", "is required")
			} else {
				v.Add(field("phone"), "e164", msg)
			}
		}
		if len(c.Key) > 255 {
			v.Add(field("key"), "max", "must be at most 255 characters")
		}
		switch {
		case c.At.IsZero():
			v.Add(field("at"), "required", "is required")
		case c.At.Before(earliestCall) || c.At.After(now):
			v.Add(field("at"), "range", "must be between 2000-01-01 and now")
		}
		if !c.Outcome.Valid() {
			v.Add(field("outcome"), "oneof", "is not a known outcome")
		}
		if len(v.Fields) > 0 {
			if len(v.Fields) >= 100 {
				break // enough to see what is wrong
			}
			continue
		}
		key := c.Key
		if key == "" {
			key = e164
		}
		at := storage.Timestamp(c.At)
		rows = append(rows, Reservation{ID: storage.NewID(), CompanyID: companyID, Key: key, Phone: e164,
			ReservedAt: at, ExpiresAt: at, Status: StatusCompleted, Outcome: c.Outcome, CompletedAt: at, ReservedBy: by})
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return rows, nil
}

// importHash fingerprints the calls of an import.
func importHash(calls []PastCall) string {
	h := sha256.New()
	enc := json.NewEncoder(h)
	for _, c := range calls {
		c.At = storage.Timestamp(c.At)
		_ = enc.Encode(c) // a hash.Hash never fails to write
	}
	return hex.EncodeToString(h.Sum(nil))
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
