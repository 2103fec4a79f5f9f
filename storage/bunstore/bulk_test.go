package bunstore_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/account/presence"
	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/bunstore"
	"github.com/switchboardkit/switchboard/storage/storagetest"
)

// rawRow reads the columns of table's row id as the database holds them:
// each value's type and text (NULL apart), so two rows compare equal only
// when every value was stored alike.
func rawRow(t *testing.T, st *bunstore.Store, table, id string, cols []string) []string {
	t.Helper()
	exprs := make([]string, len(cols))
	for i, c := range cols {
		switch st.Dialect() {
		case bunstore.SQLite:
			exprs[i] = "typeof(" + c + ") || ':' || coalesce(quote(" + c + "), '')"
		case bunstore.Postgres:
			exprs[i] = "coalesce(pg_typeof(" + c + ")::text || ':' || " + c + "::text, 'NULL')"
		default:
			exprs[i] = "coalesce(CAST(" + c + " AS CHAR), 'NULL')"
		}
	}
	out := make([]string, len(cols))
	dest := make([]any, len(cols))
	for i := range out {
		dest[i] = &out[i]
	}
	require.NoError(t, st.DB().QueryRowContext(context.Background(),
		"SELECT "+strings.Join(exprs, ", ")+" FROM "+table+" WHERE id = ?", id).Scan(dest...))
	return out
}

// The batched inserts (audit events, outbox messages, presence intervals)
// take a statement of their own on PostgreSQL; on every dialect each row
// they write is stored exactly as the one-row insert stores the same
// values.
func TestBatchedInsertsStoreWhatSingleInsertsDo(t *testing.T) {
	backends := map[string]func(testing.TB) *bunstore.Store{"sqlite": storagetest.OpenSQLite}
	if os.Getenv(storagetest.PostgresEnv) != "" {
		backends["postgres"] = storagetest.OpenPostgres
	}
	if os.Getenv(storagetest.MySQLEnv) != "" {
		backends["mysql"] = storagetest.OpenMySQL
	}
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			ctx := context.Background()
			at := storage.Timestamp(time.Date(2026, 11, 20, 9, 10, 0, 123456000, time.UTC))
			odd := "it's \"odd\" \\ <b>&</b> é \u2028 ☃"

			// Audit events: unsealed, one with metadata and a former chain's fields.
			evs := []*audit.Event{
				{ID: storage.NewID(), CompanyID: "c1", OccurredAt: at, Actor: audit.Actor{UserID: "u1", CompanyID: "c1", Role: "operator"},
					Action: "a.b", EntityType: "e", EntityID: odd, Changes: []audit.Change{audit.Set("f", odd, 1)}},
				{ID: storage.NewID(), CompanyID: "c2", OccurredAt: at.Add(time.Second), Actor: audit.Actor{Role: "system"},
					Action: "x", EntityType: "y", Metadata: map[string]string{"k": odd}, V1: &audit.V1Link{Seq: 7, PrevHash: "p", Hash: "h"}},
			}
			single := make([]*audit.Event, len(evs))
			for i, e := range evs {
				c := *e
				c.ID = storage.NewID()
				single[i] = &c
			}
			require.NoError(t, st.InTx(ctx, func(ctx context.Context) error {
				if err := st.Audit().InsertAll(ctx, evs); err != nil {
					return err
				}
				for _, e := range single {
					if err := st.Audit().InsertAll(ctx, []*audit.Event{e}); err != nil {
						return err
					}
				}
				return nil
			}))
			auditCols := []string{"company_id", "seq", "occurred_at", "actor_user_id", "actor_company_id", "actor_role", "action",
				"entity_type", "entity_id", "changes", "metadata", "leaf_hash", "v1_seq", "v1_prev_hash", "v1_hash"}
			for i := range evs {
				assert.Equal(t, rawRow(t, st, "audit_unsealed", single[i].ID, auditCols), rawRow(t, st, "audit_unsealed", evs[i].ID, auditCols))
			}

			// Outbox messages: payloads nil, empty and binary.
			var msgs []storage.Message
			for _, p := range [][]byte{nil, {}, {0, 1, 0xff, '\'', '\\'}, []byte(odd)} {
				msgs = append(msgs, storage.Message{ID: storage.NewID(), CompanyID: "c1", Topic: storage.TopicPauseSwitch,
					Payload: p, Sealed: p == nil, Created: at, NextAttempt: at.Add(time.Minute), Attempts: 2, LastError: odd})
			}
			singleMsgs := make([]storage.Message, len(msgs))
			for i, m := range msgs {
				m.ID = storage.NewID()
				singleMsgs[i] = m
			}
			require.NoError(t, st.InTx(ctx, func(ctx context.Context) error {
				if err := st.Outbox().EnqueueMessages(ctx, msgs); err != nil {
					return err
				}
				for _, m := range singleMsgs {
					if err := st.Outbox().EnqueueMessages(ctx, []storage.Message{m}); err != nil {
						return err
					}
				}
				return nil
			}))
			msgCols := []string{"company_id", "topic", "payload", "sealed", "state", "created_at", "attempts", "next_attempt",
				"delivered_at", "dead_at", "last_error"}
			for i := range msgs {
				assert.Equal(t, rawRow(t, st, "outbox_messages", singleMsgs[i].ID, msgCols), rawRow(t, st, "outbox_messages", msgs[i].ID, msgCols))
				got, err := st.Outbox().GetMessage(ctx, msgs[i].ID)
				require.NoError(t, err)
				assert.Equal(t, msgs[i].Payload, got.Payload)
			}

			// Presence intervals.
			ivs := []presence.Interval{
				{ID: storage.NewID(), CompanyID: "c1", UserID: odd, Day: "2026-11-20", State: presence.Away, PauseTypeID: "p", Paid: true,
					Start: at, End: at.Add(time.Hour), Cause: presence.CauseAuto},
				{ID: storage.NewID(), CompanyID: "c1", UserID: "u2", Day: "2026-11-20", State: presence.Online,
					Start: at.Add(-time.Hour), End: at, Cause: presence.CauseAdmin, SetBy: "admin"},
			}
			singleIvs := make([]presence.Interval, len(ivs))
			for i, iv := range ivs {
				iv.ID = storage.NewID()
				singleIvs[i] = iv
			}
			require.NoError(t, st.InTx(ctx, func(ctx context.Context) error {
				if err := st.Presence().AppendIntervals(ctx, ivs); err != nil {
					return err
				}
				for _, iv := range singleIvs {
					if err := st.Presence().AppendIntervals(ctx, []presence.Interval{iv}); err != nil {
						return err
					}
				}
				return nil
			}))
			ivCols := []string{"company_id", "user_id", "day", "state", "pause_type_id", "paid", "start_at", "end_at", "cause", "set_by"}
			for i := range ivs {
				assert.Equal(t, rawRow(t, st, "presence_intervals", singleIvs[i].ID, ivCols), rawRow(t, st, "presence_intervals", ivs[i].ID, ivCols))
			}
		})
	}
}
