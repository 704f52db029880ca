package redact

import (
	"regexp"
	"sync/atomic"
)

// rule is one detector. Either pattern (searched near each keyword) or
// match (a hand-written matcher called at each keyword) is set.
type rule struct {
	id         string
	keywords   []string // must match byte for byte
	ciKeywords []string // matched ignoring ASCII case, '-' and '_' alike
	bound      bool     // keywords must not follow an ASCII letter or digit

	pattern   string                        // RE2, compiled on first use (see re)
	compiled  atomic.Pointer[regexp.Regexp] // pattern, once compiled
	group     int                           // submatch holding the secret; -1: the first that took part
	back, fwd int                           // how far from a keyword a match may start and end
	match     func(sc *scan, ri, start, end int)
	check     func(v []byte) bool // extra test of the secret itself
	// gate, when set, is a cheap test of the bytes around a keyword that
	// must pass before the pattern is searched near it.
	gate  func(b []byte, start, end int) bool
	prio  int      // which rule names merged findings
	class keyClass // for the assignment rules, the keys they accept
	// keepPlaceholders skips the placeholder tests (long runs of one
	// character, "EXAMPLE"), for rules whose secrets legitimately hold them.
	keepPlaceholders bool
}

const (
	prioGeneric = iota + 1
	prioSpecific
	prioBlock
)

// re returns the rule's compiled pattern, compiling it on first use: a
// hook process compiles only the patterns whose keywords it meets.
func (rl *rule) re() *regexp.Regexp {
	if re := rl.compiled.Load(); re != nil {
		return re
	}
	re := regexp.MustCompile(rl.pattern)
	if !rl.compiled.CompareAndSwap(nil, re) {
		return rl.compiled.Load()
	}
	return re
}

// assignedKey and assignedEnd frame the value pattern of a secret
// recognised by a provider name in the key it is assigned to
// (HEROKU_API_KEY=…): the name, up to 40 more key bytes, an optional
// closing quote, the operator, an optional opening quote, the value as
// group 1, and a byte that cannot continue it.
const (
	assignedKey = `)[A-Za-z0-9_.\-]{0,40}\\?["']?[ \t]*(?:=|:=|:|=>)[ \t]*\\?["'` + "`" + `]?(`
	assignedEnd = `)(?:$|[^A-Za-z0-9_\-+/=])`
)

const uuidRE = `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`

