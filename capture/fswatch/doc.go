// Package fswatch keeps a work tree under watch between agent hooks, so that
// the hook around a shell tool call need not look at every file to learn
// what the command changed.
//
// A watcher ([Serve]) is a lingering process per repository. It holds inotify
// watches on every directory a work-tree scan lists (see
// [worktree.Watchable]), remembers which paths changed, and keeps in memory
// the snapshot of the last look. A hook asks it for a look ([Ask]): the
// watcher first drains every event the kernel has queued (inotify queues an
// event inside the system call that made the change, so the look covers
// every change made before the question), looks again at just the paths
// that changed ([worktree.Rescan]), and replies with the changes
// ([worktree.Look], what the hook would have computed with a full scan). The
// hook records them and acknowledges; only then does the watcher keep the
// new snapshot (and write it to the hook's snapshot file, for when no watcher
// answers). A hook that dies before acknowledging leaves the changes to be
// reported again.
//
// When the watcher cannot vouch for what changed (no look yet, a lost event
// queue, a changed ignore rule or exclude file, a snapshot file written by a
// hook that found no watcher) it scans the whole tree, as the hook does when
// no watcher answers. Nothing here can make a look miss a change.
//
// # Wire format
//
// One look per connection on the Unix stream socket state/watch.sock under
// the spool directory (0600). uvarint and varint are encoding/binary's
// LEB128 forms, minimal.
//
//	request:  "TVW2"
//	reply:    length   4 bytes, big-endian: the bytes that follow
//	          "TVW2"
//	          status   1 byte: 0 changes since the last look, 1 first look
//	                   (changes against the index)
//	          count    uvarint, then count changes:
//	            kind   1 byte: 1 added, 2 modified, 3 deleted
//	            path   uvarint length (1 to 4096), repo-relative slash path
//	            before state, unless added
//	            after  state, unless deleted
//	state:    mode uvarint (io/fs.FileMode), size uvarint, mtime varint
//	          (Unix ns), ctime varint, inode uvarint, then 0, or 1 and the
//	          32 bytes of the content's SHA-256
//	ack:      "K", sent by the asker once the changes are recorded
package fswatch
