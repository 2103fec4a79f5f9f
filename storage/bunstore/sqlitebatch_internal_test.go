package bunstore

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/storage"
)

// A batch of sqliteBatchRows rows first seen in a transaction runs
// unprepared, is prepared after that transaction (without waiting for a
// connection: an in-memory database has one, which the transaction held),
// and runs prepared in the next transaction, storing the same rows.
func TestSQLiteBatchStatementsArePreparedAfterTheTransaction(t *testing.T) {
	for _, name := range []string{"memory", "file"} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			path := ":memory:"
			if name == "file" {
				path = filepath.Join(t.TempDir(), "sb.db")
			}
			st, err := OpenSQLite(ctx, path)
			require.NoError(t, err)
			t.Cleanup(func() { _ = st.Close() })
			require.NoError(t, st.Migrate(ctx))
			at := time.Date(2026, 12, 6, 9, 0, 0, 123456000, time.UTC)
			batch := func(round int) []storage.Message {
				ms := make([]storage.Message, sqliteBatchRows)
				for i := range ms {
					ms[i] = storage.Message{ID: fmt.Sprintf("m%d-%03d", round, i), CompanyID: "c", Topic: "test.topic",
						Payload: []byte{byte(i), 0, 'x'}, Created: at, NextAttempt: at}
				}
				ms[0].Payload, ms[1].Payload = nil, []byte{}
				return ms
			}
			count := func() int {
				n := 0
				st.stmts.Range(func(k, _ any) bool { n++; return true })
				return n
			}
			require.Zero(t, count())
			for round := range 2 {
				require.NoError(t, st.InTx(ctx, func(ctx context.Context) error {
					return st.Outbox().EnqueueMessages(ctx, batch(round))
				}))
				require.Equal(t, 1, count(), "round %d: the batch statement is prepared after its first transaction", round)
			}
			// Both rounds stored the same values: the second (prepared)
			// round's rows read back as the first's.
			for i := range 3 {
				var p0, p1 []byte
				var c0, c1 string
				require.NoError(t, st.db.QueryRowContext(ctx, "SELECT payload, created_at FROM outbox_messages WHERE id = ?", fmt.Sprintf("m0-%03d", i)).Scan(&p0, &c0))
				require.NoError(t, st.db.QueryRowContext(ctx, "SELECT payload, created_at FROM outbox_messages WHERE id = ?", fmt.Sprintf("m1-%03d", i)).Scan(&p1, &c1))
				require.Equal(t, p0, p1, "payload of row %d", i)
				require.Equal(t, c0, c1, "created_at of row %d", i)
			}
		})
	}
}
