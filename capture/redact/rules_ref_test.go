package redact

import (
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The built-in rules as they were first written, through helpers that
// build them at run time. The static table in rules.go must say the same
// (TestBuiltinTable).

func lazy(pattern string) string { return pattern }

// token is a provider token recognised by a case-sensitive prefix that
// starts a word; maxLen bounds its length.
func refToken(id string, prefixes []string, pattern string, maxLen int) *rule {
	return &rule{id: id, keywords: prefixes, bound: true, pattern: lazy(pattern), fwd: maxLen, prio: prioSpecific}
}

// infix is a provider token whose distinctive literal is not at its start.
func refInfix(id string, literals []string, pattern string, back, fwd int) *rule {
	return &rule{id: id, keywords: literals, pattern: lazy(pattern), back: back, fwd: fwd, prio: prioSpecific}
}

// assigned is a secret without a distinctive shape, recognised by a
// provider name in the key it is assigned to (HEROKU_API_KEY=…).
func refAssigned(id string, words []string, value string) *rule {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = regexp.QuoteMeta(w)
	}
	pattern := `(?i)(?:` + strings.Join(q, "|") + `)[A-Za-z0-9_.\-]{0,40}\\?["']?[ \t]*(?:=|:=|:|=>)[ \t]*\\?["'` +
		"`" + `]?(` + value + `)(?:$|[^A-Za-z0-9_\-+/=])`
	return &rule{id: id, ciKeywords: words, pattern: lazy(pattern), group: 1, fwd: 160, prio: prioSpecific}
}

