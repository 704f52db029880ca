// Package redact removes secrets from text before anything is written:
// every byte TraceVault puts in the hook spool, in a git object or in an
// upload goes through it first. It depends on the standard library only.
//
// # Use
//
// [Default] returns the shared [Redactor]. [Redactor.Bytes] and
// [Redactor.String] redact text; [Redactor.JSON] redacts one JSON
// document and keeps it valid (call it once per line for JSON Lines);
// [Redactor.Find] reports what would be redacted. All of them return
// their input unchanged, without copying, when it holds no secret.
//
// # Marker format
//
// A secret is replaced by
//
//	[REDACTED:<rule-id>]
//
// where rule-id is lower-case letters, digits and '-'. The marker holds
// no quote or backslash, so it can sit inside a JSON, YAML or shell
// string, and no rule ever matches it, so redacting twice gives the same
// result as redacting once. Only the secret is replaced, not its key or
// its surroundings:
//
//	DB_PASSWORD=hunter22                 DB_PASSWORD=[REDACTED:password-assignment]
//	postgres://app:s3cret99@db/x         postgres://app:[REDACTED:url-password]@db/x
//	-----BEGIN RSA PRIVATE KEY-----…END  [REDACTED:private-key]   (the whole block)
//
// Where two rules match overlapping bytes the union is redacted once and
// named after the more specific rule (anthropic-api-key rather than
// secret-assignment).
//
// # Rules
//
// There are four kinds of built-in rule (see rules.go for the list):
//
//   - Provider tokens with a distinctive prefix: Anthropic sk-ant-, OpenAI
//     sk-proj-, AWS AKIA/ASIA, Google AIza and ya29., GitHub ghp_ and
//     github_pat_, GitLab glpat-, Slack xoxb-, Stripe sk_live_, SendGrid
//     SG., npm_, pypi-, Shopify shpat_, Hugging Face hf_, DigitalOcean
//     dop_v1_, Databricks dapi, Vault hvs., Grafana glc_, Pulumi pul-,
//     Linear lin_api_, Notion ntn_, Doppler dp.st., New Relic NRAK-, age,
//     Groq, xAI, Replicate, Perplexity, Supabase, PlanetScale, Sentry,
//     Terraform Cloud, Dynatrace, Postman, Square, Facebook, Braintree,
//     Telegram and Discord bot tokens, Azure client secrets, storage keys
//     and SAS signatures, Slack webhooks, JWTs.
//   - Secrets recognised by the provider named in their key (Heroku, Okta,
//     Twilio, Algolia, Cloudflare, Datadog, AWS secret keys).
//   - Structures: private key blocks (RSA, EC, DSA, OpenSSH, PGP, PKCS#8,
//     encrypted), passwords in URLs (postgres, mysql, mongodb, redis, amqp,
//     https, …), Authorization: Bearer and Basic credentials.
//   - Assignments: a key whose words name a password (password, passwd,
//     pwd, passphrase, DB_PASS) or another secret (secret, token, api_key,
//     client_secret, private_key, credentials, auth) followed by = : := =>
//     or a flag's blank, in env files, YAML, JSON, code, connection strings,
//     XML and command lines. A password is any literal of six bytes or
//     more; another secret must look random: at least 12 bytes, letters
//     mixed with digits (or both cases in random-like proportions), and a
//     Shannon entropy of at least min(3.0, 0.8·log2(len)) bits per byte.
//     This is the "generic high-entropy token" rule: long random strings
//     are only flagged when assigned to a key-like name, so git SHAs,
//     UUIDs, lockfile hashes and base64 images elsewhere are left alone,
//     while a UUID assigned to HEROKU_API_KEY is redacted.
//
// # What is not redacted
//
// Values that cannot be live secrets are kept, so that docs, templates and
// code stay readable: references and templates ($VAR, ${VAR}, %VAR%,
// <your-token>, {{ .Values.x }}, process.env.X, cfg.password, calls),
// placeholders (changeme, xxx, ******, your-api-key-here, a run of six
// equal characters), type names (password: string), keys that describe a
// secret rather than hold one (password_min_length, token_url, secret_name,
// api_key_id, max_tokens, nextPageToken), public identifiers (Stripe pk_,
// Twilio AC…, modern Sentry DSNs, certificates, public keys).
//
// Vendor-documented example keys are allowlisted: any candidate containing
// "example" in any case (AKIAIOSFODNN7EXAMPLE,
// wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY) is kept. They are public, and
// redacting them would corrupt the documentation and tests agents read.
// A random key contains that word with negligible probability. Callers
// add exact values with [Config].Allow.
//
// # Speed and limits
//
// A rule runs only near one of its keywords. One pass of an Aho–Corasick
// automaton finds every keyword of every rule (about 1 ns per byte), so
// text without keywords costs that pass and nothing else. Patterns are
// RE2 (package regexp, linear time) searched in bounded windows around the
// keywords; hand-written matchers are bounded too, so the cost is linear in
// the input whatever it holds. Patterns are compiled the first time one of
// their keywords is seen.
//
// Known limits: a secret with no keyword and no assignment context (a bare
// random string in prose, a bare 32-hex "key:", .netrc's "password x",
// mysql -pSECRET, a variable named pw) is not found; a bare YAML or code
// value with no digit or symbol (password: hunterhunter) reads as an
// identifier and is kept; unquoted values stop at blanks and
// at , ; & | ( ) [ ] { } < > and quotes, so a password containing them is
// redacted only up to that byte when written unquoted; a passphrase of
// three words or more is kept as prose; a JSON number is never a secret;
// secrets split across two JSON strings (["--password", "x"] in JSON mode,
// or a {"name": "DB_PASSWORD", "value": "x"} pair) are not joined; values
// over 1 KB are not judged as assignments.
package redact
