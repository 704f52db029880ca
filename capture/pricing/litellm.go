package pricing

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
)

// row is one model of a LiteLLM price file, reduced to the fields TraceVault
// reads. All prices are USD per token.
type row struct {
	Input                 *float64        `json:"input_cost_per_token,omitempty"`
	Output                *float64        `json:"output_cost_per_token,omitempty"`
	CacheWrite            *float64        `json:"cache_creation_input_token_cost,omitempty"`
	CacheWrite1h          *float64        `json:"cache_creation_input_token_cost_above_1hr,omitempty"`
	CacheRead             *float64        `json:"cache_read_input_token_cost,omitempty"`
	InputAbove200k        *float64        `json:"input_cost_per_token_above_200k_tokens,omitempty"`
	OutputAbove200k       *float64        `json:"output_cost_per_token_above_200k_tokens,omitempty"`
	CacheWriteAbove200k   *float64        `json:"cache_creation_input_token_cost_above_200k_tokens,omitempty"`
	CacheWrite1hAbove200k *float64        `json:"cache_creation_input_token_cost_above_1hr_above_200k_tokens,omitempty"`
	CacheReadAbove200k    *float64        `json:"cache_read_input_token_cost_above_200k_tokens,omitempty"`
	InputAbove272k        *float64        `json:"input_cost_per_token_above_272k_tokens,omitempty"`
	OutputAbove272k       *float64        `json:"output_cost_per_token_above_272k_tokens,omitempty"`
	CacheReadAbove272k    *float64        `json:"cache_read_input_token_cost_above_272k_tokens,omitempty"`
	OutputReasoning       *float64        `json:"output_cost_per_reasoning_token,omitempty"`
	Provider              string          `json:"litellm_provider,omitempty"`
	ProviderSpecificEntry json.RawMessage `json:"provider_specific_entry,omitempty"`
}

// parseRows decodes a LiteLLM price file. Rows that do not decode (LiteLLM's
// "sample_spec" documents its fields with strings) or carry neither an input
// nor an output price are left out; a file that is not a JSON object is an
// error.
func parseRows(data []byte) (map[string]row, error) {
	if rows, ok := parseRowsFast(data); ok {
		return rows, nil
	}
	return parseRowsJSON(data)
}

// parseRowsJSON is parseRows with encoding/json.
func parseRowsJSON(data []byte) (map[string]row, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("decoding LiteLLM prices: %w", err)
	}
	rows := make(map[string]row, len(raw))
	for name, msg := range raw {
		var r row
		if name == "sample_spec" || json.Unmarshal(msg, &r) != nil {
			continue
		}
		if r.Input == nil && r.Output == nil {
			continue
		}
		if len(r.ProviderSpecificEntry) > 0 && !bytes.HasPrefix(bytes.TrimSpace(r.ProviderSpecificEntry), []byte("{")) {
			r.ProviderSpecificEntry = nil
		}
		rows[name] = r
	}
	return rows, nil
}

// Extract reduces a LiteLLM model_prices_and_context_window.json to the
// rows with a price and the fields TraceVault reads, in the same format,
// with keys sorted. Its output is what the embedded snapshot and override
// files hold.
func Extract(src []byte) ([]byte, error) {
	rows, err := parseRows(src)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, errors.New("extracting LiteLLM prices: no priced models")
	}
	var buf bytes.Buffer
	buf.WriteString("{\n")
	for i, name := range slices.Sorted(maps.Keys(rows)) {
		k, _ := json.Marshal(name)
		v, err := json.Marshal(rows[name])
		if err != nil {
			return nil, fmt.Errorf("encoding price of %s: %w", name, err)
		}
		buf.WriteString("  ")
		buf.Write(k)
		buf.WriteString(": ")
		buf.Write(v)
		if i < len(rows)-1 {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
	}
	buf.WriteString("}\n")
	return buf.Bytes(), nil
}

// OverrideEnv names the environment variable that points at a price
// override file.
const OverrideEnv = "TRACEVAULT_PRICES"

// OverridePath returns where the user's price override file is looked for:
// $TRACEVAULT_PRICES if set, else $XDG_CONFIG_HOME/tracevault/prices.json,
// else ~/.config/tracevault/prices.json.
func OverridePath() (string, error) {
	if p := os.Getenv(OverrideEnv); p != "" {
		return p, nil
	}
	if d := os.Getenv("XDG_CONFIG_HOME"); d != "" {
		return filepath.Join(d, "tracevault", "prices.json"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("locating price overrides: %w", err)
	}
	return filepath.Join(home, ".config", "tracevault", "prices.json"), nil
}

// LoadFile returns the embedded table with the rows of the LiteLLM-format
// file at path merged over it: a model in the file replaces the embedded
// row of the same name whole; other embedded rows stay.
func LoadFile(path string) (*Table, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading prices %s: %w", path, err)
	}
	rows, err := parseRows(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	merged := maps.Clone(embeddedRows())
	maps.Copy(merged, rows)
	return newTable(merged), nil
}

// Default returns the table TraceVault prices with: the embedded snapshot,
// with the override file at [OverridePath] merged over it when that file
// exists. A $TRACEVAULT_PRICES that names a missing file is an error.
func Default() (*Table, error) {
	path, err := OverridePath()
	if err != nil {
		return Embedded(), nil // no home directory, so no override file
	}
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, os.ErrNotExist) && os.Getenv(OverrideEnv) == "" {
			return Embedded(), nil
		}
		return nil, fmt.Errorf("reading prices %s: %w", path, err)
	}
	return LoadFile(path)
}

// Refresh writes a new override file at [OverridePath] from the LiteLLM
// price file at srcPath (a downloaded model_prices_and_context_window.json;
// Refresh itself never uses the network) and returns the path written. The
// file is replaced atomically.
func Refresh(srcPath string) (string, error) {
	dst, err := OverridePath()
	if err != nil {
		return "", err
	}
	return dst, RefreshTo(dst, srcPath)
}

// RefreshTo is [Refresh] writing to dst.
func RefreshTo(dst, srcPath string) error {
	src, err := os.ReadFile(srcPath)
	if err != nil {
		return fmt.Errorf("reading LiteLLM prices %s: %w", srcPath, err)
	}
	out, err := Extract(src)
	if err != nil {
		return fmt.Errorf("%s: %w", srcPath, err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("writing prices %s: %w", dst, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".prices-*.json")
	if err != nil {
		return fmt.Errorf("writing prices %s: %w", dst, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(out); err != nil {
		tmp.Close()
		return fmt.Errorf("writing prices %s: %w", dst, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing prices %s: %w", dst, err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return fmt.Errorf("writing prices %s: %w", dst, err)
	}
	return nil
}
