// Package hookwire is the exchange between the agent hook's lean client
// (tracevault-hook) and the repository's lingering hook server (the
// tracevault-hookd process that also watches the work tree): the client
// forwards its command line, working directory, environment and standard
// input; the server runs the hook on them, as the client would have, and
// returns its exit code and output. The client then starts in the time a
// hello-world program does, and the server, warm, does the work without
// paying for the start-up of the packages it needs.
//
// # Wire format
//
// One request and one reply per connection on the Unix stream socket
// state/hook.sock under the spool directory (0600). uvarint is
// encoding/binary's unsigned LEB128, minimal; a string is a uvarint length
// and its bytes.
//
//	request:  "TVH1"  cwd string  argc uvarint, argc strings
//	          envc uvarint, envc "KEY=value" strings  stdin string
//	reply:    length   4 bytes, big-endian: the bytes that follow
//	          "TVH1"
//	          status   1 byte: 0 ran; 1 stale (the server's executable
//	                   changed since it started: the client runs the hook
//	                   itself, and the server exits)
//	          code uvarint  stdout string  stderr string
//
// Strings are at most 1 GiB; a request's stdin at most [MaxStdin]+1 bytes
// (the hook's own limit, and one more byte to tell a longer input).
package hookwire

import (
	"encoding/binary"
	"errors"

	"github.com/tracevault/tracevault/capture/internal/wire"
)

const (
	magic = "TVH1"
	// SocketName is the hook server's socket in the spool's state directory.
	SocketName = "hook.sock"
	// MaxStdin is what the hook keeps of its standard input.
	MaxStdin = 256 << 20
	maxField = 1 << 30
)

// NoServerEnv is set in the environment of the hook the client runs itself
// because no server answered: that hook starts one.
const NoServerEnv = "TRACEVAULT_HOOK_NO_SERVER"

// Request is what the client forwards.
type Request struct {
	Cwd   string
	Args  []string
	Env   []string
	Stdin []byte
}

// Status of a [Reply].
const (
	Ran   = 0
	Stale = 1
)

// Reply is what the server returns.
type Reply struct {
	Status byte
	Code   int
	Stdout []byte
	Stderr []byte
}

func appendStr(b []byte, s []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// AppendRequest encodes r.
func AppendRequest(b []byte, r *Request) []byte {
	return append(AppendRequestHead(b, r, len(r.Stdin)), r.Stdin...)
}

// AppendRequestHead encodes r up to its stdin, whose length is n: the
// stdin bytes follow, written separately (no copy of a large payload).
func AppendRequestHead(b []byte, r *Request, n int) []byte {
	b = append(b, magic...)
	b = appendStr(b, []byte(r.Cwd))
	b = binary.AppendUvarint(b, uint64(len(r.Args)))
	for _, a := range r.Args {
		b = appendStr(b, []byte(a))
	}
	b = binary.AppendUvarint(b, uint64(len(r.Env)))
	for _, e := range r.Env {
		b = appendStr(b, []byte(e))
	}
	return binary.AppendUvarint(b, uint64(n))
}

// ParseRequest decodes a whole request.
func ParseRequest(b []byte) (*Request, error) {
	d := wire.Reader{B: b}
	if string(d.Take(len(magic))) != magic {
		return nil, errors.New("not a hook request")
	}
	r := &Request{Cwd: string(d.Field(maxField))}
	for n := d.Uvarint(); n > 0 && d.Err == nil; n-- {
		r.Args = append(r.Args, string(d.Field(maxField)))
	}
	for n := d.Uvarint(); n > 0 && d.Err == nil; n-- {
		r.Env = append(r.Env, string(d.Field(maxField)))
	}
	r.Stdin = d.Field(maxField)
	if d.Err == nil && len(d.B) != 0 {
		d.Err = errors.New("trailing bytes")
	}
	if d.Err != nil {
		return nil, errors.New("hook request: " + d.Err.Error())
	}
	return r, nil
}

// AppendReply encodes r with its length prefix.
func AppendReply(b []byte, r *Reply) []byte {
	start := len(b)
	b = append(b, 0, 0, 0, 0)
	b = append(b, magic...)
	b = append(b, r.Status)
	b = binary.AppendUvarint(b, uint64(r.Code))
	b = appendStr(b, r.Stdout)
	b = appendStr(b, r.Stderr)
	binary.BigEndian.PutUint32(b[start:], uint32(len(b)-start-4))
	return b
}

// ParseReply decodes a reply without its length prefix.
func ParseReply(b []byte) (*Reply, error) {
	d := wire.Reader{B: b}
	if string(d.Take(len(magic))) != magic {
		return nil, errors.New("not a hook reply")
	}
	r := &Reply{}
	if s := d.Take(1); s != nil {
		r.Status = s[0]
	}
	code := d.Uvarint()
	r.Code = int(code)
	r.Stdout, r.Stderr = d.Field(maxField), d.Field(maxField)
	if d.Err == nil && (len(d.B) != 0 || r.Status > Stale || code > 255) {
		d.Err = errors.New("malformed")
	}
	if d.Err != nil {
		return nil, errors.New("hook reply: " + d.Err.Error())
	}
	return r, nil
}
