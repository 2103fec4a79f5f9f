package bunstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/bunstore"
	"github.com/switchboardkit/switchboard/storage/storagetest"
)

func TestV1CarryOverSQLite(t *testing.T)   { v1CarryOver(t, storagetest.OpenSQLite(t)) }
func TestV1CarryOverPostgres(t *testing.T) { v1CarryOver(t, storagetest.OpenPostgres(t)) }
func TestV1CarryOverMySQL(t *testing.T)    { v1CarryOver(t, storagetest.OpenMySQL(t)) }

// v1CarryOver writes hash chains in the schema before the transparency log,
// migrates, and seals them: an intact chain joins the log in its order and
// verifies; a chain with an edited event, or cut short of its recorded
// head, is refused from the fault on.
func v1CarryOver(t *testing.T, st *bunstore.Store) {
	ctx := context.Background()
	status, err := st.MigrationStatus(ctx)
	require.NoError(t, err)
	before := ""
	for _, s := range status {
		if s.Version < "20261202004000" {
			before = s.Version
		}
	}
	require.NoError(t, st.MigrateDown(ctx, before))

	at := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	writeChain := func(company string, n int, corrupt func(i int, e *audit.Event), headSeq int) []*audit.Event {
		var evs []*audit.Event
		prev := ""
		for i := range n {
			at = at.Add(time.Second)
			e := &audit.Event{ID: storage.NewID(), CompanyID: company, OccurredAt: at,
				Actor:  audit.Actor{UserID: "u-1", CompanyID: company, Role: "administrator"},
				Action: fmt.Sprintf("x.v1step%d", i), EntityType: "thing", EntityID: fmt.Sprint(i),
				Changes: []audit.Change{audit.Set("n", i, i+1)}, Metadata: map[string]string{"request_id": "r"}}
			e.V1 = &audit.V1Link{Seq: int64(i + 1), PrevHash: prev}
			e.V1.Hash = audit.V1Hash(e)
			prev = e.V1.Hash
			stored := *e
			if corrupt != nil {
				corrupt(i, &stored)
			}
			_, err := st.DB().ExecContext(ctx, "INSERT INTO audit_events (id, company_id, seq, occurred_at, actor_user_id, actor_company_id, actor_role, action, entity_type, entity_id, changes, metadata, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				stored.ID, company, stored.V1.Seq, storage.Timestamp(stored.OccurredAt), stored.Actor.UserID, stored.Actor.CompanyID, stored.Actor.Role,
				stored.Action, stored.EntityType, stored.EntityID, string(audit.EncodeChanges(stored.Changes)), string(audit.EncodeMetadata(stored.Metadata)),
				stored.V1.PrevHash, stored.V1.Hash)
			require.NoError(t, err)
			evs = append(evs, e)
		}
		_, err := st.DB().ExecContext(ctx, "INSERT INTO audit_heads (company_id, seq, hash) VALUES (?, ?, ?)", company, headSeq, evs[headSeq-1].V1.Hash)
		require.NoError(t, err)
		return evs
	}
	intact, edited, cut := storage.NewID(), storage.NewID(), storage.NewID()
	good := writeChain(intact, 7, nil, 7)
	writeChain(edited, 5, func(i int, e *audit.Event) {
		if i == 2 {
			e.Action = "x.forged"
		}
	}, 5)
	writeChain(cut, 5, nil, 5)
	_, err = st.DB().ExecContext(ctx, "DELETE FROM audit_events WHERE company_id = ? AND seq = 5", cut)
	require.NoError(t, err)

	require.NoError(t, st.Migrate(ctx))
	all := audit.Scope{All: true}
	log := audit.NewLog(st.Audit())
	page, err := log.Query(ctx, all, audit.Filter{CompanyID: intact}, storage.PageRequest{Limit: 3})
	require.NoError(t, err)
	require.Len(t, page.Items, 3, "carried-over events are queryable before they are sealed")
	assert.Equal(t, good[6].ID, page.Items[0].ID)
	assert.Zero(t, page.Items[0].Seq)

	// An event recorded after the migration, before the first seal, comes after the chain.
	var late *audit.Event
	require.NoError(t, st.InTx(ctx, func(ctx context.Context) error {
		late, err = log.Record(ctx, audit.Entry{Actor: audit.Actor{Role: "administrator"}, CompanyID: intact, Action: "x.v2", EntityType: "thing"})
		return err
	}))
	res, err := audit.NewLog(st.Audit(), audit.WithSealBatch(3)).Seal(ctx, st)
	require.ErrorIs(t, err, audit.ErrTampered)
	assert.Contains(t, err.Error(), edited)
	assert.Contains(t, err.Error(), cut)
	sealed := map[string]int{}
	for _, r := range res {
		sealed[r.CompanyID] = r.Sealed
	}
	assert.Equal(t, 8, sealed[intact])
	for i, e := range good {
		got, err := log.Get(ctx, all, e.ID)
		require.NoError(t, err)
		assert.EqualValues(t, i+1, got.Seq, "the chain keeps its order")
		assert.Equal(t, e.V1, got.V1)
	}
	assert.EqualValues(t, 8, mustGetEvent(t, log, late.ID).Seq)
	v, err := log.Verify(ctx, all, intact)
	require.NoError(t, err)
	assert.True(t, v.OK, "%+v", v)
	assert.EqualValues(t, 8, v.Checked)
	// Sealing stops at the first broken link: batches before it (of three
	// events here) are sealed, nothing from the faulty batch on.
	for c, want := range map[string]int64{edited: 0, cut: 3} {
		head, err := st.Audit().Head(ctx, c)
		require.NoError(t, err)
		assert.Equal(t, want, head.Size, "a broken chain is sealed only up to the batch before the fault")
	}
}

func mustGetEvent(t *testing.T, log *audit.Log, id string) *audit.Event {
	t.Helper()
	e, err := log.Get(context.Background(), audit.Scope{All: true}, id)
	require.NoError(t, err)
	return e
}
