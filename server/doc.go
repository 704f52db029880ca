// Package server is tracevault-server: it ingests signed trace records from
// mirrored repositories and direct uploads, stores them (Postgres, or an
// embedded SQLite database by default), seals them into each org's
// tamper-evident log (package seal), records policy verdicts on commits, and
// serves the HTTP API of server/api with gin.
//
// # Ingest
//
// Every record, however it arrives, goes through one path ([Server] ingest):
//
//  1. parse record.json strictly (canonical bytes only) and verify
//     record.sig over the exact bytes with the writer's key: the key an org
//     admin registered (POST /api/v1/orgs/{org}/writers), else the key the
//     repository's .tracevault/allowed_signers lists at the mirrored HEAD.
//     A revoked registered key is never replaced by the file. Records that
//     fail are quarantined with a code (malformed, unknown-key, forged) and
//     a reason;
//  2. in one transaction, under the org's append lock (a Postgres advisory
//     lock across replicas): check each record extends its writer's chain
//     (bad-chain otherwise), store the new records (the same bytes twice
//     are stored once, whichever way they came), append one seal leaf per
//     new record, sign a checkpoint, and store the policy verdicts of new
//     commit records.
//
// A crash at any point leaves either all of a batch or none of it.
//
// # Background work
//
// Mirror fetches and scheduled audits are River jobs (riverpgxv5 on
// Postgres, riversqlite on the embedded store). See docs/server.md for the
// endpoints, configuration and operations.
package server
