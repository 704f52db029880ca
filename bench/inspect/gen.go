package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/capture/record"
	"github.com/tracevault/tracevault/gitstore"
	"github.com/tracevault/tracevault/gitstore/gitcli"
	"github.com/tracevault/tracevault/seal/sigkey"
)

// Shape of the generated repository.
const (
	nCommits   = 100_000
	noteEvery  = 5    // every 5th commit has a note: 20,000 notes
	bigLines   = 5000 // big.go
	bigTouches = 300  // commits that rewrite a block of big.go (all noted)
	blockLines = 17
	nWriters   = 5
	perSession = 4 // commit records per session record
)

func bigTouch(i int) (bool, int) {
	const step = nCommits / bigTouches
	if i%step != step/2 {
		return false, 0
	}
	return true, i / step
}

func noted(i int) bool {
	t, _ := bigTouch(i)
	return t || i%noteEvery == 0
}

// bigFile renders big.go after touch k: block j was last written by touch
// j's generation, so every touch changes blockLines lines.
func bigFile(gen []int) []byte {
	var b strings.Builder
	b.WriteString("package big\n\n")
	line := 3
	for f := 0; line+6 <= bigLines; f++ {
		blk := (line / blockLines) % len(gen)
		fmt.Fprintf(&b, "// F%d is generated.\nfunc F%d(x int) int {\n\ty := x * %d\n\ty += %d\n\treturn y\n}\n", f, f, gen[blk], f)
		line += 6
	}
	for ; line <= bigLines; line++ {
		b.WriteString("// end\n")
	}
	return []byte(b.String())
}

// generate builds the repository in dir with one git fast-import stream
// (commits, then notes; commit ids come back through get-mark) and writes
// the records with record.Writer in batches.
func generate(ctx context.Context, dir string) error {
	if err := run(dir, "git", "init", "-q", "-b", "main", dir); err != nil {
		return err
	}
	var keys []*sigkey.Key
	var signers strings.Builder
	for w := 0; w < nWriters; w++ {
		k, err := sigkey.Generate()
		if err != nil {
			return err
		}
		keys = append(keys, k)
		signers.WriteString(sigkey.Signer{WriterID: k.Public().WriterID(), Identity: fmt.Sprintf("dev%d@example.com", w), Key: k.Public()}.Line() + "\n")
	}
	fi := exec.Command("git", "-C", dir, "fast-import", "--quiet", "--done")
	stdin, _ := fi.StdinPipe()
	stdout, _ := fi.StdoutPipe()
	fi.Stderr = os.Stderr
	if err := fi.Start(); err != nil {
		return err
	}
	w := bufio.NewWriterSize(stdin, 1<<20)
	rd := bufio.NewReader(stdout)
	data := func(b []byte) { fmt.Fprintf(w, "data %d\n", len(b)); w.Write(b); w.WriteString("\n") }
	gen := make([]int, bigLines/blockLines+1)
	when := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	for i := 1; i <= nCommits; i++ {
		fmt.Fprintf(w, "commit refs/heads/main\nmark :%d\nauthor Dev%d <dev%d@example.com> %d +0000\ncommitter Dev <dev@example.com> %d +0000\n", i, i%7, i%7, when+int64(i)*60, when+int64(i)*60)
		data([]byte(fmt.Sprintf("change %d", i)))
		if i == 1 {
			w.WriteString("M 100644 inline .tracevault/allowed_signers\n")
			data([]byte(signers.String()))
			w.WriteString("M 100644 inline big.go\n")
			data(bigFile(gen))
		}
		if t, k := bigTouch(i); t {
			gen[(k*7)%len(gen)] = i
			w.WriteString("M 100644 inline big.go\n")
			data(bigFile(gen))
		} else {
			fmt.Fprintf(w, "M 100644 inline f/%d.txt\n", i%500)
			data([]byte(fmt.Sprintf("line %d\nline two\n", i)))
		}
	}
	// Ask for the ids of the noted commits; read the answers concurrently
	// so neither pipe fills up.
	var idx []int
	for i := 1; i <= nCommits; i++ {
		if noted(i) {
			idx = append(idx, i)
		}
	}
	ids := make([]string, len(idx))
	errc := make(chan error, 1)
	go func() {
		for n := range idx {
			line, err := rd.ReadString('\n')
			if err != nil {
				errc <- fmt.Errorf("get-mark: %w", err)
				return
			}
			ids[n] = strings.TrimSpace(line)
		}
		errc <- nil
	}()
	for _, i := range idx {
		fmt.Fprintf(w, "get-mark :%d\n", i)
	}
	w.Flush()
	if err := <-errc; err != nil {
		return err
	}
	notes, err := writeRecords(ctx, dir, keys, ids, idx, len(gen))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "commit refs/notes/tracevault\ncommitter Dev <dev@example.com> %d +0000\n", when)
	data([]byte("notes"))
	mark := make(map[string]int, len(ids))
	for n, id := range ids {
		mark[id] = idx[n]
	}
	for _, n := range notes {
		fmt.Fprintf(w, "N inline :%d\n", mark[n[0]])
		data([]byte(n[1]))
	}
	w.WriteString("done\n")
	w.Flush()
	stdin.Close()
	io.Copy(io.Discard, rd)
	if err := fi.Wait(); err != nil {
		return fmt.Errorf("fast-import: %w", err)
	}
	return run(dir, "git", "-C", dir, "reset", "-q", "--hard", "main")
}

