// Command gen writes the embedded price snapshot prices.json from LiteLLM
// price files (the project's shared litellm-subset.json and the package's
// own litellm-gemini3.json) with [pricing.Extract]. Run it with go generate
// in capture/pricing. With several -in files, a model in a later file
// replaces the same model of an earlier one.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/tracevault/tracevault/capture/pricing"
)

type inputs []string

func (in *inputs) String() string     { return strings.Join(*in, ",") }
func (in *inputs) Set(s string) error { *in = append(*in, s); return nil }

func main() {
	var in inputs
	flag.Var(&in, "in", "LiteLLM model_prices_and_context_window.json (or a subset); repeatable")
	out := flag.String("out", "prices.json", "file to write")
	flag.Parse()
	if err := run(in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(in []string, out string) error {
	if len(in) == 0 {
		return fmt.Errorf("no -in file")
	}
	merged := map[string]json.RawMessage{}
	for _, p := range in {
		src, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("reading %s: %w", p, err)
		}
		var rows map[string]json.RawMessage
		if err := json.Unmarshal(src, &rows); err != nil {
			return fmt.Errorf("decoding %s: %w", p, err)
		}
		for k, v := range rows {
			merged[k] = v
		}
	}
	src, err := json.Marshal(merged)
	if err != nil {
		return err
	}
	data, err := pricing.Extract(src)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, data, 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", out, err)
	}
	return nil
}
