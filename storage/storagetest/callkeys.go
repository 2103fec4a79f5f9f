package storagetest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/storage"
)

// complianceCallKeys proves a call key is one subscriber however it is
// spelled: surrounding spaces, a zero-width space or byte-order mark, a
// decomposed letter and another case all count against the same caps, and
// the reservations store the canonical spelling. Keys that are not text
// (NUL, invalid UTF-8) or too long are field errors and reserve nothing.
func complianceCallKeys(t *testing.T, h *Harness) {
	ctx := context.Background()
	e := newComplianceEnv(t, h, allDay(5, 5))
	const canonical = "долг-42-й" // Cyrillic, with a composed й (U+0439)
	spellings := []string{
		canonical,
		"  " + canonical + "\t",       // surrounding white space
		canonical + "\u200b",          // zero-width space
		"\ufeff" + "долг-42-и\u0306",  // BOM, and й decomposed (и + combining breve)
		"ДОЛГ-42-Й",                   // another case
		"\u00a0Долг\u2060-42-й\u3000", // no-break space, word joiner, ideographic space
	}
	require.Equal(t, canonical, compliance.NormalizeKey(canonical))
	for i, k := range spellings {
		c := e.call()
		c.Key = k
		r, d, err := e.svc.Reserve(ctx, e.dialer, c)
		if i < 5 {
			require.NoError(t, err, "spelling %d %q", i, k)
			assert.Equal(t, canonical, d.Key, "spelling %d", i)
			assert.Equal(t, canonical, r.Key, "spelling %d", i)
			_, err = e.svc.Complete(ctx, e.dialer, r.ID, compliance.OutcomeAnsweredHuman)
			require.NoError(t, err)
			continue
		}
		require.NoError(t, err)
		assert.False(t, d.Allowed, "the sixth spelling is the sixth call of one subscriber")
		assert.Equal(t, canonical, d.Key)
		assert.True(t, d.Reasons.Has(compliance.ReasonCapDay), "reasons %v", d.Reasons)
	}
	hist, err := h.Compliance.History(ctx, e.company.ID, canonical, e.clock.Now().AddDate(0, 0, -1))
	require.NoError(t, err)
	assert.Len(t, hist, 5, "every spelling stored under the canonical key")

	// Another key is another subscriber.
	c := e.call()
	c.Key = "debt-43"
	_, _, err = e.svc.Reserve(ctx, e.dialer, c)
	require.NoError(t, err)

	// Bad keys: field errors, nothing reserved.
	long := make([]rune, compliance.MaxKeyLength+1)
	for i := range long {
		long[i] = '😀'
	}
	for _, k := range []string{"debt\x00-44", "debt-\xff44", "debt\n44", string(long)} {
		c := e.call()
		c.Key = k
		_, _, err := e.svc.Reserve(ctx, e.dialer, c)
		requireFieldError(t, err, "key")
		_, err = e.svc.Check(ctx, e.dialer, c)
		requireFieldError(t, err, "key")
	}
	c.Key = string(long[:compliance.MaxKeyLength])
	r, _, err := e.svc.Reserve(ctx, e.dialer, c)
	require.NoError(t, err, "exactly the maximum length")
	assert.Equal(t, c.Key, r.Key)
	hist, err = h.Compliance.History(ctx, e.company.ID, c.Key, e.clock.Now().AddDate(0, 0, -1))
	require.NoError(t, err)
	require.Len(t, hist, 1)
	assert.Equal(t, c.Key, hist[0].Key, "4-byte characters stored byte for byte")
}

// requireFieldError asserts err is a *storage.ValidationError naming field.
func requireFieldError(t *testing.T, err error, field string) {
	t.Helper()
	require.ErrorIs(t, err, storage.ErrInvalid)
	var ve *storage.ValidationError
	require.ErrorAs(t, err, &ve)
	_, ok := ve.Field(field)
	require.True(t, ok, "field %q not named in %v", field, err)
}
