package install

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// fileState is a file's bytes and permission bits, or its absence.
type fileState struct {
	exists bool
	data   []byte
	mode   fs.FileMode
}

// resolve follows a symbolic link at path so that writes go to its target
// and the link itself survives.
func resolve(path string) (string, error) {
	fi, err := os.Lstat(path)
	if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		return path, nil
	}
	t, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", fmt.Errorf("resolving symbolic link %s: %w", path, err)
	}
	return t, nil
}

// readState reads the file at path. A missing file is a valid, absent state;
// a directory or other non-regular file is an error.
func readState(path string) (fileState, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fileState{}, nil
	}
	if err != nil {
		return fileState{}, fmt.Errorf("reading %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return fileState{}, fmt.Errorf("reading %s: not a regular file: %w", path, ErrNotWritable)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fileState{}, fmt.Errorf("reading %s: %w", path, err)
	}
	return fileState{exists: true, data: data, mode: fi.Mode().Perm()}, nil
}

// checkWritable fails unless path can be replaced: an existing file must be
// openable for writing (a read-only file is the user saying "do not touch"),
// and the nearest existing ancestor directory must accept a new file.
func checkWritable(path string) error {
	if fi, err := os.Stat(path); err == nil {
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("%s is not a regular file: %w", path, ErrNotWritable)
		}
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return fmt.Errorf("%s: %w: %w", path, ErrNotWritable, err)
		}
		f.Close()
	}
	dir := filepath.Dir(path)
	for {
		fi, err := os.Stat(dir)
		if err == nil {
			if !fi.IsDir() {
				return fmt.Errorf("%s: %s is not a directory: %w", path, dir, ErrNotWritable)
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s: %w: %w", path, ErrNotWritable, err)
		}
		dir = filepath.Dir(dir)
	}
	probe, err := os.CreateTemp(dir, ".tracevault-probe-*")
	if err != nil {
		return fmt.Errorf("%s: directory %s: %w: %w", path, dir, ErrNotWritable, err)
	}
	probe.Close()
	return os.Remove(probe.Name())
}

// change moves one file from before to after (after.exists == false
// deletes it).
type change struct {
	path   string
	before fileState
	after  fileState
}

// writeFile replaces a file; tests swap it to inject a failure mid-way.
var writeFile = writeFileAtomic

// writeFileAtomic writes data to a temporary file beside path, sets mode
// exactly (no umask) and renames it over path.
func writeFileAtomic(path string, data []byte, mode fs.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tracevault-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	err = errors.Join(werr, cerr, os.Chmod(tmp.Name(), mode))
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

func setState(path string, st fileState) error {
	if !st.exists {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("removing %s: %w", path, err)
		}
		return nil
	}
	return writeFile(path, st.data, st.mode)
}

// mkdirs creates dir and its missing parents, returning the ones it created,
// outermost first.
func mkdirs(dir string) ([]string, error) {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil || d == filepath.Dir(d) {
			break
		}
		missing = append([]string{d}, missing...)
	}
	for i, d := range missing {
		if err := os.Mkdir(d, 0o755); err != nil {
			removeDirs(missing[:i])
			return nil, fmt.Errorf("creating directory %s: %w", d, err)
		}
	}
	return missing, nil
}

// removeDirs removes the listed directories innermost first, keeping any
// that are not empty.
func removeDirs(dirs []string) {
	for i := len(dirs) - 1; i >= 0; i-- {
		os.Remove(dirs[i])
	}
}

// applyChanges makes every change or none: after a failure it puts back the
// files already changed and removes the directories it created. It returns
// the directories it created.
func applyChanges(changes []change) ([]string, error) {
	var created []string
	for i, c := range changes {
		dirs, err := mkdirs(filepath.Dir(c.path))
		created = append(created, dirs...)
		if err == nil {
			err = setState(c.path, c.after)
		}
		if err != nil {
			return nil, errors.Join(err, rollback(changes[:i+1], created))
		}
	}
	return created, nil
}

// rollback restores the before state of changes, last first.
func rollback(changes []change, created []string) error {
	var errs []error
	for i := len(changes) - 1; i >= 0; i-- {
		if err := setState(changes[i].path, changes[i].before); err != nil {
			errs = append(errs, fmt.Errorf("rolling back: %w", err))
		}
	}
	removeDirs(created)
	return errors.Join(errs...)
}
