// Package verify implements "tracevault seal verify": fetch the org's
// latest signed checkpoint and proofs from a server and verify, offline,
// that the log only grew since this repository last looked and that every
// local record is sealed in it unaltered.
package verify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/tracevault/tracevault/capture/record"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/cmdutil"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/repoctx"
	"github.com/tracevault/tracevault/seal"
	"github.com/tracevault/tracevault/server/client"
)

// Options are verify's inputs.
type Options struct {
	Server string
	Org    string
	Token  string
	// Keys are trusted note verifier keys of the org's log (--key, or
	// TRACEVAULT_SEAL_KEY); without them the keys pinned on first use in
	// the repository are trusted.
	Keys []string
	// AllowUnsealed accepts local records the log does not hold yet.
	AllowUnsealed bool
}

// NewCmdVerify returns the verify command.
func NewCmdVerify(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{}
	cmd := &cobra.Command{
		Use:   "verify --server URL",
		Short: "Verify the server's log offline: signed checkpoint, consistency, inclusion of local records",
		Long: `Fetch the org's latest signed checkpoint, a consistency proof from the
checkpoint this repository saw last, and an inclusion proof for every local
record, then verify all of them offline with the org's public key:

  - the checkpoint is signed by a trusted key (--key or TRACEVAULT_SEAL_KEY,
    else the keys pinned in .git/tracevault/seal on first use);
  - the log only grew since the last verified checkpoint (a rolled-back or
    forked log fails);
  - every record in refs/tracevault/log/* is sealed, and the server's stored
    copy hashes to its leaf and equals the local bytes.

The verified checkpoint is then remembered. Exit status 4 means the log
did not verify.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Server = or(opts.Server, f.Getenv("TRACEVAULT_SERVER"))
			opts.Org = or(opts.Org, or(f.Getenv("TRACEVAULT_ORG"), "default"))
			opts.Token = or(opts.Token, f.Getenv("TRACEVAULT_TOKEN"))
			if k := f.Getenv("TRACEVAULT_SEAL_KEY"); k != "" && len(opts.Keys) == 0 {
				opts.Keys = strings.Fields(k)
			}
			if opts.Server == "" {
				return cmdutil.FlagErrorf("--server (or TRACEVAULT_SERVER) is required")
			}
			if runF != nil {
				return runF(opts)
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			return verifyRun(ctx, f, opts)
		},
	}
	cmd.Flags().StringVar(&opts.Server, "server", "", "Server URL (env TRACEVAULT_SERVER)")
	cmd.Flags().StringVar(&opts.Org, "org", "", "Org (env TRACEVAULT_ORG; default \"default\")")
	cmd.Flags().StringVar(&opts.Token, "token", "", "API key (prefer env TRACEVAULT_TOKEN)")
	cmd.Flags().StringArrayVar(&opts.Keys, "key", nil, "Trusted verifier key of the org's log (repeatable)")
	cmd.Flags().BoolVar(&opts.AllowUnsealed, "allow-unsealed", false, "Do not fail on local records the log does not hold yet")
	return cmd
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// failure is a verification failure: exit status 4.
func failure(format string, args ...any) error {
	return &cmdutil.ExitError{Code: cmdutil.ExitVerification, Err: fmt.Errorf(format, args...)}
}

func verifyRun(ctx context.Context, f *cmdutil.Factory, opts *Options) error {
	repo, err := repoctx.Open(ctx, f)
	if err != nil {
		return err
	}
	defer repo.Close()
	c, err := client.New(opts.Server, opts.Org, opts.Token, nil)
	if err != nil {
		return cmdutil.FlagErrorf("%v", err)
	}
	st := stateFiles(repo.Store.CommonDir(), opts.Server, opts.Org)
	cp, msg, err := verifyCheckpoint(ctx, c, st, opts)
	if err != nil {
		return err
	}
	recs, err := localRecords(ctx, repo)
	if err != nil {
		return err
	}
	sealed, unsealed, err := verifyRecords(ctx, c, cp, recs)
	if err != nil {
		return err
	}
	if unsealed > 0 && !opts.AllowUnsealed {
		return failure("%d local records are not in the log of %d leaves (push them, or pass --allow-unsealed)", unsealed, cp.Size)
	}
	if err := os.WriteFile(st.checkpoint, msg, 0o644); err != nil {
		return fmt.Errorf("remembering the checkpoint: %w", err)
	}
	fmt.Fprintf(f.IOStreams.Out, "ok: log %s at size %d verified; %d local records sealed", cp.Origin, cp.Size, sealed)
	if unsealed > 0 {
		fmt.Fprintf(f.IOStreams.Out, ", %d not yet", unsealed)
	}
	fmt.Fprintln(f.IOStreams.Out)
	return nil
}

// state is where the repository remembers one server org's log.
type state struct {
	keys       string // pinned verifier keys, one a line
	checkpoint string // the last verified checkpoint note
}

func stateFiles(commonDir, server, org string) state {
	u, _ := url.Parse(server)
	host := "server"
	if u != nil && u.Host != "" {
		host = strings.NewReplacer(":", "_", "/", "_").Replace(u.Host)
	}
	dir := filepath.Join(commonDir, "tracevault", "seal", host, org)
	_ = os.MkdirAll(dir, 0o755)
	return state{keys: filepath.Join(dir, "keys"), checkpoint: filepath.Join(dir, "checkpoint")}
}

// verifyCheckpoint fetches the latest checkpoint and checks its signature
// and its consistency with the last one verified here.
func verifyCheckpoint(ctx context.Context, c *client.Client, st state, opts *Options) (seal.Checkpoint, []byte, error) {
	trusted := opts.Keys
	pinned := false
	if len(trusted) == 0 {
		if b, err := os.ReadFile(st.keys); err == nil {
			trusted, pinned = strings.Fields(string(b)), true
		}
	}
	if len(trusted) == 0 { // first use: trust and pin what the server says
		pk, err := c.PublicKey(ctx)
		if err != nil {
			return seal.Checkpoint{}, nil, err
		}
		for _, k := range pk.Keys {
			trusted = append(trusted, k.VerifierKey)
		}
		if err := os.WriteFile(st.keys, []byte(strings.Join(trusted, "\n")+"\n"), 0o644); err != nil {
			return seal.Checkpoint{}, nil, err
		}
	}
	known, err := seal.VerifiersFor(trusted...)
	if err != nil {
		return seal.Checkpoint{}, nil, fmt.Errorf("trusted keys: %w", err)
	}
	msg, err := c.Checkpoint(ctx, -1)
	if err != nil {
		return seal.Checkpoint{}, nil, err
	}
	cp, _, err := seal.OpenCheckpoint(msg, known)
	if err != nil {
		return cp, nil, failure("checkpoint: %v", err)
	}
	var old []byte
	if b, err := os.ReadFile(st.checkpoint); err == nil {
		old = b
	}
	w, err := seal.NewWitness(cp.Origin, known, old)
	if err != nil {
		return cp, nil, failure("remembered checkpoint: %v", err)
	}
	var proof tlog.TreeProof
	if prev, _ := w.Latest(); old != nil && prev.Size < cp.Size {
		cons, err := c.Consistency(ctx, prev.Size, cp.Size)
		if err != nil {
			return cp, nil, failure("consistency proof from size %d to %d: %v", prev.Size, cp.Size, err)
		}
		if proof, err = hashes(cons.Proof); err != nil {
			return cp, nil, failure("%v", err)
		}
	}
	if _, err := w.Update(msg, proof); err != nil {
		return cp, nil, failure("%v", err)
	}
	if pinned {
		pinCosigners(ctx, c, st, trusted, msg)
	}
	return cp, msg, nil
}

// pinCosigners adds to the pinned keys every key the server lists whose
// signature on msg (already verified with a pinned key) also verifies: how
// a key rotation reaches clients without trusting the server's word alone.
func pinCosigners(ctx context.Context, c *client.Client, st state, trusted []string, msg []byte) {
	pk, err := c.PublicKey(ctx)
	if err != nil {
		return
	}
	have := map[string]bool{}
	for _, k := range trusted {
		have[k] = true
	}
	added := false
	for _, k := range pk.Keys {
		if have[k.VerifierKey] {
			continue
		}
		v, err := seal.VerifiersFor(k.VerifierKey)
		if err != nil {
			continue
		}
		if _, _, err := seal.OpenCheckpoint(msg, v); err == nil {
			trusted, added = append(trusted, k.VerifierKey), true
		}
	}
	if added {
		_ = os.WriteFile(st.keys, []byte(strings.Join(trusted, "\n")+"\n"), 0o644)
	}
}

// verifyRecords checks each local record's inclusion: the server's copy
// must hash to its leaf, equal the local bytes, and be proven in cp.
func verifyRecords(ctx context.Context, c *client.Client, cp seal.Checkpoint, recs []record.Stored) (sealed, unsealed int, err error) {
	for _, r := range recs {
		sum := sha256.Sum256(r.Raw)
		h := "sha256:" + hex.EncodeToString(sum[:])
		inc, err := c.InclusionByRecord(ctx, h, cp.Size)
		if client.IsNotFound(err) {
			unsealed++
			continue
		}
		if err != nil {
			return sealed, unsealed, err
		}
		p, err := hashes(inc.Proof)
		if err != nil {
			return sealed, unsealed, failure("%v", err)
		}
		if err := seal.VerifyRecord(cp, inc.Record, inc.Leaf, inc.Index, p); err != nil {
			return sealed, unsealed, failure("record %s (leaf %d): the server's stored copy does not verify: %v", r.Envelope.ID(), inc.Index, err)
		}
		if string(inc.Record) != string(r.Raw) {
			return sealed, unsealed, failure("record %s (leaf %d): the server's copy differs from the local record", r.Envelope.ID(), inc.Index)
		}
		sealed++
	}
	return sealed, unsealed, nil
}

func hashes(b [][]byte) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(b))
	for i, h := range b {
		if len(h) != tlog.HashSize {
			return nil, errors.New("malformed proof from server")
		}
		out[i] = tlog.Hash(h)
	}
	return out, nil
}

func localRecords(ctx context.Context, repo *repoctx.Repo) ([]record.Stored, error) {
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
