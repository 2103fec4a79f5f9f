package audit_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/memory"
)

type profile struct {
	Name     string          `json:"name"`
	Limit    decimal.Decimal `json:"limit"`
	Password string          `json:"password" audit:"secret"`
	Internal string          `json:"internal" audit:"-"`
	Tags     []string        `json:"tags"`
}

func TestDiff(t *testing.T) {
	before := profile{Name: "A", Limit: decimal.RequireFromString("10.50"), Password: "old", Internal: "x", Tags: []string{"a"}}
	after := profile{Name: "B", Limit: decimal.RequireFromString("10.5"), Password: "new", Internal: "y", Tags: []string{"a"}}
	changes := audit.Diff(&before, &after)
	require.Len(t, changes, 2, "%+v", changes)
	assert.Equal(t, "name", changes[0].Field)
	assert.JSONEq(t, `"A"`, string(changes[0].Before))
	assert.JSONEq(t, `"B"`, string(changes[0].After))
	assert.Equal(t, "password", changes[1].Field)
	assert.True(t, changes[1].Redacted)
	assert.NotContains(t, string(changes[1].Before)+string(changes[1].After), "old")
	assert.NotContains(t, string(changes[1].Before)+string(changes[1].After), "new")

	created := audit.Diff(nil, &after)
	fields := map[string]bool{}
	for _, c := range created {
		fields[c.Field] = true
		assert.Nil(t, c.Before)
	}
	assert.Equal(t, map[string]bool{"name": true, "limit": true, "password": true, "tags": true}, fields)
	assert.Empty(t, audit.Diff(&after, &after))
}

func TestLeafCoversEveryField(t *testing.T) {
	base := audit.Event{ID: "e", CompanyID: "c", Seq: 3, OccurredAt: time.Unix(100, 0), Actor: audit.Actor{UserID: "u", CompanyID: "c", Role: "r"},
		Action: "a", EntityType: "t", EntityID: "i", Changes: []audit.Change{audit.Set("f", 1, 2)}, Metadata: map[string]string{"k": "v"},
		V1: &audit.V1Link{Seq: 3, PrevHash: "p", Hash: "h"}}
	h := audit.LeafHash(&base)
	mutations := []func(e *audit.Event){
		func(e *audit.Event) { e.ID = "x" }, func(e *audit.Event) { e.CompanyID = "x" }, func(e *audit.Event) { e.Seq = 4 },
		func(e *audit.Event) { e.OccurredAt = e.OccurredAt.Add(time.Microsecond) },
		func(e *audit.Event) { e.Actor.UserID = "x" }, func(e *audit.Event) { e.Actor.CompanyID = "x" }, func(e *audit.Event) { e.Actor.Role = "x" },
		func(e *audit.Event) { e.Action = "x" }, func(e *audit.Event) { e.EntityType = "x" }, func(e *audit.Event) { e.EntityID = "x" },
		func(e *audit.Event) { e.Changes = []audit.Change{audit.Set("f", 1, 3)} },
		func(e *audit.Event) { e.Changes = []audit.Change{{Field: "f", After: e.Changes[0].After}} },
		func(e *audit.Event) {
			e.Changes = []audit.Change{{Field: "f", Before: e.Changes[0].Before, After: e.Changes[0].After, Redacted: true}}
		},
		func(e *audit.Event) { e.Metadata = nil }, func(e *audit.Event) { e.Metadata = map[string]string{"k": "w"} },
		func(e *audit.Event) { e.V1 = nil }, func(e *audit.Event) { e.V1 = &audit.V1Link{Seq: 3, PrevHash: "q", Hash: "h"} },
		func(e *audit.Event) { e.V1 = &audit.V1Link{Seq: 3, PrevHash: "p", Hash: "g"} },
		// Moving a separator must change the hash too: length prefixes prevent it.
		func(e *audit.Event) { e.Action, e.EntityType = "at", "" },
	}
	for i, m := range mutations {
		e := base
		m(&e)
		assert.NotEqual(t, h, audit.LeafHash(&e), "mutation %d", i)
	}
	same := base
	same.OccurredAt = base.OccurredAt.In(time.FixedZone("X", 3600)).Add(300 * time.Nanosecond)
	same.Hash = "anything"
	assert.Equal(t, h, audit.LeafHash(&same), "same instant at microsecond precision hashes the same; Hash is not covered")
}

func TestVerifyIntactChain(t *testing.T) {
	st := memory.New()
	log := audit.NewLog(st.Audit())
	ctx := context.Background()
	for range 3 {
		require.NoError(t, st.InTx(ctx, func(ctx context.Context) error {
			_, err := log.Record(ctx, audit.Entry{Actor: audit.Actor{Role: "r"}, CompanyID: "c", Action: "a", EntityType: "t"})
			return err
		}))
	}
	_, err := log.Seal(ctx, st, "c")
	require.NoError(t, err)
	v, err := log.Verify(ctx, audit.Scope{All: true}, "c")
	require.NoError(t, err)
	assert.True(t, v.OK)
	assert.EqualValues(t, 3, v.Checked)
}

