package install

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
)

// manifestVersion is the only manifest format this package reads.
const manifestVersion = 1

// manifest records what Install changed, so Uninstall can put it back. It is
// stored as JSON at <git-common-dir>/tracevault/install/manifest.json; see
// the package documentation for the format.
type manifest struct {
	Version int            `json:"version"`
	Files   []fileRecord   `json:"files"`
	Dirs    []string       `json:"created_dirs,omitempty"`
	Config  []configRecord `json:"config,omitempty"`
}

// fileRecord is one file Install changed.
type fileRecord struct {
	// Path is relative to the work tree top (slash-separated) when inside
	// it, absolute otherwise.
	Path string `json:"path"`
	// Kind says how to remove our part surgically: "agent:<agent>",
	// "git-hook:<hook>", or "file" (a caller-supplied file).
	Kind string `json:"kind"`
	// Absent is true when the file did not exist before the first Install.
	Absent bool `json:"absent,omitempty"`
	// Mode is the original permission bits in octal, e.g. "0644".
	Mode string `json:"mode,omitempty"`
	// Original is the file's exact bytes before the first Install (base64).
	Original []byte `json:"original,omitempty"`
	// Installed is the SHA-256 (hex) of the bytes the last Install left.
	Installed string `json:"installed_sha256"`
	// Edited is set when a later Install found the file changed by someone
	// else since the previous one: Uninstall must then remove only our part.
	Edited bool `json:"edited_after_install,omitempty"`
}

// configRecord is one git configuration value Install set or added.
type configRecord struct {
	Key   string `json:"key"`
	Value string `json:"value"`
	// Add is true for multi-valued keys where Install appended Value with
	// `git config --add`; Uninstall removes exactly that value.
	Add bool `json:"add,omitempty"`
	// Absent and Original hold the key's values before Install (Set only).
	Absent   bool     `json:"absent,omitempty"`
	Original []string `json:"original,omitempty"`
}

func (r *repo) manifestPath() string {
	return filepath.Join(r.gitDir, "tracevault", "install", "manifest.json")
}

// loadManifest reads the manifest; a missing one is returned as nil with no
// error.
func (r *repo) loadManifest() (*manifest, fileState, error) {
	path := r.manifestPath()
	st, err := readState(path)
	if err != nil || !st.exists {
		return nil, st, err
	}
	var m manifest
	if err := json.Unmarshal(st.data, &m); err != nil {
		return nil, st, fmt.Errorf("reading install manifest %s: %w", path, err)
	}
	if m.Version != manifestVersion {
		return nil, st, fmt.Errorf("reading install manifest %s: unsupported version %d", path, m.Version)
	}
	return &m, st, nil
}

func encodeManifest(m *manifest) []byte {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		panic("install: encoding manifest: " + err.Error())
	}
	return append(data, '\n')
}

func (m *manifest) file(path string) *fileRecord {
	for i := range m.Files {
		if m.Files[i].Path == path {
			return &m.Files[i]
		}
	}
	return nil
}

func (m *manifest) config(key, value string, add bool) *configRecord {
	for i := range m.Config {
		c := &m.Config[i]
		if c.Key == key && c.Add == add && (!add || c.Value == value) {
			return c
		}
	}
	return nil
}

func hashHex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func (f *fileRecord) originalState() (fileState, error) {
	if f.Absent {
		return fileState{}, nil
	}
	mode, err := strconv.ParseUint(f.Mode, 8, 32)
	if err != nil {
		return fileState{}, fmt.Errorf("manifest entry %s: bad mode %q", f.Path, f.Mode)
	}
	return fileState{exists: true, data: f.Original, mode: fs.FileMode(mode)}, nil
}

func formatMode(m fs.FileMode) string {
	return fmt.Sprintf("%04o", uint32(m.Perm()))
}