// builtin holds the built-in rules, most specific first. It is one
// composite literal without calls, laid out by the compiler: a hook process
// builds nothing to use it (TestBuiltinTable checks it against the rules'
// definitions through the helpers they were written with).
var builtin = [...]*rule{
	{id: "private-key", keywords: []string{"-----BEGIN"}, match: matchPrivateKey, prio: prioBlock, keepPlaceholders: true},
	{id: "anthropic-api-key", keywords: []string{"sk-ant-"}, bound: true, pattern: `\bsk-ant-[A-Za-z0-9_\-]{32,200}`, fwd: 220, prio: prioSpecific},
	{id: "openai-api-key", keywords: []string{"sk-proj-", "sk-svcacct-", "sk-admin-", "sk-None-", "T3BlbkFJ"}, pattern: `\bsk-(?:(?:proj|svcacct|admin|None)-[A-Za-z0-9_\-]{32,250}|[A-Za-z0-9_\-]{10,100}T3BlbkFJ[A-Za-z0-9_\-]{10,100})`, back: 110, fwd: 260, prio: prioSpecific},
	{id: "sk-api-key", keywords: []string{"sk-"}, bound: true, pattern: `\bsk-[A-Za-z0-9]{32,64}\b`, fwd: 70, prio: prioSpecific, check: randomLooking},
	{id: "aws-access-key", keywords: []string{"AKIA", "ASIA", "ABIA", "ACCA", "A3T"}, bound: true, pattern: `\b(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}\b`, fwd: 24, prio: prioSpecific},
	{id: "aws-secret-key", ciKeywords: []string{"aws"}, pattern: `(?i)(?:aws` + assignedKey + `[A-Za-z0-9/+]{40}` + assignedEnd, group: 1, fwd: 160, prio: prioSpecific, check: randomLooking},
	{id: "gcp-api-key", keywords: []string{"AIza"}, bound: true, pattern: `\bAIza[0-9A-Za-z_\-]{35}\b`, fwd: 40, prio: prioSpecific},
	{id: "gcp-oauth-client-secret", keywords: []string{"GOCSPX-"}, bound: true, pattern: `\bGOCSPX-[A-Za-z0-9_\-]{28}\b`, fwd: 40, prio: prioSpecific},
	{id: "google-oauth-token", keywords: []string{"ya29.", "1//0"}, bound: true, pattern: `\b(?:ya29\.[0-9A-Za-z_\-]{20,}|1//0[0-9A-Za-z_\-]{40,512})`, fwd: 2060, prio: prioSpecific},
	{id: "azure-storage-key", ciKeywords: []string{"AccountKey=", "SharedAccessKey="}, group: 1, fwd: 100, prio: prioSpecific, pattern: `(?i)(?:AccountKey|SharedAccessKey)=([A-Za-z0-9+/]{40,100}={0,2})`},
	{id: "azure-sas-token", ciKeywords: []string{"sig="}, group: 1, back: 1, fwd: 130, prio: prioSpecific, pattern: `[?&;][Ss][Ii][Gg]=([A-Za-z0-9%+/=]{30,120})`},
	{id: "azure-client-secret", keywords: []string{"Q~"}, group: 1, back: 8, fwd: 40, prio: prioSpecific, pattern: `(?:^|[^A-Za-z0-9_~.\-])([A-Za-z0-9_~.\-]{3}[0-9]Q~[A-Za-z0-9_~.\-]{31,34})(?:$|[^A-Za-z0-9_~.\-])`},
	{id: "github-token", keywords: []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_"}, bound: true, pattern: `\bgh[pousr]_[A-Za-z0-9]{36,251}\b`, fwd: 260, prio: prioSpecific},
	{id: "github-fine-grained-pat", keywords: []string{"github_pat_"}, bound: true, pattern: `\bgithub_pat_[A-Za-z0-9_]{50,255}\b`, fwd: 270, prio: prioSpecific},
	{id: "gitlab-token", keywords: []string{"glpat-", "gldt-", "glptt-", "glrt-", "gloas-", "glsoat-", "glffct-", "glcbt-", "glimt-", "glagent-", "glft-", "GR1348941"}, bound: true, pattern: `\b(?:(?:glpat|gldt|glptt|glrt|gloas|glsoat|glffct|glcbt|glimt|glagent|glft)-|GR1348941)[A-Za-z0-9_\-]{20,255}`, fwd: 270, prio: prioSpecific},
	{id: "slack-token", keywords: []string{"xox", "xapp-"}, bound: true, pattern: `\b(?:xox[abposre](?:\.xox[abposre])?|xapp)-[A-Za-z0-9\-]{10,250}`, fwd: 260, prio: prioSpecific},
	{id: "slack-webhook", keywords: []string{"hooks.slack.com/"}, pattern: `hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_\-]{20,200}`, back: 0, fwd: 230, prio: prioSpecific},
	{id: "stripe-secret-key", keywords: []string{"sk_live_", "sk_test_", "rk_live_", "rk_test_"}, bound: true, pattern: `\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,247}\b`, fwd: 260, prio: prioSpecific},
	{id: "stripe-webhook-secret", keywords: []string{"whsec_"}, bound: true, pattern: `\bwhsec_[A-Za-z0-9+/=]{24,128}`, fwd: 140, prio: prioSpecific},
	{id: "twilio-api-key", keywords: []string{"SK"}, bound: true, pattern: `\bSK[0-9a-fA-F]{32}\b`, fwd: 34, prio: prioSpecific, check: randomLooking},
	{id: "twilio-auth-token", ciKeywords: []string{"twilio"}, pattern: `(?i)(?:twilio` + assignedKey + `[0-9a-f]{32}` + assignedEnd, group: 1, fwd: 160, prio: prioSpecific},
	{id: "sendgrid-api-key", keywords: []string{"SG."}, bound: true, pattern: `\bSG\.[A-Za-z0-9_\-]{16,32}\.[A-Za-z0-9_\-]{16,64}\b`, fwd: 100, prio: prioSpecific},
	{id: "npm-token", keywords: []string{"npm_"}, bound: true, pattern: `\bnpm_[A-Za-z0-9]{36}\b`, fwd: 40, prio: prioSpecific},
	{id: "pypi-token", keywords: []string{"pypi-"}, bound: true, pattern: `\bpypi-AgE[A-Za-z0-9_\-]{50,1000}`, fwd: 1010, prio: prioSpecific},
	{id: "shopify-token", keywords: []string{"shpat_", "shpca_", "shppa_", "shpss_"}, bound: true, pattern: `\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b`, fwd: 40, prio: prioSpecific},
	{id: "mailgun-api-key", keywords: []string{"key-"}, bound: true, pattern: `\bkey-[0-9a-z]{32}\b`, fwd: 36, prio: prioSpecific, check: randomLooking},
	{id: "mailchimp-api-key", keywords: []string{"-us"}, pattern: `\b[0-9a-f]{32}-us[0-9]{1,2}\b`, back: 34, fwd: 4, prio: prioSpecific},
	{id: "huggingface-token", keywords: []string{"hf_", "api_org_"}, bound: true, pattern: `\b(?:hf|api_org)_[A-Za-z0-9]{30,40}\b`, fwd: 50, prio: prioSpecific, check: randomLooking},
	{id: "digitalocean-token", keywords: []string{"dop_v1_", "doo_v1_", "dor_v1_"}, bound: true, pattern: `\bdo[opr]_v1_[a-f0-9]{64}\b`, fwd: 72, prio: prioSpecific},
	{id: "databricks-token", keywords: []string{"dapi"}, bound: true, pattern: `\bdapi[a-f0-9]{32}(?:-[0-9]+)?\b`, fwd: 40, prio: prioSpecific},
	{id: "heroku-api-key", ciKeywords: []string{"heroku", "HRKU-"}, group: -1, fwd: 160, prio: prioSpecific, pattern: `(?i)heroku[A-Za-z0-9_.\-]{0,40}\\?["']?[ \t]*(?:=|:=|:|=>)[ \t]*\\?["']?(` + uuidRE + `)\b|\b(HRKU-[A-Za-z0-9_\-]{60})`},
	{id: "okta-api-token", ciKeywords: []string{"okta"}, pattern: `(?i)(?:okta` + assignedKey + `00[A-Za-z0-9_\-]{40}` + assignedEnd, group: 1, fwd: 160, prio: prioSpecific},
	{id: "atlassian-api-token", keywords: []string{"ATATT3", "ATCTT3"}, bound: true, pattern: `\bAT[AC]TT3[A-Za-z0-9_\-=]{150,300}`, fwd: 310, prio: prioSpecific},
	{id: "doppler-token", keywords: []string{"dp.pt.", "dp.st.", "dp.sa.", "dp.ct.", "dp.scim.", "dp.audit."}, bound: true, pattern: `\bdp\.(?:pt|st|sa|ct|scim|audit)\.(?:[a-z0-9_\-]{1,40}\.)?[A-Za-z0-9]{40,44}\b`, fwd: 100, prio: prioSpecific},
	{id: "vault-token", keywords: []string{"hvs.", "hvb.", "hvr."}, bound: true, pattern: `\bhv[sbr]\.[A-Za-z0-9_\-]{24,512}`, fwd: 520, prio: prioSpecific},
	{id: "grafana-token", keywords: []string{"glc_", "glsa_", "eyJrIjoi"}, bound: true, pattern: `\b(?:glc_[A-Za-z0-9+/]{32,400}={0,2}|glsa_[A-Za-z0-9]{32}_[a-fA-F0-9]{8}|eyJrIjoi[A-Za-z0-9+/]{50,400}={0,2})`, fwd: 410, prio: prioSpecific},
	{id: "pulumi-token", keywords: []string{"pul-"}, bound: true, pattern: `\bpul-[a-f0-9]{40}\b`, fwd: 44, prio: prioSpecific},
	{id: "linear-api-key", keywords: []string{"lin_api_"}, bound: true, pattern: `\blin_api_[A-Za-z0-9]{40}\b`, fwd: 48, prio: prioSpecific},
	{id: "notion-token", keywords: []string{"secret_", "ntn_"}, bound: true, pattern: `\b(?:secret_[A-Za-z0-9]{43}|ntn_[A-Za-z0-9]{46})\b`, fwd: 52, prio: prioSpecific},
	{id: "discord-bot-token", keywords: []string{"MT"}, bound: true, ciKeywords: []string{"discord"}, back: 200, fwd: 300, prio: prioSpecific, pattern: `\b[MNO][A-Za-z0-9_\-]{23,27}\.[A-Za-z0-9_\-]{6}\.[A-Za-z0-9_\-]{27,40}\b`},
	{id: "telegram-bot-token", keywords: []string{":AA"}, group: 1, back: 12, fwd: 40, prio: prioSpecific, pattern: `(?:^|[^0-9])([0-9]{8,10}:AA[A-Za-z0-9_\-]{33})\b`},
	{id: "square-token", keywords: []string{"sq0atp-", "sq0csp-", "EAAA"}, bound: true, pattern: `\b(?:sq0(?:atp|csp)-[A-Za-z0-9_\-]{22,60}|EAAA[A-Za-z0-9_\-+]{60})\b`, fwd: 70, prio: prioSpecific},
	{id: "facebook-access-token", keywords: []string{"EAA"}, bound: true, pattern: `\bEAA[A-Za-z0-9]{100,400}`, fwd: 410, prio: prioSpecific},
	{id: "braintree-access-token", keywords: []string{"access_token$production$", "access_token$sandbox$"}, pattern: `access_token\$(?:production|sandbox)\$[0-9a-z]{16}\$[0-9a-f]{32}`, back: 0, fwd: 90, prio: prioSpecific},
	{id: "algolia-api-key", ciKeywords: []string{"algolia"}, pattern: `(?i)(?:algolia` + assignedKey + `[a-f0-9]{32}` + assignedEnd, group: 1, fwd: 160, prio: prioSpecific},
	{id: "cloudflare-api-token", ciKeywords: []string{"cloudflare", "cf_api", "cf_token"}, pattern: `(?i)(?:cloudflare|cf_api|cf_token` + assignedKey + `[A-Za-z0-9_\-]{37,40}` + assignedEnd, group: 1, fwd: 160, prio: prioSpecific, check: randomLooking},
	{id: "datadog-api-key", ciKeywords: []string{"datadog", "dd_api", "dd_app"}, pattern: `(?i)(?:datadog|dd_api|dd_app` + assignedKey + `[a-f0-9]{32}|[a-f0-9]{40}` + assignedEnd, group: 1, fwd: 160, prio: prioSpecific},
	{id: "newrelic-key", keywords: []string{"NRAK-", "NRAA-", "NRII-", "NRJS-", "NRAL"}, pattern: `\b(?:NR(?:AK|AA|II|JS)-[A-Za-z0-9]{19,32}|[a-f0-9]{36}NRAL)\b`, back: 36, fwd: 40, prio: prioSpecific},
	{id: "postman-api-key", keywords: []string{"PMAK-"}, bound: true, pattern: `\bPMAK-[a-f0-9]{24}-[a-f0-9]{34}\b`, fwd: 70, prio: prioSpecific},
	{id: "age-secret-key", keywords: []string{"AGE-SECRET-KEY-1"}, bound: true, pattern: `\bAGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}\b`, fwd: 80, prio: prioSpecific},
	{id: "groq-api-key", keywords: []string{"gsk_"}, bound: true, pattern: `\bgsk_[A-Za-z0-9]{48,56}\b`, fwd: 60, prio: prioSpecific},
	{id: "replicate-api-token", keywords: []string{"r8_"}, bound: true, pattern: `\br8_[A-Za-z0-9]{37}\b`, fwd: 40, prio: prioSpecific},
	{id: "perplexity-api-key", keywords: []string{"pplx-"}, bound: true, pattern: `\bpplx-[A-Za-z0-9]{48}\b`, fwd: 53, prio: prioSpecific},
	{id: "xai-api-key", keywords: []string{"xai-"}, bound: true, pattern: `\bxai-[A-Za-z0-9]{70,90}\b`, fwd: 95, prio: prioSpecific},
	{id: "supabase-token", keywords: []string{"sbp_"}, bound: true, pattern: `\bsbp_[a-f0-9]{40}\b`, fwd: 44, prio: prioSpecific},
	{id: "planetscale-token", keywords: []string{"pscale_tkn_", "pscale_pw_", "pscale_oauth_"}, bound: true, pattern: `\bpscale_(?:tkn|pw|oauth)_[A-Za-z0-9_\-.]{32,64}`, fwd: 80, prio: prioSpecific},
	{id: "sentry-auth-token", keywords: []string{"sntrys_", "sntryu_"}, bound: true, pattern: `\bsntry[su]_[A-Za-z0-9+/=_]{40,400}`, fwd: 410, prio: prioSpecific},
	{id: "terraform-cloud-token", keywords: []string{".atlasv1."}, pattern: `\b[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_\-]{60,70}`, back: 14, fwd: 80, prio: prioSpecific},
	{id: "dynatrace-token", keywords: []string{"dt0c01."}, bound: true, pattern: `\bdt0c01\.[A-Z0-9]{24}\.[A-Z0-9]{64}\b`, fwd: 100, prio: prioSpecific},
	{id: "jwt", keywords: []string{"eyJ"}, bound: true, fwd: 8192, prio: prioSpecific, keepPlaceholders: true, pattern: `\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*`},
	{id: "url-password", ciKeywords: []string{"://"}, gate: hasUserinfo, group: 1, back: 40, fwd: 512, prio: prioSpecific, check: plausibleURLPassword, pattern: `\b[A-Za-z][A-Za-z0-9+.\-]{1,30}://[^\s:/?#@"'\\<>]*:([^\s/?#"'\\<>]+)@[A-Za-z0-9.\-\[]`},
	{id: "bearer-token", ciKeywords: []string{"bearer"}, gate: spaceThenToken, group: 1, fwd: 2100, prio: prioGeneric, check: randomLooking, pattern: `(?i)\bbearer[ \t]+([A-Za-z0-9\-._~+/]{16,}=*)`},
	{id: "basic-auth", ciKeywords: []string{"basic"}, gate: basicGate, group: 1, fwd: 1100, prio: prioGeneric, check: basicCredentials, pattern: `(?i)\bbasic[ \t]+([A-Za-z0-9+/]{8,1000}={0,2})`},
	{id: "password-assignment", ciKeywords: []string{"pass", "pwd"}, match: matchAssignment, prio: prioGeneric, class: keyPassword},
	// The words that make a key name worth examining for secret-assignment;
	// classifyKey has the final say.
	{id: "secret-assignment", ciKeywords: []string{"secret", "token", "api_key", "apikey", "access_key", "accesskey", "private_key", "privatekey",
		"credential", "creds", "auth", "signing_key", "signingkey", "encryption_key", "master_key", "session_key"}, match: matchAssignment, prio: prioGeneric, class: keySecret},
}

// builtinRules returns the built-in rules, most specific first.
func builtinRules() []*rule { return builtin[:] }

// hasUserinfo is the gate of url-password: the authority after "://"
// holds a ':' and then an '@'.
func hasUserinfo(b []byte, _, end int) bool {
	colon := false
	for i := end; i < min(len(b), end+256); i++ {
		switch b[i] {
		case ':':
			colon = true
		case '@':
			return colon
		case '/', ' ', '\t', '\n', '\r', '"', '\'', '\\', '<', '>', '?', '#':
			return false
		}
	}
	return false
}

// basicGate is the gate of Basic authorization: blanks, then the base64 run
// the pattern would take (8 to 1,000 bytes, up to two '=') decoding to a
// user:password pair, as the rule's check requires. "Basic" is a common
// word in prompts and commands: without this, each one met cost a hook
// the compilation of the pattern (1.5–4 ms), for nothing.
func basicGate(b []byte, _, end int) bool {
	i := skipBlanks(b, end)
	if i == end {
		return false
	}
	j := i
	for j < len(b) && j-i < 1000 && isStdBase64(b[j]) {
		j++
	}
	if j-i < 8 {
		return false
	}
	k := j
	for k < len(b) && k-j < 2 && b[k] == '=' {
		k++
	}
	return basicCredentials(b[i:k])
}

// isStdBase64 reports whether c is in the standard base64 alphabet.
func isStdBase64(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/'
}

// spaceThenToken is the gate of the Authorization schemes: blanks, then
// at least eight token bytes.
func spaceThenToken(b []byte, _, end int) bool {
	i := skipBlanks(b, end)
	if i == end {
		return false
	}
	j := i
	for j < len(b) && j-i < 8 && isTokenByte(b[j]) {
		j++
	}
	return j-i == 8
}
