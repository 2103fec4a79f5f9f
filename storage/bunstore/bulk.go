package bunstore

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"
)

// Bulk inserts on PostgreSQL and SQLite. A multi-row INSERT … VALUES of a
// few hundred rows, with every value a literal (bun formats the arguments
// into the text), costs the database more to parse (and PostgreSQL to
// plan) than to execute. The batched inserts of a use case (audit events,
// outbox messages, presence intervals) send their rows instead as one JSON
// argument: PostgreSQL's json_populate_recordset turns it into rows of the
// table's own type, every value going through the column type's input
// function as a literal does; SQLite's json_each and ->> give each value as
// TEXT or INTEGER, as the literal would be. The rows inserted are the same:
// a zero nullzero column and a nil pointer are omitted (NULL), times are
// written in bun's text form ("2006-01-02 15:04:05.999999-07:00", UTC),
// booleans as true and false (SQLite's 1 and 0), bytes as hex (bytea's \x
// form; SQLite's unhex). MySQL keeps bun's statement.

// bulkInsert runs INSERT INTO table (cols) from rows, a slice of structs
// whose JSON names are cols (blob naming those holding hex bytes); ok is
// false (nothing sent) on MySQL, for a single row (bun's statement is as
// cheap), and when a value holds a NUL, which bun refuses to format: the
// caller then takes bun's path.
func (s *Store) bulkInsert(ctx context.Context, table, cols, blob string, n int, rows any) (ok bool, err error) {
	if n < 2 || (s.dialect != Postgres && s.dialect != SQLite) {
		return false, nil
	}
	b, err := json.Marshal(rows)
	if err != nil {
		return false, err
	}
	if bytes.Contains(b, []byte(`\u0000`)) {
		return false, nil
	}
	var q string
	if s.dialect == Postgres {
		q = "INSERT INTO " + table + " (" + cols + ") SELECT " + cols + " FROM json_populate_recordset(NULL::" + table + ", ?)"
	} else {
		var sel strings.Builder
		for i, c := range strings.Split(cols, ", ") {
			if i > 0 {
				sel.WriteString(", ")
			}
			if c == blob {
				sel.WriteString("unhex(value ->> '" + c + "')")
			} else {
				sel.WriteString("value ->> '" + c + "'")
			}
		}
		q = "INSERT INTO " + table + " (" + cols + ") SELECT " + sel.String() + " FROM json_each(?)"
	}
	_, err = s.idb(ctx).ExecContext(ctx, q, string(b))
	return true, err
}

// bulkTime is t as bun formats a time argument, without the quotes.
func bulkTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.999999-07:00") }

func bulkTimePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := bulkTime(*t)
	return &s
}

// bulkBytes is b in hex, bytea's \x form on PostgreSQL; nil stays nil (NULL).
func (s *Store) bulkBytes(b []byte) *string {
	if b == nil {
		return nil
	}
	h := hex.EncodeToString(b)
	if s.dialect == Postgres {
		h = `\x` + h
	}
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

func (s *Store) bulkOutboxRows(rows []*outboxRow) []bulkOutboxJSON {
	out := make([]bulkOutboxJSON, len(rows))
	for i, r := range rows {
		out[i] = bulkOutboxJSON{ID: r.ID, CompanyID: r.CompanyID, Topic: r.Topic, Payload: s.bulkBytes(r.Payload), Sealed: r.Sealed,
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
