// Package worktree takes cheap before-and-after snapshots of a git work
// tree, so that files an AI agent changes through shell commands (sed -i,
// code generators, mv) are detected and can be attributed to it.
//
// It uses only the standard library and never runs git: it is called from
// the agent hook, on the critical path of every tool call. It reads what
// git leaves on disk instead: .git files and directories ([FindRepo]),
// HEAD, loose refs and packed-refs ([ReadHead]), the index ([ParseIndex],
// versions 2 to 4) and ignore files.
//
// # Snapshots
//
// [Scan] walks the work tree and records, for every regular file and
// symbolic link that is tracked or not ignored, its lstat fingerprint
// ([FileState]: size, mtime, ctime, inode, mode). Ignored directories such
// as node_modules/ are never listed; tracked files inside them are lstat'ed
// one by one from the index. .gitignore files (root and nested),
// .git/info/exclude and an optional extra excludes file are honoured with
// git's precedence and pattern syntax (see git's wildmatch: *, **, ?,
// [...], leading / anchoring, trailing / for directories, ! negation,
// comments, backslash escapes, trailing-space trimming). Nested
// repositories and submodules are not entered. Symbolic links are recorded,
// never followed.
//
// Paths are repo-relative and slash-separated, and keep the raw bytes of
// file names: a Go string holds any bytes, so a name that is not UTF-8
// round-trips exactly, as it does in the index.
//
// The walk visits each directory in git's order (a directory sorts as if
// its name ended in '/'), so entries come out sorted by full path with no
// sort pass, and a scan cut short by a limit has examined exactly the paths
// before [Snapshot].TruncatedAt. The limits follow git-ai's stat-tuple
// snapshots: at most 50,000 files and 1.5 s of walking by default
// ([ScanOptions]). Hitting one returns the partial snapshot with Truncated
// set, never an error, and [Diff] and [Dirty] treat the unexamined paths as
// unknown rather than deleted.
//
// # Change detection
//
// [Diff] compares two snapshots without reading content: a path whose stat
// tuple is unchanged is unchanged. The exception is a racily clean file,
// modified in or after the second its first scan began, since a write in
// that same second can leave every stat field equal (coarse file system
// timestamps). Scan therefore hashes (SHA-256) such recent files up to
// [DefaultHashMaxSize], and files hashed in [ScanOptions].Baseline, so
// Diff can settle them by content; without hashes it reports them as
// modified. Equal hashes also clear a file whose stat changed but whose
// bytes did not (touch, a sed that matched nothing). Renames appear as
// Deleted plus Added; [Renames] pairs them by inode or content hash.
//
// [Dirty] is git's stat check of tracked files against the index, with a
// file modified in or after the second the index was written counted as
// possibly dirty, as git's racy-clean rule requires.
//
// # Not supported
//
// Reftable ref storage ([ErrReftable]) and split indexes ([ErrSplitIndex])
// are refused. FindRepo ignores GIT_DIR, GIT_WORK_TREE, core.worktree and
// GIT_CEILING_DIRECTORIES; Scan reads no git config, so core.excludesFile
// must be passed as [ScanOptions].ExcludesFile, and matching is
// case-sensitive (core.ignoreCase is not consulted).
//
// # Snapshot encoding
//
// [Snapshot.MarshalBinary] writes a compact, canonical binary form, meant
// for .git/tracevault/state/. uvarint is encoding/binary's unsigned LEB128
// and must be minimal; varint is its zigzag signed form.
//
//	magic        8 bytes  "tvsnap2\n" (the digit is the version; 1 used CRC-32C)
//	flags        1 byte   bit 0: truncated; other bits zero
//	started      varint   Snapshot.Started, Unix ns
//	count        uvarint  number of entries
//	pathBytes    uvarint  sum of the entries' path lengths (≤ 4096 each)
//	truncatedAt  uvarint length, then bytes; present only if truncated
//	count entries, strictly increasing by path:
//	  shared     uvarint  bytes of the previous path kept (maximal; 0 first)
//	  suffixLen  uvarint  > 0
//	  suffix     bytes    the rest of the path
//	  mode       uvarint  io/fs.FileMode (regular file or symlink only)
//	  size       uvarint
//	  mtime      varint   delta from the previous entry's mtime (first: from 0)
//	  ctime      varint   delta from this entry's mtime
//	  ino        varint   delta from the previous entry's inode, mod 2^64
//	  hashKind   1 byte   0: none; 1: 32 bytes of SHA-256 follow
//	crc          4 bytes  CRC-32 (IEEE) of all bytes before, big-endian
//
// [Snapshot.UnmarshalBinary] rejects anything MarshalBinary would not have
// written byte for byte: bad magic, flags or checksum, non-minimal
// varints, a non-maximal shared prefix, paths out of order or not clean
// relative paths, other file types, trailing bytes. Prefix compression
// and deltas keep an unhashed entry near 20 bytes (BenchmarkSnapshotSave:
// 50,000 files in 1.0 MB); pathBytes lets the decoder put every path in one
// allocation, so a load costs a handful of allocations in all.
//
// Worked example (checked by ExampleSnapshot_MarshalBinary): a complete
// snapshot started at 1,700,000,000 s holding go.mod (0644, 42 bytes, inode
// 1000), main.go (0755, 13 bytes, hashed, mtime 0.5 s later, ctime 1 s
// after its mtime, inode 1001) and main_test.go (a symlink, 7 bytes, inode
// 999) encodes as 123 bytes:
//
//	74 76 73 6e 61 70 32 0a        "tvsnap2\n"
//	00                             flags: complete
//	80 80 d0 e2 c6 bf ce 97 2f     started 1700000000000000000
//	03 19                          3 entries, 25 path bytes
//	00 06 "go.mod"                 shared 0, suffix "go.mod"
//	a4 03 2a                       mode 0644, size 42
//	80 c0 a7 98 ac 85 ce 97 2f     mtime +1699999000000000000
//	00 d0 0f 00                    ctime +0, inode +1000, no hash
//	00 07 "main.go"                shared 0, suffix "main.go"
//	ed 03 0d                       mode 0755, size 13
//	80 94 eb dc 03 80 a8 d6 b9 07  mtime +500000000, ctime +1000000000
//	02 01 df 1d … 47               inode +1, SHA-256 of "package main\n"
//	04 08 "_test.go"               shared "main", suffix "_test.go"
//	ff 83 80 40 07                 mode symlink|0777, size 7
//	00 00 03 00                    mtime +0, ctime +0, inode −2, no hash
//	00 6e 9a 83                    CRC-32 (IEEE)
package worktree
