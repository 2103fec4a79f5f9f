package bunstore

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"time"
)

// Bulk inserts on PostgreSQL. A multi-row INSERT … VALUES of a few
// hundred rows, with every value a literal (bun formats the arguments into
// the text), costs the server more to parse and plan than to execute. The
// batched inserts of a use case (audit events, outbox messages, presence
// intervals) send their rows instead as one JSON argument, which
// json_populate_recordset turns into rows of the table's own type, every
// value going through the column type's input function as a literal does.
// The rows inserted are the same: a zero nullzero column and a nil pointer
// are omitted (NULL), times are written in bun's text form ("2006-01-02
// 15:04:05.999999-07:00", UTC), bytes in bytea's \x hex form. SQLite and
// MySQL keep bun's statement: SQLite's json_each and ->> cost more than
// parsing the literals (measured: ApplyPlatformDue of 10 000 switches took
// half as long again).

// bulk reports whether n rows take bulkInsert: on PostgreSQL, two or more
// (for one, bun's statement is as cheap).
func (s *Store) bulk(n int) bool { return n > 1 && s.dialect == Postgres }

// bulkInsert runs INSERT INTO table (cols) from rows, a slice of structs
// whose JSON names are cols; ok is false (nothing sent) when a value holds
// a NUL, which PostgreSQL's text cannot hold: the caller then takes bun's
// path, which refuses it with bun's own error.
func (s *Store) bulkInsert(ctx context.Context, table, cols string, rows any) (ok bool, err error) {
	b, ok, err := bulkJSON(rows)
	if !ok || err != nil {
		return false, err
	}
	// A hot statement (see hotExec): prepared once per connection, the
	// rows one quoted literal, not formatted by bun character by character.
	q := "INSERT INTO " + table + " (" + cols + ") SELECT " + cols + " FROM json_populate_recordset(NULL::" + table + ", ?)"
	_, err = s.hotExec(ctx, "bunstore.bulkInsert", q, b)
	return true, err
}

// bulkJSON is rows as the JSON text a hot statement's argument carries to
// json_populate_recordset or json_to_recordset; ok is false when a value
// holds a NUL, which PostgreSQL's text cannot hold.
func bulkJSON(rows any) (_ string, ok bool, err error) {
	b, err := json.Marshal(rows)
	if err != nil {
		return "", false, err
	}
	if bytes.Contains(b, []byte(`\u0000`)) {
		return "", false, nil
	}
	return string(b), true, nil
}

// bulkTime is t as bun formats a time argument, without the quotes (UTC,
// microseconds, the rest truncated as pgx does); pgLiteral writes times so
// too.
func bulkTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.999999-07:00") }

func bulkTimePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := bulkTime(*t)
	return &s
}

// bulkBytes is b in bytea's \x hex form; nil stays nil (NULL).
func bulkBytes(b []byte) *string {
	if b == nil {
		return nil
	}
	h := `\x` + hex.EncodeToString(b)
	return &h
}

const bulkAuditColumns = "id, company_id, seq, occurred_at, actor_user_id, actor_company_id, actor_role, action," +
	" entity_type, entity_id, changes, metadata, leaf_hash, v1_seq, v1_prev_hash, v1_hash"

// bulkAuditJSON is auditEventRow for bulkInsert.
type bulkAuditJSON struct {
	ID             string `json:"id"`
	CompanyID      string `json:"company_id"`
	Seq            int64  `json:"seq,omitempty"`
	OccurredAt     string `json:"occurred_at"`
	ActorUserID    string `json:"actor_user_id"`
	ActorCompanyID string `json:"actor_company_id"`
	ActorRole      string `json:"actor_role"`
	Action         string `json:"action"`
	EntityType     string `json:"entity_type"`
	EntityID       string `json:"entity_id"`
	Changes        string `json:"changes"`
	Metadata       string `json:"metadata"`
	LeafHash       string `json:"leaf_hash"`
	V1Seq          int64  `json:"v1_seq,omitempty"`
	V1PrevHash     string `json:"v1_prev_hash"`
	V1Hash         string `json:"v1_hash"`
}

