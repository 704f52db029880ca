package gitcli

import (
	"bytes"
	"compress/zlib"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tracevault/tracevault/gitstore"
)

// Loose objects are written in process, exactly as git's
// write_loose_object does, instead of by a `git unpack-objects` process:
//
//   - the file is objects/<2 hex>/<38 hex>, holding the zlib stream of
//     "<type> <size>\x00<data>" at git's default loose compression (level 1,
//     core.looseCompression);
//   - an object already stored loose is only freshened (its mtime set to
//     now, so a concurrent prune keeps it);
//   - otherwise it is written to objects/<2 hex>/tmp_obj_<random>, mode
//     0444 (before umask), created with O_EXCL, then hard-linked to its
//     name (renamed where links fail); an existing file of that name wins,
//     which is correct because the name is the content's hash. The fan-out
//     directory is created only when the temporary file cannot be;
//   - like git's defaults, loose objects are not fsynced.
//
// Settings that change any of this (core.sharedRepository, which adjusts
// permissions, and the fsync settings core.fsync, core.fsyncMethod and
// core.fsyncObjectFiles) send writes to git instead; so do a nonstandard
// object directory and compression settings, so no git setting is ever
// ignored. [Store.SetWriteConfig] lets a caller that reads git config
// anyway save the `git config` process that otherwise answers this once.

// WriteConfigPattern is the `git config --get-regexp` pattern (lower-case
// keys) of the settings that decide whether the Store writes loose objects
// in process; see [Store.SetWriteConfig].
const WriteConfigPattern = `^core\.(sharedrepository|fsync|fsyncmethod|fsyncobjectfiles|compression|loosecompression)$`

// nativeConfig reports whether the settings allow in-process writes.
func nativeConfig(kvs map[string]string) bool {
	for k, v := range kvs {
		switch strings.ToLower(k) {
		case "core.sharedrepository":
			switch strings.ToLower(v) {
			case "", "false", "no", "off", "umask", "0":
			default:
				return false
			}
		case "core.fsyncobjectfiles":
			switch strings.ToLower(v) {
			case "false", "no", "off", "0":
			default:
				return false
			}
		case "core.compression", "core.loosecompression":
			if v != "1" {
				return false
			}
		case "core.fsync", "core.fsyncmethod":
			return false
		}
	}
	return true
}

// SetWriteConfig tells the Store the values of the git settings matching
// [WriteConfigPattern] (keys as `git config` prints them; absent keys are
// unset), for a caller that reads git config anyway. Without it the Store
// asks git once, at its first write.
func (s *Store) SetWriteConfig(kvs map[string]string) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.native, s.nativeKnown = nativeConfig(kvs), true
}

// writeNative reports whether objects may be written in process, asking
// git config once.
func (s *Store) writeNative(ctx context.Context) (bool, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.nativeKnown {
		return s.native, nil
	}
	if s.objectDir != filepath.Join(s.commonDir, "objects") {
		s.native, s.nativeKnown = false, true
		return false, nil
	}
	out, err := s.run(ctx, nil, "config", "-z", "--get-regexp", WriteConfigPattern)
	if err != nil && exitCode(err) != 1 { // 1: none set
		return false, fmt.Errorf("reading object settings: %w", err)
	}
	kvs := map[string]string{}
	for _, kv := range strings.Split(string(out), "\x00") {
		if k, v, _ := strings.Cut(kv, "\n"); k != "" {
			kvs[k] = v
		}
	}
	s.native, s.nativeKnown = nativeConfig(kvs), true
	return s.native, nil
}

// zlibWriters keeps level-1 zlib writers for reuse: each carries ≈1 MB
// of compressor state, which would otherwise be garbage after every write.
var zlibWriters = sync.Pool{New: func() any {
	zw, _ := zlib.NewWriterLevel(nil, zlib.BestSpeed)
	return zw
}}

// writeLoose writes objs (distinct, checked, with ids hs) as loose
// objects, leaving out those the repository has already (loose ones are
// freshened).
func (s *Store) writeLoose(ctx context.Context, objs []gitstore.Object, hs []gitstore.Hash) error {
	have := map[gitstore.Hash]bool{}
	err := s.readBatch(ctx, hs, func(h gitstore.Hash, _ gitstore.Object, ok bool) { have[h] = ok })
	if err != nil {
		return err
	}
	zw := zlibWriters.Get().(*zlib.Writer)
	defer zlibWriters.Put(zw)
	var buf bytes.Buffer
	for i, o := range objs {
		if err := s.writeLooseOne(o, hs[i], have[hs[i]], zw, &buf); err != nil {
			return fmt.Errorf("writing object %s: %w", hs[i], err)
		}
	}
	return nil
}

func (s *Store) writeLooseOne(o gitstore.Object, h gitstore.Hash, have bool, zw *zlib.Writer, buf *bytes.Buffer) error {
	hex := h.String()
	dir := filepath.Join(s.objectDir, hex[:2])
	path := filepath.Join(dir, hex[2:])
	if freshen(path) || have {
		return nil
	}
	buf.Reset()
	zw.Reset(buf)
	zw.Write([]byte(string(o.Type) + " " + strconv.Itoa(len(o.Data)) + "\x00"))
	zw.Write(o.Data)
	if err := zw.Close(); err != nil {
		return err
	}
	tmp, err := writeTemp(dir, buf.Bytes())
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); err == nil || errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err := os.Rename(tmp, path); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return nil
}

// freshen sets the mtime of an existing loose object to now, as git does
// before skipping a write; false when there is none (or it cannot be
// touched, in which case git writes it again too).
func freshen(path string) bool {
	now := time.Now()
	return os.Chtimes(path, now, now) == nil
}

// writeTemp writes data to a new tmp_obj_* file in dir, creating dir when
// needed, and returns its path.
func writeTemp(dir string, data []byte) (string, error) {
	for attempt := 0; ; attempt++ {
		var rnd [6]byte
		rand.Read(rnd[:])
		name := filepath.Join(dir, "tmp_obj_"+hex.EncodeToString(rnd[:]))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o444)
		switch {
		case errors.Is(err, fs.ErrNotExist) && attempt < 3:
			if err := os.Mkdir(dir, 0o777); err != nil && !errors.Is(err, fs.ErrExist) {
				return "", err
			}
			continue
		case errors.Is(err, fs.ErrExist) && attempt < 3:
			continue
		case err != nil:
			return "", err
		}
		_, werr := f.Write(data)
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			os.Remove(name)
			return "", werr
		}
		return name, nil
	}
}
