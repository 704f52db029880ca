package redact

import (
	"regexp"
	"strings"
	"sync"
)

// rule is one detector. Either re (a pattern searched near each keyword)
// or match (a hand-written matcher called at each keyword) is set.
type rule struct {
	id         string
	keywords   []string // must match byte for byte
	ciKeywords []string // matched ignoring ASCII case, '-' and '_' alike
	bound      bool     // keywords must not follow an ASCII letter or digit

	re        func() *regexp.Regexp
	group     int // submatch holding the secret; -1: the first that took part
	back, fwd int // how far from a keyword a match may start and end
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

func lazy(pattern string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(pattern) })
}

// token is a provider token recognised by a case-sensitive prefix that
// starts a word; maxLen bounds its length.
func token(id string, prefixes []string, pattern string, maxLen int) *rule {
	return &rule{id: id, keywords: prefixes, bound: true, re: lazy(pattern), fwd: maxLen, prio: prioSpecific}
}

// infix is a provider token whose distinctive literal is not at its start.
func infix(id string, literals []string, pattern string, back, fwd int) *rule {
	return &rule{id: id, keywords: literals, re: lazy(pattern), back: back, fwd: fwd, prio: prioSpecific}
}

// assigned is a secret without a distinctive shape, recognised by a
// provider name in the key it is assigned to (HEROKU_API_KEY=…).
func assigned(id string, words []string, value string) *rule {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = regexp.QuoteMeta(w)
	}
	pattern := `(?i)(?:` + strings.Join(q, "|") + `)[A-Za-z0-9_.\-]{0,40}\\?["']?[ \t]*(?:=|:=|:|=>)[ \t]*\\?["'` +
		"`" + `]?(` + value + `)(?:$|[^A-Za-z0-9_\-+/=])`
	return &rule{id: id, ciKeywords: words, re: lazy(pattern), group: 1, fwd: 160, prio: prioSpecific}
}

const uuidRE = `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`