func bulkAuditRows(rows []*auditEventRow) []bulkAuditJSON {
	out := make([]bulkAuditJSON, len(rows))
	for i, r := range rows {
		out[i] = bulkAuditJSON{ID: r.ID, CompanyID: r.CompanyID, Seq: r.Seq, OccurredAt: bulkTime(r.OccurredAt), ActorUserID: r.ActorUserID,
			ActorCompanyID: r.ActorCompanyID, ActorRole: r.ActorRole, Action: r.Action, EntityType: r.EntityType,
			EntityID: r.EntityID, Changes: r.Changes, Metadata: r.Metadata, LeafHash: r.LeafHash, V1Seq: r.V1Seq,
			V1PrevHash: r.V1PrevHash, V1Hash: r.V1Hash}
	}
	return out
}

const bulkOutboxColumns = "id, company_id, topic, payload, sealed, state, created_at, attempts, next_attempt," +
	" delivered_at, dead_at, last_error"

// bulkOutboxJSON is outboxRow for bulkInsert.
type bulkOutboxJSON struct {
	ID          string  `json:"id"`
	CompanyID   string  `json:"company_id"`
	Topic       string  `json:"topic"`
	Payload     *string `json:"payload,omitempty"`
	Sealed      bool    `json:"sealed"`
	State       int     `json:"state"`
	CreatedAt   string  `json:"created_at"`
	Attempts    int     `json:"attempts"`
	NextAttempt string  `json:"next_attempt"`
	DeliveredAt *string `json:"delivered_at,omitempty"`
	DeadAt      *string `json:"dead_at,omitempty"`
	LastError   string  `json:"last_error"`
}

func bulkOutboxRows(rows []*outboxRow) []bulkOutboxJSON {
	out := make([]bulkOutboxJSON, len(rows))
	for i, r := range rows {
		out[i] = bulkOutboxJSON{ID: r.ID, CompanyID: r.CompanyID, Topic: r.Topic, Payload: bulkBytes(r.Payload), Sealed: r.Sealed,
			State: r.State, CreatedAt: bulkTime(r.CreatedAt), Attempts: r.Attempts, NextAttempt: bulkTime(r.NextAttempt),
			DeliveredAt: bulkTimePtr(r.DeliveredAt), DeadAt: bulkTimePtr(r.DeadAt), LastError: r.LastError}
	}
	return out
}

const bulkIntervalColumns = "id, company_id, user_id, day, state, pause_type_id, paid, start_at, end_at, cause, set_by"

// bulkIntervalJSON is intervalRow for bulkInsert.
type bulkIntervalJSON struct {
	ID          string `json:"id"`
	CompanyID   string `json:"company_id"`
	UserID      string `json:"user_id"`
	Day         string `json:"day"`
	State       string `json:"state"`
	PauseTypeID string `json:"pause_type_id"`
	Paid        bool   `json:"paid"`
	Start       string `json:"start_at"`
	End         string `json:"end_at"`
	Cause       string `json:"cause"`
	SetBy       string `json:"set_by"`
}

func bulkIntervalRows(rows []intervalRow) []bulkIntervalJSON {
	out := make([]bulkIntervalJSON, len(rows))
	for i := range rows {
		r := &rows[i]
		out[i] = bulkIntervalJSON{ID: r.ID, CompanyID: r.CompanyID, UserID: r.UserID, Day: r.Day, State: r.State,
			PauseTypeID: r.PauseTypeID, Paid: r.Paid, Start: bulkTime(r.Start), End: bulkTime(r.End), Cause: r.Cause, SetBy: r.SetBy}
	}
	return out
}

// bulkCurrentJSON is currentRow for a JSON argument (UpdateCurrents).
type bulkCurrentJSON struct {
	CompanyID   string  `json:"company_id"`
	UserID      string  `json:"user_id"`
	State       string  `json:"state"`
	PauseTypeID string  `json:"pause_type_id"`
	Since       string  `json:"since"`
	DueAt       *string `json:"due_at"`
	Cause       string  `json:"cause"`
	SetBy       string  `json:"set_by"`
	Version     int64   `json:"version"`
}

// bulkKeyJSON is a member's key, and a day for DaysIntervals, for a JSON
// argument.
type bulkKeyJSON struct {
	CompanyID string `json:"company_id"`
	UserID    string `json:"user_id"`
	Day       string `json:"day,omitempty"`
}