// builtinRules returns the built-in rules, most specific first.
func refBuiltinRules() []*rule {
	rs := []*rule{
		{id: "private-key", keywords: []string{"-----BEGIN"}, match: matchPrivateKey, prio: prioBlock, keepPlaceholders: true},
		refToken("anthropic-api-key", []string{"sk-ant-"}, `\bsk-ant-[A-Za-z0-9_\-]{32,200}`, 220),
		refInfix("openai-api-key", []string{"sk-proj-", "sk-svcacct-", "sk-admin-", "sk-None-", "T3BlbkFJ"},
			`\bsk-(?:(?:proj|svcacct|admin|None)-[A-Za-z0-9_\-]{32,250}|[A-Za-z0-9_\-]{10,100}T3BlbkFJ[A-Za-z0-9_\-]{10,100})`, 110, 260),
		refWithCheck(refToken("sk-api-key", []string{"sk-"}, `\bsk-[A-Za-z0-9]{32,64}\b`, 70), randomLooking),
		refToken("aws-access-key", []string{"AKIA", "ASIA", "ABIA", "ACCA", "A3T"}, `\b(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}\b`, 24),
		refWithCheck(refAssigned("aws-secret-key", []string{"aws"}, `[A-Za-z0-9/+]{40}`), randomLooking),
		refToken("gcp-api-key", []string{"AIza"}, `\bAIza[0-9A-Za-z_\-]{35}\b`, 40),
		refToken("gcp-oauth-client-secret", []string{"GOCSPX-"}, `\bGOCSPX-[A-Za-z0-9_\-]{28}\b`, 40),
		refToken("google-oauth-token", []string{"ya29.", "1//0"}, `\b(?:ya29\.[0-9A-Za-z_\-]{20,}|1//0[0-9A-Za-z_\-]{40,512})`, 2060),
		{id: "azure-storage-key", ciKeywords: []string{"AccountKey=", "SharedAccessKey="}, group: 1, fwd: 100, prio: prioSpecific,
			pattern: lazy(`(?i)(?:AccountKey|SharedAccessKey)=([A-Za-z0-9+/]{40,100}={0,2})`)},
		{id: "azure-sas-token", ciKeywords: []string{"sig="}, group: 1, back: 1, fwd: 130, prio: prioSpecific,
			pattern: lazy(`[?&;][Ss][Ii][Gg]=([A-Za-z0-9%+/=]{30,120})`)},
		{id: "azure-client-secret", keywords: []string{"Q~"}, group: 1, back: 8, fwd: 40, prio: prioSpecific,
			pattern: lazy(`(?:^|[^A-Za-z0-9_~.\-])([A-Za-z0-9_~.\-]{3}[0-9]Q~[A-Za-z0-9_~.\-]{31,34})(?:$|[^A-Za-z0-9_~.\-])`)},
		refToken("github-token", []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_"}, `\bgh[pousr]_[A-Za-z0-9]{36,251}\b`, 260),
		refToken("github-fine-grained-pat", []string{"github_pat_"}, `\bgithub_pat_[A-Za-z0-9_]{50,255}\b`, 270),
		refToken("gitlab-token", []string{"glpat-", "gldt-", "glptt-", "glrt-", "gloas-", "glsoat-", "glffct-", "glcbt-", "glimt-", "glagent-", "glft-", "GR1348941"},
			`\b(?:(?:glpat|gldt|glptt|glrt|gloas|glsoat|glffct|glcbt|glimt|glagent|glft)-|GR1348941)[A-Za-z0-9_\-]{20,255}`, 270),
		refToken("slack-token", []string{"xox", "xapp-"}, `\b(?:xox[abposre](?:\.xox[abposre])?|xapp)-[A-Za-z0-9\-]{10,250}`, 260),
		refInfix("slack-webhook", []string{"hooks.slack.com/"}, `hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_\-]{20,200}`, 0, 230),
		refToken("stripe-secret-key", []string{"sk_live_", "sk_test_", "rk_live_", "rk_test_"}, `\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,247}\b`, 260),
		refToken("stripe-webhook-secret", []string{"whsec_"}, `\bwhsec_[A-Za-z0-9+/=]{24,128}`, 140),
		refWithCheck(refToken("twilio-api-key", []string{"SK"}, `\bSK[0-9a-fA-F]{32}\b`, 34), randomLooking),
		refAssigned("twilio-auth-token", []string{"twilio"}, `[0-9a-f]{32}`),
		refToken("sendgrid-api-key", []string{"SG."}, `\bSG\.[A-Za-z0-9_\-]{16,32}\.[A-Za-z0-9_\-]{16,64}\b`, 100),
		refToken("npm-token", []string{"npm_"}, `\bnpm_[A-Za-z0-9]{36}\b`, 40),
		refToken("pypi-token", []string{"pypi-"}, `\bpypi-AgE[A-Za-z0-9_\-]{50,1000}`, 1010),
		refToken("shopify-token", []string{"shpat_", "shpca_", "shppa_", "shpss_"}, `\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b`, 40),
		refWithCheck(refToken("mailgun-api-key", []string{"key-"}, `\bkey-[0-9a-z]{32}\b`, 36), randomLooking),
		refInfix("mailchimp-api-key", []string{"-us"}, `\b[0-9a-f]{32}-us[0-9]{1,2}\b`, 34, 4),
		refWithCheck(refToken("huggingface-token", []string{"hf_", "api_org_"}, `\b(?:hf|api_org)_[A-Za-z0-9]{30,40}\b`, 50), randomLooking),
		refToken("digitalocean-token", []string{"dop_v1_", "doo_v1_", "dor_v1_"}, `\bdo[opr]_v1_[a-f0-9]{64}\b`, 72),
		refToken("databricks-token", []string{"dapi"}, `\bdapi[a-f0-9]{32}(?:-[0-9]+)?\b`, 40),
		{id: "heroku-api-key", ciKeywords: []string{"heroku", "HRKU-"}, group: -1, fwd: 160, prio: prioSpecific,
			pattern: lazy(`(?i)heroku[A-Za-z0-9_.\-]{0,40}\\?["']?[ \t]*(?:=|:=|:|=>)[ \t]*\\?["']?(` + uuidRE + `)\b|\b(HRKU-[A-Za-z0-9_\-]{60})`)},
		refAssigned("okta-api-token", []string{"okta"}, `00[A-Za-z0-9_\-]{40}`),
		refToken("atlassian-api-token", []string{"ATATT3", "ATCTT3"}, `\bAT[AC]TT3[A-Za-z0-9_\-=]{150,300}`, 310),
		refToken("doppler-token", []string{"dp.pt.", "dp.st.", "dp.sa.", "dp.ct.", "dp.scim.", "dp.audit."}, `\bdp\.(?:pt|st|sa|ct|scim|audit)\.(?:[a-z0-9_\-]{1,40}\.)?[A-Za-z0-9]{40,44}\b`, 100),
		refToken("vault-token", []string{"hvs.", "hvb.", "hvr."}, `\bhv[sbr]\.[A-Za-z0-9_\-]{24,512}`, 520),
		refToken("grafana-token", []string{"glc_", "glsa_", "eyJrIjoi"}, `\b(?:glc_[A-Za-z0-9+/]{32,400}={0,2}|glsa_[A-Za-z0-9]{32}_[a-fA-F0-9]{8}|eyJrIjoi[A-Za-z0-9+/]{50,400}={0,2})`, 410),
		refToken("pulumi-token", []string{"pul-"}, `\bpul-[a-f0-9]{40}\b`, 44),
		refToken("linear-api-key", []string{"lin_api_"}, `\blin_api_[A-Za-z0-9]{40}\b`, 48),
		refToken("notion-token", []string{"secret_", "ntn_"}, `\b(?:secret_[A-Za-z0-9]{43}|ntn_[A-Za-z0-9]{46})\b`, 52),
		{id: "discord-bot-token", keywords: []string{"MT"}, bound: true, ciKeywords: []string{"discord"}, back: 200, fwd: 300, prio: prioSpecific,
			pattern: lazy(`\b[MNO][A-Za-z0-9_\-]{23,27}\.[A-Za-z0-9_\-]{6}\.[A-Za-z0-9_\-]{27,40}\b`)},
		{id: "telegram-bot-token", keywords: []string{":AA"}, group: 1, back: 12, fwd: 40, prio: prioSpecific,
			pattern: lazy(`(?:^|[^0-9])([0-9]{8,10}:AA[A-Za-z0-9_\-]{33})\b`)},
		refToken("square-token", []string{"sq0atp-", "sq0csp-", "EAAA"}, `\b(?:sq0(?:atp|csp)-[A-Za-z0-9_\-]{22,60}|EAAA[A-Za-z0-9_\-+]{60})\b`, 70),
		refToken("facebook-access-token", []string{"EAA"}, `\bEAA[A-Za-z0-9]{100,400}`, 410),
		refInfix("braintree-access-token", []string{"access_token$production$", "access_token$sandbox$"},
			`access_token\$(?:production|sandbox)\$[0-9a-z]{16}\$[0-9a-f]{32}`, 0, 90),
		refAssigned("algolia-api-key", []string{"algolia"}, `[a-f0-9]{32}`),
		refWithCheck(refAssigned("cloudflare-api-token", []string{"cloudflare", "cf_api", "cf_token"}, `[A-Za-z0-9_\-]{37,40}`), randomLooking),
		refAssigned("datadog-api-key", []string{"datadog", "dd_api", "dd_app"}, `[a-f0-9]{32}|[a-f0-9]{40}`),
		refInfix("newrelic-key", []string{"NRAK-", "NRAA-", "NRII-", "NRJS-", "NRAL"}, `\b(?:NR(?:AK|AA|II|JS)-[A-Za-z0-9]{19,32}|[a-f0-9]{36}NRAL)\b`, 36, 40),
		refToken("postman-api-key", []string{"PMAK-"}, `\bPMAK-[a-f0-9]{24}-[a-f0-9]{34}\b`, 70),
		refToken("age-secret-key", []string{"AGE-SECRET-KEY-1"}, `\bAGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}\b`, 80),
		refToken("groq-api-key", []string{"gsk_"}, `\bgsk_[A-Za-z0-9]{48,56}\b`, 60),
		refToken("replicate-api-token", []string{"r8_"}, `\br8_[A-Za-z0-9]{37}\b`, 40),
		refToken("perplexity-api-key", []string{"pplx-"}, `\bpplx-[A-Za-z0-9]{48}\b`, 53),
		refToken("xai-api-key", []string{"xai-"}, `\bxai-[A-Za-z0-9]{70,90}\b`, 95),
		refToken("supabase-token", []string{"sbp_"}, `\bsbp_[a-f0-9]{40}\b`, 44),
		refToken("planetscale-token", []string{"pscale_tkn_", "pscale_pw_", "pscale_oauth_"}, `\bpscale_(?:tkn|pw|oauth)_[A-Za-z0-9_\-.]{32,64}`, 80),
		refToken("sentry-auth-token", []string{"sntrys_", "sntryu_"}, `\bsntry[su]_[A-Za-z0-9+/=_]{40,400}`, 410),
		refInfix("terraform-cloud-token", []string{".atlasv1."}, `\b[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_\-]{60,70}`, 14, 80),
		refToken("dynatrace-token", []string{"dt0c01."}, `\bdt0c01\.[A-Z0-9]{24}\.[A-Z0-9]{64}\b`, 100),
		{id: "jwt", keywords: []string{"eyJ"}, bound: true, fwd: 8192, prio: prioSpecific, keepPlaceholders: true,
			pattern: lazy(`\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*`)},
		{id: "url-password", ciKeywords: []string{"://"}, gate: hasUserinfo, group: 1, back: 40, fwd: 512, prio: prioSpecific, check: plausibleURLPassword,
			pattern: lazy(`\b[A-Za-z][A-Za-z0-9+.\-]{1,30}://[^\s:/?#@"'\\<>]*:([^\s/?#"'\\<>]+)@[A-Za-z0-9.\-\[]`)},
		{id: "bearer-token", ciKeywords: []string{"bearer"}, gate: spaceThenToken, group: 1, fwd: 2100, prio: prioGeneric, check: randomLooking,
			pattern: lazy(`(?i)\bbearer[ \t]+([A-Za-z0-9\-._~+/]{16,}=*)`)},
		{id: "basic-auth", ciKeywords: []string{"basic"}, gate: basicGate, group: 1, fwd: 1100, prio: prioGeneric, check: basicCredentials,
			pattern: lazy(`(?i)\bbasic[ \t]+([A-Za-z0-9+/]{8,1000}={0,2})`)},
		{id: "password-assignment", ciKeywords: []string{"pass", "pwd"}, match: matchAssignment, prio: prioGeneric, class: keyPassword},
		{id: "secret-assignment", ciKeywords: secretKeywords, match: matchAssignment, prio: prioGeneric, class: keySecret},
	}
	return rs
}

func refWithCheck(r *rule, check func([]byte) bool) *rule {
	r.check = check
	return r
}

// secretKeywords are the words that make a key name worth examining for
// the secret-assignment rule; classifyKey has the final say.
var secretKeywords = []string{
	"secret", "token", "api_key", "apikey", "access_key", "accesskey", "private_key", "privatekey",
	"credential", "creds", "auth", "signing_key", "signingkey", "encryption_key", "master_key", "session_key",
}

func funcPtr(f any) uintptr {
	v := reflect.ValueOf(f)
	if v.IsNil() {
		return 0
	}
	return v.Pointer()
}

// TestBuiltinTable: the static rule table is the one the helpers build.
func TestBuiltinTable(t *testing.T) {
	ref := refBuiltinRules()
	got := builtinRules()
	if len(got) != len(ref) {
		t.Fatalf("%d rules, want %d", len(got), len(ref))
	}
	for i, w := range ref {
		g := got[i]
		if g.id != w.id || !slices.Equal(g.keywords, w.keywords) || !slices.Equal(g.ciKeywords, w.ciKeywords) ||
			g.bound != w.bound || g.pattern != w.pattern || g.group != w.group || g.back != w.back || g.fwd != w.fwd ||
			g.prio != w.prio || g.class != w.class || g.keepPlaceholders != w.keepPlaceholders ||
			funcPtr(g.match) != funcPtr(w.match) || funcPtr(g.check) != funcPtr(w.check) || funcPtr(g.gate) != funcPtr(w.gate) {
			t.Errorf("rule %d: got %+v\nwant %+v", i, g, w)
		}
	}
}

// TestDefaultIsNew: the static default redactor is the one New builds.
func TestDefaultIsNew(t *testing.T) {
	d, n := Default(), must(New(Config{}))
	if !slices.Equal(d.rules, n.rules) || d.assign != n.assign || len(d.allow) != len(n.allow) ||
		!slices.Equal(d.pre.kws, n.pre.kws) || d.pre.class != n.pre.class || d.pre.nclass != n.pre.nclass ||
		!slices.Equal(d.pre.delta, n.pre.delta) || !slices.Equal(d.pre.outStart, n.pre.outStart) || !slices.Equal(d.pre.outs, n.pre.outs) {
		t.Fatal("Default() differs from New(Config{})")
	}
	for _, id := range []string{"a", "a-1", "0x", "acme-key-2"} {
		if !validRuleID(id) || !regexp.MustCompile(ruleIDPattern).MatchString(id) {
			t.Errorf("id %q rejected", id)
		}
	}
	for _, id := range []string{"", "-a", "A", "a_b", "a b", "é"} {
		if validRuleID(id) || regexp.MustCompile(ruleIDPattern).MatchString(id) {
			t.Errorf("id %q accepted", id)
		}
	}
}

func must(r *Redactor, err error) *Redactor {
	if err != nil {
		panic(err)
	}
	return r
}
