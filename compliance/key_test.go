package compliance_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/switchboardkit/switchboard/compliance"
)

func TestNormalizeKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"debt-42", "debt-42"},
		{" debt-42", "debt-42"},
		{"debt-42\u200b", "debt-42"},
		{"\ufeffdebt-42", "debt-42"},
		{"DEBT-42", "debt-42"},
		{"de\u200dbt-42 ", "debt-42"},
		{"caf\u0065\u0301", "caf\u00e9"}, // decomposed é → composed
		{"Straße", "strasse"},            // full case folding
		{"ДОЛГ-42", "долг-42"},
		{"\u200b", ""},
		{"+74951234567", "+74951234567"},
		{"case 7 / lot 3", "case 7 / lot 3"},
		{"عقد-٤٢", "عقد-٤٢"}, // right-to-left text is kept
	} {
		assert.Equal(t, tc.want, compliance.NormalizeKey(tc.in), "%q", tc.in)
		assert.Equal(t, tc.want, compliance.NormalizeKey(tc.want), "canonical is a fixed point: %q", tc.want)
	}
}

func TestNormalizeKeyCanonicalASCIIDoesNotAllocate(t *testing.T) {
	k := strings.Repeat("debt-42/", 8)
	n := testing.AllocsPerRun(100, func() { _ = compliance.NormalizeKey(k) })
	assert.Zero(t, n)
}

func TestPresetsValidate(t *testing.T) {
	t.Parallel()
	for _, p := range []compliance.Policy{compliance.ManualFZ230(), compliance.FZ230Calls(), compliance.FZ230Messages(), compliance.RegF()} {
		assert.NoError(t, p.Validate("test"), p.Name)
	}
	p := compliance.FZ230Calls()
	p.Name = strings.Repeat("x", compliance.MaxPolicyNameLength+1)
	assert.Error(t, p.Validate("test"))
	p.Name = "bad\x00name"
	assert.Error(t, p.Validate("test"))
}
