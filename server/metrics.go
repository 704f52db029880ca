package server

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the server's Prometheus metrics, in a registry of its own so
// that several servers can live in one test process.
type metrics struct {
	reg           *prometheus.Registry
	ingested      *prometheus.CounterVec
	ingestErrors  *prometheus.CounterVec
	ingestSeconds *prometheus.HistogramVec
	logSize       *prometheus.GaugeVec
	verdicts      *prometheus.CounterVec
	fetches       *prometheus.CounterVec
	audits        *prometheus.CounterVec
	auditLeaves   *prometheus.GaugeVec
	httpRequests  *prometheus.CounterVec
	httpSeconds   *prometheus.HistogramVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		ingested: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tracevault_ingested_records_total", Help: "Records ingested, by source and outcome (stored, duplicate, quarantined).",
		}, []string{"source", "status"}),
		ingestErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tracevault_ingest_errors_total", Help: "Ingest batches that failed and were rolled back.",
		}, []string{"source"}),
		ingestSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tracevault_ingest_batch_seconds", Help: "Time to verify, store and seal one batch.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
		}, []string{"source"}),
		logSize: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "tracevault_seal_log_size", Help: "Leaves in each org's seal log, as of this process's last append.",
		}, []string{"org"}),
		verdicts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tracevault_policy_verdicts_total", Help: "Policy verdicts stored at ingest, by decision.",
		}, []string{"decision"}),
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tracevault_mirror_fetches_total", Help: "Mirror fetches, by result (ok, error).",
		}, []string{"result"}),
		audits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tracevault_seal_audits_total", Help: "Full log audits, by result (ok, tampered, error).",
		}, []string{"result"}),
		auditLeaves: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "tracevault_seal_audit_verified_leaves", Help: "Leaves the last successful audit verified; -1 after a failed one.",
		}, []string{"org"}),
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tracevault_http_requests_total", Help: "HTTP requests by route and status code.",
		}, []string{"method", "route", "code"}),
		httpSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tracevault_http_request_seconds", Help: "HTTP request latency by route.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route"}),
	}
	m.reg.MustRegister(m.ingested, m.ingestErrors, m.ingestSeconds, m.logSize, m.verdicts, m.fetches,
		m.audits, m.auditLeaves, m.httpRequests, m.httpSeconds,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}
