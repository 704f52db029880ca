package gitcli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"

	"github.com/tracevault/tracevault/gitstore"
)

// catFile is a running `git cat-file --batch`.
type catFile struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
}

func (s *Store) startCatFile() (*catFile, error) {
	args := []string{"--git-dir=" + s.gitDir, "cat-file", "--batch"}
	// Not CommandContext: the process outlives any one request.
	cmd := exec.Command(s.git, args...) //nolint:gosec // fixed arguments
	cmd.Env = s.env
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, &gitstore.GitError{Args: args, ExitCode: -1, Err: err}
	}
	return &catFile{cmd: cmd, stdin: in, stdout: bufio.NewReaderSize(out, 64<<10)}, nil
}

func (c *catFile) close() error {
	c.stdin.Close()
	err := c.cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) && !ee.Exited() {
		return nil // killed after a cancelled read
	}
	return err
}

// StartReader starts the long-lived cat-file process now, without
// waiting for it, so that its start-up overlaps other work; reads would
// otherwise start it on first use.
func (s *Store) StartReader() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cat != nil {
		return nil
	}
	c, err := s.startCatFile()
	if err != nil {
		return fmt.Errorf("starting git cat-file: %w", err)
	}
	s.cat = c
	return nil
}

// readBatch asks cat-file for every hash and calls fn for each answer in
// order; missing objects are reported with ok=false. Requests are written
// from a goroutine so that a large batch cannot deadlock on full pipes.
func (s *Store) readBatch(ctx context.Context, hs []gitstore.Hash, fn func(h gitstore.Hash, o gitstore.Object, ok bool)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cat == nil {
		c, err := s.startCatFile()
		if err != nil {
			return fmt.Errorf("starting git cat-file: %w", err)
		}
		s.cat = c
	}
	c := s.cat
	stop := context.AfterFunc(ctx, func() { c.cmd.Process.Kill() })
	werr := make(chan error, 1)
	go func() {
		w := bufio.NewWriterSize(c.stdin, 64<<10)
		for _, h := range hs {
			w.WriteString(h.String())
			w.WriteByte('\n')
		}
		werr <- w.Flush()
	}()
	err := readAnswers(c.stdout, hs, fn)
	if err != nil {
		c.cmd.Process.Kill() // unblocks the writer
	}
	if e := <-werr; err == nil && e != nil {
		err = e
	}
	if !stop() {
		err = ctx.Err()
	}
	if err != nil {
		// The stream is out of step (or dead); start afresh next time.
		c.cmd.Process.Kill()
		c.close()
		s.cat = nil
		return fmt.Errorf("reading objects with git cat-file: %w", err)
	}
	return nil
}

func readAnswers(r *bufio.Reader, hs []gitstore.Hash, fn func(gitstore.Hash, gitstore.Object, bool)) error {
	for _, h := range hs {
		line, err := r.ReadString('\n')
		if err != nil {
			return err
		}
		typ, size, missing, err := parseBatchHeader(line, h)
		if err != nil {
			return err
		}
		if missing {
			fn(h, gitstore.Object{}, false)
			continue
		}
		data := make([]byte, size+1)
		if _, err := io.ReadFull(r, data); err != nil {
			return err
		}
		if data[size] != '\n' {
			return fmt.Errorf("cat-file: object %s not followed by newline", h)
		}
		fn(h, gitstore.Object{Type: typ, Data: data[:size]}, true)
	}
	return nil
}

// parseBatchHeader parses "<hash> <type> <size>\n" or "<hash> missing\n".
func parseBatchHeader(line string, want gitstore.Hash) (typ gitstore.ObjectType, size int, missing bool, err error) {
	f := strings.Fields(line)
	if len(f) == 2 && f[1] == "missing" && f[0] == want.String() {
		return "", 0, true, nil
	}
	if len(f) != 3 || f[0] != want.String() || !strings.HasSuffix(line, "\n") {
		return "", 0, false, fmt.Errorf("cat-file: unexpected header %q for %s", line, want)
	}
	typ = gitstore.ObjectType(f[1])
	size, err = strconv.Atoi(f[2])
	if !typ.Valid() || err != nil || size < 0 || strconv.Itoa(size) != f[2] {
		return "", 0, false, fmt.Errorf("cat-file: unexpected header %q for %s", line, want)
	}
	return typ, size, false, nil
}
