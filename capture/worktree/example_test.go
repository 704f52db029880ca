package worktree_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"

	"github.com/tracevault/tracevault/capture/worktree"
)

// ExampleSnapshot_MarshalBinary encodes the snapshot worked through byte by
// byte in the package documentation.
func ExampleSnapshot_MarshalBinary() {
	sum := sha256.Sum256([]byte("package main\n"))
	s := &worktree.Snapshot{
		Started: 1_700_000_000_000_000_000,
		Entries: []worktree.Entry{
			{Path: "go.mod", FileState: worktree.FileState{
				Size: 42, MtimeNs: 1_699_999_000_000_000_000, CtimeNs: 1_699_999_000_000_000_000, Ino: 1000, Mode: 0o644,
			}},
			{Path: "main.go", FileState: worktree.FileState{
				Size: 13, MtimeNs: 1_699_999_000_500_000_000, CtimeNs: 1_699_999_001_500_000_000, Ino: 1001, Mode: 0o755,
				Hash: hex.EncodeToString(sum[:]),
			}},
			{Path: "main_test.go", FileState: worktree.FileState{
				Size: 7, MtimeNs: 1_699_999_000_500_000_000, CtimeNs: 1_699_999_000_500_000_000, Ino: 999, Mode: fs.ModeSymlink | 0o777,
			}},
		},
	}
	b, err := s.MarshalBinary()
	if err != nil {
		panic(err)
	}
	fmt.Print(hex.Dump(b))
	var back worktree.Snapshot
	if err := back.UnmarshalBinary(b); err != nil {
		panic(err)
	}
	fmt.Println(len(b), "bytes;", len(back.Entries), "entries;", back.Entries[1].Path, back.Entries[1].Hash[:16])
	// Output:
	// 00000000  74 76 73 6e 61 70 32 0a  00 80 80 d0 e2 c6 bf ce  |tvsnap2.........|
	// 00000010  97 2f 03 19 00 06 67 6f  2e 6d 6f 64 a4 03 2a 80  |./....go.mod..*.|
	// 00000020  c0 a7 98 ac 85 ce 97 2f  00 d0 0f 00 00 07 6d 61  |......./......ma|
	// 00000030  69 6e 2e 67 6f ed 03 0d  80 94 eb dc 03 80 a8 d6  |in.go...........|
	// 00000040  b9 07 02 01 df 1d 03 6c  bb f3 df 46 e2 04 50 71  |.......l...F..Pq|
	// 00000050  e0 82 24 5e ce 20 4c 7f  53 ec f0 a4 e0 22 bf f9  |..$^. L.S...."..|
	// 00000060  bb 22 8f 47 04 08 5f 74  65 73 74 2e 67 6f ff 83  |.".G.._test.go..|
	// 00000070  80 40 07 00 00 03 00 00  6e 9a 83                 |.@......n..|
	// 123 bytes; 3 entries; main.go df1d036cbbf3df46
}