// writeRecords appends a session record then perSession commit records,
// round robin over the writers, and returns each noted commit's note.
func writeRecords(ctx context.Context, dir string, keys []*sigkey.Key, ids []string, idx []int, ngen int) ([][2]string, error) {
	st, err := gitcli.Open(ctx, dir)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	items := make([][]record.Item, len(keys))
	for n, id := range ids {
		wi := (n / perSession) % len(keys)
		wid := keys[wi].Public().WriterID()
		sid := fmt.Sprintf("sess-%d", n/perSession)
		if n%perSession == 0 {
			items[wi] = append(items[wi], record.Item{Type: record.TypeSession, Body: session(sid)})
		}
		seq := len(items[wi]) - (n % perSession) // the session record's seq
		items[wi] = append(items[wi], record.Item{Type: record.TypeCommit, Body: attribution(id, sid, fmt.Sprintf("%s/%d", wid, seq), idx[n], ngen)})
	}
	var notes [][2]string
	for wi, k := range keys {
		wr := &record.Writer{Store: st, Key: k, Identity: gitstore.Signature{Name: "Dev", Email: "dev@example.com"}, Now: time.Now}
		for start := 0; start < len(items[wi]); start += 2000 {
			out, err := wr.Append(ctx, items[wi][start:min(start+2000, len(items[wi]))])
			if err != nil {
				return nil, err
			}
			for i := range out {
				if out[i].Envelope.Type != record.TypeCommit {
					continue
				}
				c, _ := out[i].Envelope.Commit()
				note, err := record.RenderNote(&out[i])
				if err != nil {
					return nil, err
				}
				notes = append(notes, [2]string{c.Commit, string(note)})
			}
		}
	}
	return notes, nil
}

func session(id string) *capture.Session {
	cost := 0.0123
	t := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	return &capture.Session{Version: 1, ID: id, Agent: "claude-code", Author: capture.Identity{Name: "Dev", Email: "dev@example.com"},
		StartedAt: t, EndedAt: t.Add(time.Minute), Evidence: "hooks", Models: []string{"claude-sonnet-4-5"},
		Prompts:   []capture.Prompt{{Time: t, Text: "please change the code"}},
		ToolCalls: []capture.ToolCall{{ID: "toolu_1", Name: "Edit", Status: "ok"}, {ID: "toolu_2", Name: "Bash", Status: "ok"}},
		Edits:     []capture.FileEdit{{ToolUseID: "toolu_1", Tool: "Edit", Path: "big.go", Op: "modify", Added: 3, Removed: 3}},
		Usage:     []capture.ModelUsage{{Model: "claude-sonnet-4-5", Tokens: capture.Tokens{Input: 1200, Output: 300, CacheRead: 5000}, CostUSD: &cost, Requests: 3}},
		Total:     capture.ModelUsage{Tokens: capture.Tokens{Input: 1200, Output: 300, CacheRead: 5000}, CostUSD: &cost, Requests: 3}}
}

func attribution(commit, sid, srec string, i, ngen int) *record.CommitAttribution {
	a := &record.CommitAttribution{Commit: commit, Evidence: "hooks",
		Sessions: []record.SessionRef{{ID: sid, Agent: "claude-code", Models: []string{"claude-sonnet-4-5"}, Record: srec}}}
	rng := func(s, e int) []record.Range {
		return []record.Range{{Start: s, End: e, Session: sid, Agent: "claude-code", Model: "claude-sonnet-4-5", Tool: "toolu_1"}}
	}
	if t, k := bigTouch(i); t {
		// the functions of block b start at the lines 3+6m with (3+6m)/blockLines == b
		b := (k * 7) % ngen
		start, end := 0, 0
		for line := 3; line+6 <= bigLines; line += 6 {
			if line/blockLines == b {
				if start == 0 {
					start = line
				}
				end = line + 5
			}
		}
		if start == 0 {
			start, end = 1, 1
		}
		n := end - start + 1
		a.Files = []record.FileAttr{{Path: "big.go", Added: n, AI: n, Ranges: rng(start, end)}}
		a.AILines = n
		return a
	}
	a.Files = []record.FileAttr{{Path: fmt.Sprintf("f/%d.txt", i%500), Added: 2, AI: 1, Human: 1, Ranges: rng(1, 1)}}
	a.AILines, a.HumanLines = 1, 1
	return a
}

func run(dir string, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return nil
}
