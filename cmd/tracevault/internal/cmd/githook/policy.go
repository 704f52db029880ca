package githook

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/tracevault/tracevault/cmd/tracevault/internal/cmd/check"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/cmdutil"
)

// prePushPolicy runs "tracevault check" on the refs being pushed (git's
// pre-push lines on stdin, "<remote> <url>" as arguments). It reads stdin
// whole and puts the bytes back on f.IOStreams.In, so a later pre-push step
// reads the same lines. A block is an *cmdutil.ExitError with code 3; the
// hook block init installs passes it on, and git refuses the push.
func prePushPolicy(ctx context.Context, f *cmdutil.Factory, opts *Options) error {
	in, err := io.ReadAll(io.LimitReader(f.IOStreams.In, 16<<20))
	if err != nil {
		return fmt.Errorf("pre-push: reading standard input: %w", err)
	}
	f.IOStreams.In = bytes.NewReader(in)
	remote, url := "", ""
	if len(opts.Args) > 0 {
		remote = opts.Args[0]
	}
	if len(opts.Args) > 1 {
		url = opts.Args[1]
	}
	return check.RunPrePush(ctx, f, remote, url, in)
}
