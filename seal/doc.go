// Package seal keeps each org's tamper-evident log: an append-only Merkle
// log (RFC 6962 hashing, via golang.org/x/mod/sumdb/tlog) of leaves that
// commit to the SHA-256 of stored records, with signed checkpoints
// (c2sp.org/tlog-checkpoint as c2sp.org/signed-note, via
// golang.org/x/mod/sumdb/note, Ed25519), so that anyone holding an org's
// public key can prove that no sealed record was altered, dropped or
// reordered.
//
// The package is storage-agnostic: it defines [HashStore], which the
// server's database adapters implement (seal/sealtest holds an in-memory one
// and the contract suite), and it imports nothing but the standard library
// and x/mod.
//
// # Leaves
//
// A leaf is UTF-8 text of exactly seven lines, each ending in a newline:
//
//	tracevault-leaf/v1
//	index <N>
//	record sha256:<64 lowercase hex digits>
//	prev <64 lowercase hex digits>
//	sealed-at <time>
//	kind <kind>
//	amends <M or ->
//
// N is the leaf's position in the log, from 0, in canonical decimal. The
// record line holds the SHA-256 of the record's stored bytes (a session
// envelope, a commit record, an audit entry), exactly as stored: [Audit]
// recomputes it. prev is the leaf hash (below) of leaf N-1, or 64 zeros for
// leaf 0: the chain. time is the sealing time in UTC as Go's
// time.RFC3339Nano writes it (trailing fractional zeros dropped, "Z"); it
// never decreases along the log. kind is 1-32 characters of [a-z0-9-]
// starting with a letter: session, commit, amendment, audit, or a newer
// kind. amends is "-", except for kind amendment, where it is the index of
// an earlier leaf that this leaf corrects. Nothing is ever changed in place:
// a correction is a new record sealed by an amendment leaf.
//
// The leaf hash, which is the Merkle tree's leaf, is RFC 6962's
// SHA-256(0x00 ‖ leaf bytes) (tlog.RecordHash). [ParseLeaf] accepts only the
// exact bytes [Leaf.Encode] produces, so a leaf has one encoding and one
// hash. See the example of [Leaf.Encode].
//
// # Checkpoints
//
// A checkpoint is a signed note whose text is, per c2sp.org/tlog-checkpoint:
//
//	<origin>
//	<size in decimal>
//	<root hash in standard base64>
//
// optionally followed by extension lines, then a blank line and one or more
// signature lines "— <key name> <base64(key hash ‖ Ed25519 signature)>".
// TraceVault's origin is the name of the org's key, for example
// "tracevault.example.com/acme". [OpenCheckpoint] and [VerifyCheckpoint]
// also require the note's encoding to be canonical, so that no byte of a
// stored checkpoint can change unnoticed (base64 decoders ignore some bits;
// this does not). Go's checksum database publishes checkpoints in the same
// format ("go.sum database tree" is its origin); the tests verify real ones.
//
// # Keys at rest
//
// An org's key ring ([KeyRing]) is stored as text:
//
//	tracevault-keyring/v1
//	name <key name>
//	key <id> <state> <created> <verifier key> <sealed signer key>
//	…
//
// with one key line per key, oldest first. id is the key's 8-hex-digit note
// key hash; state is active (exactly one), cosigning (the previous key
// during a rotation, still signing) or retired (verifying only); created is
// RFC 3339 UTC in whole seconds; the verifier key is the note verifier key
// "<name>+<id>+<base64>", which is public. The sealed signer key is the
// standard base64 of nonce(12) ‖ AES-256-GCM ciphertext ‖ tag of the note
// signer key "PRIVATE+KEY+<name>+<id>+<base64>", with the three lines
// "tracevault-keyring/v1", "name <key name>" and the key line up to and
// without its last field, joined by newlines, as additional data: changing
// any public field makes the key fail to decrypt. The AES key is
// HKDF-SHA256 (no salt, info "tracevault seal keyring v1 aes-256-gcm") of
// the 32 bytes in TRACEVAULT_ENCRYPTION_KEY ([ParseEncryptionKey]). See the
// example of [KeyRing.Seal].
//
// # Verifying
//
// Clients use [VerifyCheckpoint], [VerifyInclusion] (or [VerifyRecord],
// which also checks the record against its leaf) and [VerifyConsistency];
// a [Witness] remembers the latest checkpoint seen and rejects a later one
// that rolls the log back or forks it. [Audit] re-verifies a whole org's log
// from stored data and names the first item that does not verify.
package seal
