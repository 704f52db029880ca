package record

import "strings"

// Ref names: every ref TraceVault reads or writes is named here.
const (
	// LogPrefix holds one chain ref per writer.
	LogPrefix = "refs/tracevault/log/"
	// NotesRef links commits to records.
	NotesRef = "refs/notes/tracevault"
	// RemoteLogPrefix holds fetched copies of remotes' chains:
	// refs/tracevault-remote/<remote>/log/<writer>.
	RemoteLogPrefix = "refs/tracevault-remote/"
	// RemoteNotesPrefix holds fetched copies of remotes' notes:
	// refs/notes/tracevault-remote/<remote>.
	RemoteNotesPrefix = "refs/notes/tracevault-remote/"
)

// LogRef is the chain ref of a writer.
func LogRef(writer string) string { return LogPrefix + writer }

// RemoteLogRef is the tracking ref of a writer's chain fetched from remote.
func RemoteLogRef(remote, writer string) string {
	return RemoteLogPrefix + remote + "/log/" + writer
}

// RemoteNotesRef is the tracking ref of remote's notes.
func RemoteNotesRef(remote string) string { return RemoteNotesPrefix + remote }

// WriterOfRef returns the writer id a chain ref (local or tracking) names.
func WriterOfRef(ref string) (string, bool) {
	i := strings.LastIndex(ref, "/log/")
	if i < 0 || !strings.HasPrefix(ref, "refs/tracevault") {
		return "", false
	}
	w := ref[i+len("/log/"):]
	return w, w != "" && !strings.Contains(w, "/")
}
