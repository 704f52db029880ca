// Command gen writes the embedded price snapshot prices.json from a LiteLLM
// price file (by default the project's shared litellm-subset.json) with
// [pricing.Extract]. Run it with go generate in capture/pricing.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/tracevault/tracevault/capture/pricing"
)

func main() {
	in := flag.String("in", "", "LiteLLM model_prices_and_context_window.json (or a subset)")
	out := flag.String("out", "prices.json", "file to write")
	flag.Parse()
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	src, err := os.ReadFile(in)
	if err != nil {
		return fmt.Errorf("reading %s: %w", in, err)
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
