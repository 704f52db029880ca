// Package push implements "tracevault push": upload this repository's
// signed trace records directly to a tracevault-server.
package push

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tracevault/tracevault/capture/record"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/cmdutil"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/repoctx"
	"github.com/tracevault/tracevault/server/api"
	"github.com/tracevault/tracevault/server/client"
)

// BatchSize is how many records one upload request carries.
const BatchSize = 500

// Options are push's inputs.
type Options struct {
	Server string // base URL; --server or TRACEVAULT_SERVER
	Org    string // --org or TRACEVAULT_ORG
	Token  string // TRACEVAULT_TOKEN (or --token)
	Repo   string // --repo, default: the URL of remote origin
	All    bool   // upload every record, not only those not pushed before
}

// NewCmdPush returns the push command.
func NewCmdPush(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{}
	cmd := &cobra.Command{
		Use:   "push --server URL",
		Short: "Upload this repository's trace records to a TraceVault server",
		Long: `Upload every signed record of this repository's writer chains
(refs/tracevault/log/*) that this command has not uploaded to the server
before. Uploading is idempotent with the server's mirroring: a record the
server already has is reported as a duplicate and stored once.

The API key comes from TRACEVAULT_TOKEN (or --token); the server URL and
org from --server/TRACEVAULT_SERVER and --org/TRACEVAULT_ORG.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Server = or(opts.Server, f.Getenv("TRACEVAULT_SERVER"))
			opts.Org = or(opts.Org, or(f.Getenv("TRACEVAULT_ORG"), "default"))
			opts.Token = or(opts.Token, f.Getenv("TRACEVAULT_TOKEN"))
			if opts.Server == "" {
				return cmdutil.FlagErrorf("--server (or TRACEVAULT_SERVER) is required")
			}
			if opts.Token == "" {
				return cmdutil.FlagErrorf("TRACEVAULT_TOKEN (or --token) is required")
			}
			if runF != nil {
				return runF(opts)
			}
			return pushRun(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().StringVar(&opts.Server, "server", "", "Server URL (env TRACEVAULT_SERVER)")
	cmd.Flags().StringVar(&opts.Org, "org", "", "Org (env TRACEVAULT_ORG; default \"default\")")
	cmd.Flags().StringVar(&opts.Token, "token", "", "API key (prefer env TRACEVAULT_TOKEN)")
	cmd.Flags().StringVar(&opts.Repo, "repo", "", "Repository URL as registered on the server (default: remote origin)")
	cmd.Flags().BoolVar(&opts.All, "all", false, "Upload every record, not only new ones")
	return cmd
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func pushRun(ctx context.Context, f *cmdutil.Factory, opts *Options) error {
	if ctx == nil {
		ctx = context.Background()
	}
	repo, err := repoctx.Open(ctx, f)
	if err != nil {
		return err
	}
	defer repo.Close()
	if opts.Repo == "" {
		opts.Repo = repo.Config(ctx, "remote.origin.url")
	}
	c, err := client.New(opts.Server, opts.Org, opts.Token, nil)
	if err != nil {
		return cmdutil.FlagErrorf("%v", err)
	}
	statePath := filepath.Join(repo.Store.CommonDir(), "tracevault", "push", stateName(opts.Server, opts.Org)+".json")
	state := map[string]int64{}
	if !opts.All {
		if b, err := os.ReadFile(statePath); err == nil {
			_ = json.Unmarshal(b, &state)
		}
	}
	recs, err := LocalRecords(ctx, repo)
	if err != nil {
		return err
	}
	var unsent []record.Stored
	for _, r := range recs {
		if r.Envelope.Seq > state[r.Envelope.Writer] {
			unsent = append(unsent, r)
		}
	}
	sum, err := upload(ctx, c, opts.Repo, unsent, state)
	if werr := saveState(statePath, state); werr != nil && err == nil {
		err = werr
	}
	io := f.IOStreams
	fmt.Fprintf(io.Out, "%d records: %d stored, %d already on the server, %d quarantined; log size %d\n",
		len(unsent), sum.Stored, sum.Duplicate, sum.Quarantined, sum.LogSize)
	for _, o := range sum.refused {
		fmt.Fprintf(io.ErrOut, "quarantined %s/%d (%s): %s\n", o.Writer, o.Seq, o.Code, o.Reason)
	}
	if err != nil {
		return err
	}
	if sum.Quarantined > 0 {
		return cmdutil.ErrSilent
	}
	return nil
}

type summary struct {
	api.UploadResponse
	refused []api.Outcome
}

// upload sends unsent (grouped by writer, in chain order) in batches and
// advances state[writer] past every record the server now holds.
func upload(ctx context.Context, c *client.Client, repo string, unsent []record.Stored, state map[string]int64) (summary, error) {
	var sum summary
	blocked := map[string]bool{} // writers with a refused record: stop advancing
	for start := 0; start < len(unsent); start += BatchSize {
		batch := unsent[start:min(start+BatchSize, len(unsent))]
		recs := make([]api.Record, len(batch))
		for i, r := range batch {
			recs[i] = api.Record{Raw: r.Raw, Sig: []byte(r.Sig)}
		}
		resp, err := c.Upload(ctx, repo, recs)
		if err != nil {
			return sum, fmt.Errorf("uploading records %d-%d: %w", start+1, start+len(batch), err)
		}
		sum.Stored += resp.Stored
		sum.Duplicate += resp.Duplicate
		sum.Quarantined += resp.Quarantined
		sum.LogSize = resp.LogSize
		for i, o := range resp.Outcomes {
			w, seq := batch[i].Envelope.Writer, batch[i].Envelope.Seq
			if o.Status == api.StatusQuarantined {
				sum.refused = append(sum.refused, o)
				blocked[w] = true
				continue
			}
			if !blocked[w] && seq > state[w] {
				state[w] = seq
			}
		}
	}
	return sum, nil
}

// LocalRecords reads every record of the repository's writer chains,
// grouped by writer in chain order.
func LocalRecords(ctx context.Context, repo *repoctx.Repo) ([]record.Stored, error) {
	refs, err := repo.Store.ListRefs(ctx, record.LogPrefix)
	if err != nil {
		return nil, err
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i].Name < refs[j].Name })
	var out []record.Stored
	for _, ref := range refs {
		chain, err := record.ReadChain(ctx, repo.Store, ref.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, chain...)
	}
	return out, nil
}

func stateName(server, org string) string {
	h := sha256.Sum256([]byte(strings.TrimSuffix(server, "/") + "\n" + org))
	return hex.EncodeToString(h[:8])
}

func saveState(path string, state map[string]int64) error {
	b, err := json.MarshalIndent(state, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return errors.Join(err, os.Remove(tmp))
	}
	return nil
}
