package server

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Config is everything tracevault-server reads from flags and environment.
type Config struct {
	// Addr is the listen address; default 127.0.0.1:3000.
	Addr string
	// DataDir holds the embedded database, the River queue of the
	// embedded mode, the mirrors and (without TRACEVAULT_ENCRYPTION_KEY in
	// embedded mode) the generated encryption key; default ./data.
	DataDir string
	// DatabaseURL selects Postgres ("postgres://…"); empty means the
	// embedded store in DataDir.
	DatabaseURL string
	// EncryptionKey is TRACEVAULT_ENCRYPTION_KEY; required with Postgres.
	EncryptionKey string
	// Org is the org created on start (and the one `repo add` uses by
	// default); default "default".
	Org string
	// Origin is the prefix of each org's log name: org acme's checkpoints
	// carry origin "<Origin>/acme". Default: "tracevault".
	Origin string
	// MirrorInterval is how often every registered repository is fetched;
	// default 5 minutes; negative disables the schedule.
	MirrorInterval time.Duration
	// AuditInterval is how often each org's log is re-verified from stored
	// data; default 1 hour; negative disables it.
	AuditInterval time.Duration
	// WebhookSecret, when set, lets forges call the fetch webhook with an
	// X-Hub-Signature-256 HMAC instead of an API key.
	WebhookSecret string
	// ShutdownTimeout bounds graceful shutdown; default 20 s.
	ShutdownTimeout time.Duration
	// JobWorkers is how many River jobs run at once; default 4.
	JobWorkers int
	// LogLevel is debug, info, warn or error; default info.
	LogLevel string
	// LogJSON selects JSON logs instead of text.
	LogJSON bool
}

// Environment variables [ConfigFromEnv] reads.
const (
	EnvHost           = "HOST"
	EnvPort           = "PORT"
	EnvDataDir        = "TRACEVAULT_DATA_DIR"
	EnvDatabaseURL    = "DATABASE_URL"
	EnvEncryptionKey  = "TRACEVAULT_ENCRYPTION_KEY"
	EnvOrg            = "TRACEVAULT_ORG"
	EnvOrigin         = "TRACEVAULT_ORIGIN"
	EnvMirrorInterval = "TRACEVAULT_MIRROR_INTERVAL"
	EnvAuditInterval  = "TRACEVAULT_AUDIT_INTERVAL"
	EnvWebhookSecret  = "TRACEVAULT_WEBHOOK_SECRET"
	EnvLogLevel       = "TRACEVAULT_LOG_LEVEL"
	EnvLogJSON        = "TRACEVAULT_LOG_JSON"
)

// ConfigFromEnv returns the defaults overridden by the environment getenv
// reads; flags override the result.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		Addr: "127.0.0.1:3000", DataDir: "data", Org: "default", Origin: "tracevault",
		MirrorInterval: 5 * time.Minute, AuditInterval: time.Hour,
		ShutdownTimeout: 20 * time.Second, JobWorkers: 4, LogLevel: "info",
	}
	host, port := getenv(EnvHost), getenv(EnvPort)
	if host != "" || port != "" {
		h, p, _ := net.SplitHostPort(c.Addr)
		c.Addr = net.JoinHostPort(or(host, h), or(port, p))
	}
	set := func(dst *string, env string) {
		if v := getenv(env); v != "" {
			*dst = v
		}
	}
	set(&c.DataDir, EnvDataDir)
	set(&c.DatabaseURL, EnvDatabaseURL)
	set(&c.EncryptionKey, EnvEncryptionKey)
	set(&c.Org, EnvOrg)
	set(&c.Origin, EnvOrigin)
	set(&c.WebhookSecret, EnvWebhookSecret)
	set(&c.LogLevel, EnvLogLevel)
	c.LogJSON = getenv(EnvLogJSON) == "1" || getenv(EnvLogJSON) == "true"
	for env, dst := range map[string]*time.Duration{EnvMirrorInterval: &c.MirrorInterval, EnvAuditInterval: &c.AuditInterval} {
		if v := getenv(env); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				return c, fmt.Errorf("%s: %w", env, err)
			}
			*dst = d
		}
	}
	return c, nil
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// embedded reports whether c uses the embedded store.
func (c *Config) embedded() bool { return c.DatabaseURL == "" }

// storeDSN is what server/store.Open gets.
func (c *Config) storeDSN() (string, error) {
	if !c.embedded() {
		if !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
			return "", fmt.Errorf("%s must be a postgres:// URL", EnvDatabaseURL)
		}
		return c.DatabaseURL, nil
	}
	abs, err := filepath.Abs(c.DataDir)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return "", fmt.Errorf("creating data directory %s: %w", abs, err)
	}
	return "sqlite:" + abs + string(filepath.Separator), nil
}

func (c *Config) origin(org string) string { return c.Origin + "/" + org }