// builtinRules returns the built-in rules, most specific first.
func builtinRules() []*rule {
	rs := []*rule{
		{id: "private-key", keywords: []string{"-----BEGIN"}, match: matchPrivateKey, prio: prioBlock, keepPlaceholders: true},
		token("anthropic-api-key", []string{"sk-ant-"}, `\bsk-ant-[A-Za-z0-9_\-]{32,200}`, 220),
		infix("openai-api-key", []string{"sk-proj-", "sk-svcacct-", "sk-admin-", "sk-None-", "T3BlbkFJ"},
			`\bsk-(?:(?:proj|svcacct|admin|None)-[A-Za-z0-9_\-]{32,250}|[A-Za-z0-9_\-]{10,100}T3BlbkFJ[A-Za-z0-9_\-]{10,100})`, 110, 260),
		withCheck(token("sk-api-key", []string{"sk-"}, `\bsk-[A-Za-z0-9]{32,64}\b`, 70), randomLooking),
		token("aws-access-key", []string{"AKIA", "ASIA", "ABIA", "ACCA", "A3T"}, `\b(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}\b`, 24),
		withCheck(assigned("aws-secret-key", []string{"aws"}, `[A-Za-z0-9/+]{40}`), randomLooking),
		token("gcp-api-key", []string{"AIza"}, `\bAIza[0-9A-Za-z_\-]{35}\b`, 40),
		token("gcp-oauth-client-secret", []string{"GOCSPX-"}, `\bGOCSPX-[A-Za-z0-9_\-]{28}\b`, 40),
		token("google-oauth-token", []string{"ya29.", "1//0"}, `\b(?:ya29\.[0-9A-Za-z_\-]{20,}|1//0[0-9A-Za-z_\-]{40,512})`, 2060),
		{id: "azure-storage-key", ciKeywords: []string{"AccountKey=", "SharedAccessKey="}, group: 1, fwd: 100, prio: prioSpecific,
			re: lazy(`(?i)(?:AccountKey|SharedAccessKey)=([A-Za-z0-9+/]{40,100}={0,2})`)},
		{id: "azure-sas-token", ciKeywords: []string{"sig="}, group: 1, back: 1, fwd: 130, prio: prioSpecific,
			re: lazy(`[?&;][Ss][Ii][Gg]=([A-Za-z0-9%+/=]{30,120})`)},
		{id: "azure-client-secret", keywords: []string{"Q~"}, group: 1, back: 8, fwd: 40, prio: prioSpecific,
			re: lazy(`(?:^|[^A-Za-z0-9_~.\-])([A-Za-z0-9_~.\-]{3}[0-9]Q~[A-Za-z0-9_~.\-]{31,34})(?:$|[^A-Za-z0-9_~.\-])`)},
		token("github-token", []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_"}, `\bgh[pousr]_[A-Za-z0-9]{36,251}\b`, 260),
		token("github-fine-grained-pat", []string{"github_pat_"}, `\bgithub_pat_[A-Za-z0-9_]{50,255}\b`, 270),
		token("gitlab-token", []string{"glpat-", "gldt-", "glptt-", "glrt-", "gloas-", "glsoat-", "glffct-", "glcbt-", "glimt-", "glagent-", "glft-", "GR1348941"},
			`\b(?:(?:glpat|gldt|glptt|glrt|gloas|glsoat|glffct|glcbt|glimt|glagent|glft)-|GR1348941)[A-Za-z0-9_\-]{20,255}`, 270),
		token("slack-token", []string{"xox", "xapp-"}, `\b(?:xox[abposre](?:\.xox[abposre])?|xapp)-[A-Za-z0-9\-]{10,250}`, 260),
		infix("slack-webhook", []string{"hooks.slack.com/"}, `hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_\-]{20,200}`, 0, 230),
		token("stripe-secret-key", []string{"sk_live_", "sk_test_", "rk_live_", "rk_test_"}, `\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,247}\b`, 260),
		token("stripe-webhook-secret", []string{"whsec_"}, `\bwhsec_[A-Za-z0-9+/=]{24,128}`, 140),
		withCheck(token("twilio-api-key", []string{"SK"}, `\bSK[0-9a-fA-F]{32}\b`, 34), randomLooking),
		assigned("twilio-auth-token", []string{"twilio"}, `[0-9a-f]{32}`),
		token("sendgrid-api-key", []string{"SG."}, `\bSG\.[A-Za-z0-9_\-]{16,32}\.[A-Za-z0-9_\-]{16,64}\b`, 100),
		token("npm-token", []string{"npm_"}, `\bnpm_[A-Za-z0-9]{36}\b`, 40),
		token("pypi-token", []string{"pypi-"}, `\bpypi-AgE[A-Za-z0-9_\-]{50,1000}`, 1010),
		token("shopify-token", []string{"shpat_", "shpca_", "shppa_", "shpss_"}, `\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b`, 40),
		withCheck(token("mailgun-api-key", []string{"key-"}, `\bkey-[0-9a-z]{32}\b`, 36), randomLooking),
		infix("mailchimp-api-key", []string{"-us"}, `\b[0-9a-f]{32}-us[0-9]{1,2}\b`, 34, 4),
		withCheck(token("huggingface-token", []string{"hf_", "api_org_"}, `\b(?:hf|api_org)_[A-Za-z0-9]{30,40}\b`, 50), randomLooking),
		token("digitalocean-token", []string{"dop_v1_", "doo_v1_", "dor_v1_"}, `\bdo[opr]_v1_[a-f0-9]{64}\b`, 72),
		token("databricks-token", []string{"dapi"}, `\bdapi[a-f0-9]{32}(?:-[0-9]+)?\b`, 40),
		{id: "heroku-api-key", ciKeywords: []string{"heroku", "HRKU-"}, group: -1, fwd: 160, prio: prioSpecific,
			re: lazy(`(?i)heroku[A-Za-z0-9_.\-]{0,40}\\?["']?[ \t]*(?:=|:=|:|=>)[ \t]*\\?["']?(` + uuidRE + `)\b|\b(HRKU-[A-Za-z0-9_\-]{60})`)},
		assigned("okta-api-token", []string{"okta"}, `00[A-Za-z0-9_\-]{40}`),
		token("atlassian-api-token", []string{"ATATT3", "ATCTT3"}, `\bAT[AC]TT3[A-Za-z0-9_\-=]{150,300}`, 310),
		token("doppler-token", []string{"dp.pt.", "dp.st.", "dp.sa.", "dp.ct.", "dp.scim.", "dp.audit."}, `\bdp\.(?:pt|st|sa|ct|scim|audit)\.(?:[a-z0-9_\-]{1,40}\.)?[A-Za-z0-9]{40,44}\b`, 100),
		token("vault-token", []string{"hvs.", "hvb.", "hvr."}, `\bhv[sbr]\.[A-Za-z0-9_\-]{24,512}`, 520),
		token("grafana-token", []string{"glc_", "glsa_", "eyJrIjoi"}, `\b(?:glc_[A-Za-z0-9+/]{32,400}={0,2}|glsa_[A-Za-z0-9]{32}_[a-fA-F0-9]{8}|eyJrIjoi[A-Za-z0-9+/]{50,400}={0,2})`, 410),
		token("pulumi-token", []string{"pul-"}, `\bpul-[a-f0-9]{40}\b`, 44),
		token("linear-api-key", []string{"lin_api_"}, `\blin_api_[A-Za-z0-9]{40}\b`, 48),
		token("notion-token", []string{"secret_", "ntn_"}, `\b(?:secret_[A-Za-z0-9]{43}|ntn_[A-Za-z0-9]{46})\b`, 52),
		{id: "discord-bot-token", keywords: []string{"MT"}, bound: true, ciKeywords: []string{"discord"}, back: 200, fwd: 300, prio: prioSpecific,
			re: lazy(`\b[MNO][A-Za-z0-9_\-]{23,27}\.[A-Za-z0-9_\-]{6}\.[A-Za-z0-9_\-]{27,40}\b`)},
		{id: "telegram-bot-token", keywords: []string{":AA"}, group: 1, back: 12, fwd: 40, prio: prioSpecific,
			re: lazy(`(?:^|[^0-9])([0-9]{8,10}:AA[A-Za-z0-9_\-]{33})\b`)},
		token("square-token", []string{"sq0atp-", "sq0csp-", "EAAA"}, `\b(?:sq0(?:atp|csp)-[A-Za-z0-9_\-]{22,60}|EAAA[A-Za-z0-9_\-+]{60})\b`, 70),
		token("facebook-access-token", []string{"EAA"}, `\bEAA[A-Za-z0-9]{100,400}`, 410),
		infix("braintree-access-token", []string{"access_token$production$", "access_token$sandbox$"},
			`access_token\$(?:production|sandbox)\$[0-9a-z]{16}\$[0-9a-f]{32}`, 0, 90),
		assigned("algolia-api-key", []string{"algolia"}, `[a-f0-9]{32}`),
		withCheck(assigned("cloudflare-api-token", []string{"cloudflare", "cf_api", "cf_token"}, `[A-Za-z0-9_\-]{37,40}`), randomLooking),
		assigned("datadog-api-key", []string{"datadog", "dd_api", "dd_app"}, `[a-f0-9]{32}|[a-f0-9]{40}`),
		infix("newrelic-key", []string{"NRAK-", "NRAA-", "NRII-", "NRJS-", "NRAL"}, `\b(?:NR(?:AK|AA|II|JS)-[A-Za-z0-9]{19,32}|[a-f0-9]{36}NRAL)\b`, 36, 40),
		token("postman-api-key", []string{"PMAK-"}, `\bPMAK-[a-f0-9]{24}-[a-f0-9]{34}\b`, 70),
		token("age-secret-key", []string{"AGE-SECRET-KEY-1"}, `\bAGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}\b`, 80),
		token("groq-api-key", []string{"gsk_"}, `\bgsk_[A-Za-z0-9]{48,56}\b`, 60),
		token("replicate-api-token", []string{"r8_"}, `\br8_[A-Za-z0-9]{37}\b`, 40),
		token("perplexity-api-key", []string{"pplx-"}, `\bpplx-[A-Za-z0-9]{48}\b`, 53),
		token("xai-api-key", []string{"xai-"}, `\bxai-[A-Za-z0-9]{70,90}\b`, 95),
		token("supabase-token", []string{"sbp_"}, `\bsbp_[a-f0-9]{40}\b`, 44),
		token("planetscale-token", []string{"pscale_tkn_", "pscale_pw_", "pscale_oauth_"}, `\bpscale_(?:tkn|pw|oauth)_[A-Za-z0-9_\-.]{32,64}`, 80),
		token("sentry-auth-token", []string{"sntrys_", "sntryu_"}, `\bsntry[su]_[A-Za-z0-9+/=_]{40,400}`, 410),
		infix("terraform-cloud-token", []string{".atlasv1."}, `\b[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_\-]{60,70}`, 14, 80),
		token("dynatrace-token", []string{"dt0c01."}, `\bdt0c01\.[A-Z0-9]{24}\.[A-Z0-9]{64}\b`, 100),
		{id: "jwt", keywords: []string{"eyJ"}, bound: true, fwd: 8192, prio: prioSpecific, keepPlaceholders: true,
			re: lazy(`\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*`)},
		{id: "url-password", ciKeywords: []string{"://"}, gate: hasUserinfo, group: 1, back: 40, fwd: 512, prio: prioSpecific, check: plausibleURLPassword,
			re: lazy(`\b[A-Za-z][A-Za-z0-9+.\-]{1,30}://[^\s:/?#@"'\\<>]*:([^\s/?#"'\\<>]+)@[A-Za-z0-9.\-\[]`)},
		{id: "bearer-token", ciKeywords: []string{"bearer"}, gate: spaceThenToken, group: 1, fwd: 2100, prio: prioGeneric, check: randomLooking,
			re: lazy(`(?i)\bbearer[ \t]+([A-Za-z0-9\-._~+/]{16,}=*)`)},
		{id: "basic-auth", ciKeywords: []string{"basic"}, gate: spaceThenToken, group: 1, fwd: 1100, prio: prioGeneric, check: basicCredentials,
			re: lazy(`(?i)\bbasic[ \t]+([A-Za-z0-9+/]{8,1000}={0,2})`)},
		{id: "password-assignment", ciKeywords: []string{"pass", "pwd"}, match: matchAssignment, prio: prioGeneric, class: keyPassword},
		{id: "secret-assignment", ciKeywords: secretKeywords, match: matchAssignment, prio: prioGeneric, class: keySecret},
	}
	return rs
}

// secretKeywords are the words that make a key name worth examining for
// the secret-assignment rule; classifyKey has the final say.
var secretKeywords = []string{
	"secret", "token", "api_key", "apikey", "access_key", "accesskey", "private_key", "privatekey",
	"credential", "creds", "auth", "signing_key", "signingkey", "encryption_key", "master_key", "session_key",
}

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

func withCheck(r *rule, check func([]byte) bool) *rule {
	r.check = check
	return r
}