// RecordAll stores its events as Record would: unsealed until Seal (or
// sealed in the transaction WithInlineSeal, per company), with the same
// hashes and a verifiable log; an invalid entry stores none of them.
func TestRecordAllSealsLikeRecord(t *testing.T) {
	ctx := context.Background()
	entries := []audit.Entry{
		{Actor: audit.Actor{Role: "r"}, CompanyID: "c", Action: "a", EntityType: "t", EntityID: "1", Changes: []audit.Change{audit.Set("f", 1, 2)}},
		{Actor: audit.Actor{Role: "r"}, CompanyID: "d", Action: "a", EntityType: "t", EntityID: "2"},
		{Actor: audit.Actor{Role: "r"}, CompanyID: "c", Action: "b", EntityType: "t", EntityID: "3"},
	}
	for _, inline := range []bool{false, true} {
		st := memory.New()
		var opts []audit.Option
		if inline {
			opts = append(opts, audit.WithInlineSeal())
		}
		log := audit.NewLog(st.Audit(), opts...)
		err := st.InTx(ctx, func(ctx context.Context) error {
			bad := append(slices.Clone(entries), audit.Entry{Actor: audit.Actor{Role: "r"}, CompanyID: "c", EntityType: "t"})
			_, err := log.RecordAll(ctx, bad)
			return err
		})
		require.ErrorIs(t, err, storage.ErrInvalid, "an entry without action")
		var evs []*audit.Event
		require.NoError(t, st.InTx(ctx, func(ctx context.Context) error {
			var err error
			evs, err = log.RecordAll(ctx, entries)
			return err
		}))
		require.Len(t, evs, 3)
		for i, e := range evs {
			assert.Equal(t, entries[i].EntityID, e.EntityID, "in the order of the entries")
			if i > 0 {
				assert.Less(t, evs[i-1].ID, e.ID)
				assert.Equal(t, evs[0].OccurredAt, e.OccurredAt)
			}
		}
		if inline {
			assert.EqualValues(t, []int64{1, 1, 2}, []int64{evs[0].Seq, evs[1].Seq, evs[2].Seq}, "each company's log, in order")
		} else {
			assert.Zero(t, evs[0].Seq)
			for _, c := range []string{"c", "d"} {
				_, err := log.Seal(ctx, st, c)
				require.NoError(t, err)
			}
		}
		for _, e := range evs {
			got, err := log.Get(ctx, audit.Scope{All: true}, e.ID)
			require.NoError(t, err)
			require.NotZero(t, got.Seq)
			leaf := audit.LeafHash(got)
			assert.Equal(t, hex.EncodeToString(leaf[:]), got.Hash)
			if inline {
				assert.Equal(t, got.Seq, e.Seq)
				assert.Equal(t, got.Hash, e.Hash)
			}
		}
		for c, n := range map[string]int64{"c": 2, "d": 1} {
			v, err := log.Verify(ctx, audit.Scope{All: true}, c)
			require.NoError(t, err)
			assert.True(t, v.OK)
			assert.EqualValues(t, n, v.Checked)
		}
	}
}

// Example shows a use case recording its audit event in its own transaction
// and the trail verifying afterwards.
func Example() {
	ctx := context.Background()
	store := memory.New()
	clock := storage.NewManualClock(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
	log := audit.NewLog(store.Audit(), audit.WithClock(clock))
	admin := audit.Actor{UserID: "u-1", CompanyID: "c-1", Role: "administrator"}

	type settings struct {
		TimeZone string `json:"time_zone"`
		Password string `json:"password" audit:"secret"`
	}
	before := settings{TimeZone: "Europe/Moscow", Password: "s3cret"}
	after := settings{TimeZone: "Asia/Vladivostok", Password: "n3w"}

	err := store.InTx(ctx, func(ctx context.Context) error {
		// ... authorise, validate and persist the change here, then:
		_, err := log.Record(ctx, audit.Entry{Actor: admin, CompanyID: "c-1", Action: "account.settings.update",
			EntityType: "company", EntityID: "c-1", Changes: audit.Diff(before, after)})
		return err
	})
	if err != nil {
		panic(err)
	}
	// The host seals the log (a ticker or job queue drives this).
	if _, err := log.Seal(ctx, store, "c-1"); err != nil {
		panic(err)
	}
	page, _ := log.Query(ctx, audit.Scope{CompanyIDs: []string{"c-1"}}, audit.Filter{}, storage.PageRequest{})
	for _, e := range page.Items {
		fmt.Println(e.Seq, e.Action, e.OccurredAt.Format(time.RFC3339))
		for _, c := range e.Changes {
			fmt.Printf("  %s: %s -> %s\n", c.Field, c.Before, c.After)
		}
	}
	v, _ := log.Verify(ctx, audit.Scope{CompanyIDs: []string{"c-1"}}, "c-1")
	fmt.Println("chain intact:", v.OK)
	// Output:
	// 1 account.settings.update 2026-11-22T09:00:00Z
	//   time_zone: "Europe/Moscow" -> "Asia/Vladivostok"
	//   password: "[redacted]" -> "[redacted]"
	// chain intact: true
}

func TestLeafHasherMatchesLeafHash(t *testing.T) {
	e := audit.Event{ID: "e", CompanyID: "c", Seq: 1, Action: "a", Metadata: map[string]string{"b": "2", "a": "1"}}
	assert.Equal(t, audit.LeafHash(&e), audit.LeafHashForTest(&e))
}
