// Package store is tracevault-server's persistence: signed records and the
// rows decoded from them, quarantine, repositories, writer keys, API keys,
// policy verdicts and the seal's Merkle log, for many orgs in one database.
//
// # Backends
//
// [Open] takes a DSN. "postgres://…" opens Postgres through a pgx v5 pool,
// for production and for several server replicas on one database. Anything
// else opens the embedded default, a pure-Go SQLite file (WAL, busy
// timeout, foreign keys on, write-locking transactions), so one command
// starts a working server with no external service. Both run the same SQL
// (parameters are $1-style, upserts are ON CONFLICT) and pass the same
// contract suite, server/store/storetest. Schema migrations are embedded
// (migrations/postgres and migrations/sqlite, kept in step) and run by goose
// on every Open; on Postgres, replicas starting together take turns under an
// advisory lock.
//
// # Isolation
//
// Every table is keyed by org_id and every method takes the org and filters
// on it, so an object of another org is simply not found. References
// between objects carry the org too (a repository ID is only valid with its
// org), and SQL takes values only as parameters.
//
// # Records and ingest
//
// A record is stored verbatim: record.json (raw) and record.sig, with the
// SHA-256 of raw, which is the hash the seal commits to and the next
// record's prev. [Store.Ingest] stores a batch in one transaction and is
// idempotent: records are unique per org by (writer, seq) and by hash, so
// the same session arriving by mirror and by upload is stored once, and
// different bytes for a stored (writer, seq) are quarantined, never stored
// over. Session and commit records are decoded into the derived tables
// below; the latest record of a session or commit (by created_at, then seq)
// describes it, and its rows are replaced as a whole when a newer record
// arrives. Derived rows can always be rebuilt from records.
//
// # Schema
//
//	orgs                    id, name
//	repos, repo_refs        registered mirrors; last fetched tip per ref (compare-and-swap)
//	writers                 registered writer public keys (never replaced; revocable)
//	api_keys                id (token prefix), SHA-256 of the token, role, created_by, revoked_at
//	records                 raw record.json and record.sig, hash, writer, seq, source, repo
//	quarantine              refused records: raw bytes, code, reason
//	sessions                one row per session, from its latest record, with totals
//	session_events          prompts, tool calls and denials in time order
//	file_changes            file edits (no diffs: the record has them)
//	model_usage             tokens, requests and cost per session and model
//	commits                 attribution totals per commit, from its latest record
//	commit_sessions         sessions that contributed to a commit
//	commit_files            per-file added, AI and human lines
//	attribution_ranges      line ranges per file, with session, agent, model, tool
//	policy_verdicts         canonical verdict JSON per commit, append-only
//	seal_leaves             the Merkle log's encoded leaves, with the record hash each seals
//	seal_hashes             tlog stored hashes
//	seal_checkpoints        signed checkpoint notes by size
//	seal_keyrings           versions of the encrypted checkpoint key ring
//	seal_signing_keys       public history of signing keys (state, created, retired)
//
// Times are timestamptz on Postgres and Unix microseconds on SQLite.
//
// # Transactions
//
// Methods that write run in a transaction. [Store.InTx] gives a context
// that carries one: every method called with it joins it, so the server
// can verify, store, seal and record a verdict all or nothing.
// [SealStore.WithAppendLock] does the same under the org's append lock.
//
// # Authentication
//
// API keys are org-scoped bearer tokens "tvk_<id>_<secret>". Only the
// SHA-256 of the token is stored; [Store.VerifyAPIKey] finds the key by id
// and compares hashes in constant time. Users, sessions and roles come
// later: [Role], [Principal] and api_keys.created_by are the seam.
package store
