package codex_test

import (
	"fmt"

	"github.com/tracevault/tracevault/capture/hook/codex"
)

func ExampleParsePatch() {
	files, err := codex.ParsePatch("*** Begin Patch\n*** Update File: /repo/m.txt\n@@\n one\n-two\n+2\n*** End Patch")
	if err != nil {
		panic(err)
	}
	for _, e := range codex.Edits(files, "/repo", nil) {
		fmt.Printf("%s %s +%d -%d\n%s", e.Op, e.Path, e.Added, e.Removed, e.Diff)
	}
	// Output:
	// modify m.txt +1 -1
	// --- a/m.txt
	// +++ b/m.txt
	// @@ -1,2 +1,2 @@
	//  one
	// -two
	// +2
}
