package pricing

import (
	"os"
	"reflect"
	"testing"

	"github.com/tracevault/tracevault/internal/testutil"
)

// checkRows compares parseRows with parseRowsJSON on data, and reports
// whether the fast path decided it.
func checkRows(t *testing.T, data []byte) bool {
	t.Helper()
	want, werr := parseRowsJSON(data)
	got, gerr := parseRows(data)
	if !reflect.DeepEqual(got, want) || (gerr == nil) != (werr == nil) {
		t.Fatalf("parseRows(%q) = %v, %v; want %v, %v", data, got, gerr, want, werr)
	}
	fast, ok := parseRowsFast(data)
	if ok && (werr != nil || !reflect.DeepEqual(fast, want)) {
		t.Fatalf("parseRowsFast(%q) = %v; want %v, %v", data, fast, want, werr)
	}
	return ok
}

func TestParseRowsFastMatchesJSON(t *testing.T) {
	subset, err := os.ReadFile(testutil.Fixture(t, "pricing/litellm-subset.json"))
	if err != nil {
		t.Fatal(err)
	}
	gemini, err := os.ReadFile("litellm-gemini3.json")
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"embedded": embedded, "litellm-gemini3.json": gemini} {
		if !checkRows(t, data) {
			t.Errorf("%s left to encoding/json, want the fast path", name)
		}
	}
	checkRows(t, subset)
	for _, s := range []string{
		`{"m":{"input_cost_per_token":1e-6,"output_cost_per_token":2,"litellm_provider":"anthropic","provider_specific_entry":{"fast":6}}}`,
		`{"m":{"input_cost_per_token":1e-6,"provider_specific_entry":"x"},"n":{"output_cost_per_token":null}}`,
		`{"m":{"input_cost_per_token":1e-6},"m":{"output_cost_per_token":1}}`,
		`{"m":{"input_cost_per_token":1e-6},"m":{}}`,
		`{"m":{"Input_Cost_Per_Token":1e-6}}`,
		`{"m":{"input_cost_per_token":"1e-6"}}`,
		`{"m":{"input_cost_per_token":1e999}}`,
		`{"m":{"input_cost_per_token":1,"litellm_provider":"a\u00e9"}}`,
		`{"sample_spec":{"input_cost_per_token":"doc"},"m\u00e9":{"input_cost_per_token":1}}`,
		`{"m":[1]}`,
		`{"m":{"input_cost_per_token":1}} x`,
		`null`,
		`{}`,
	} {
		checkRows(t, []byte(s))
	}
}

func FuzzParseRows(f *testing.F) {
	f.Add(embedded[:2000])
	f.Add([]byte(`{"m":{"input_cost_per_token":1e-6,"provider_specific_entry":{"fast":6}},"n":{"output_cost_per_token":null}}`))
	f.Fuzz(func(t *testing.T, data []byte) { checkRows(t, data) })
}
