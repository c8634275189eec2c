// Package metrics exposes Evident's operational state in the Prometheus
// text format for /metrics: request latency by route, the ledger's size
// and checkpoint age, the last witness cosignature, running regulatory
// clocks, the notification queue and blob store errors.
//
// Metrics describe operations, never compliance: nothing here decides a
// state, so none of it is a projection of the ledger. The store's figures
// are read when Prometheus scrapes, at most once per refresh interval,
// never per request served.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// Source is what the store-backed figures are read from.
type Source interface {
	Gauges(ctx context.Context) (sqlstore.Gauges, error)
	IncidentClocks(ctx context.Context, now time.Time) ([]evident.IncidentClocks, error)
}

// Metrics is one process's registry.
type Metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.HistogramVec
	blobErrors *prometheus.CounterVec
}

// Refresh is how long the store's figures are reused between scrapes:
// several Prometheus servers scraping every few seconds read the store
// once.
const Refresh = 15 * time.Second

// New registers the process's metrics; Watch adds the store's figures
// once the store is open (the blob store, which Blobs wraps, is opened
// before it).
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "evident_http_request_duration_seconds",
		Help:    "Time to answer an HTTP request, by route pattern and status code.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"route", "code"})
	m.blobErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "evident_blob_store_errors_total",
		Help: "Blob store operations that failed for a reason other than a missing blob, by operation.",
	}, []string{"op"})
	m.reg.MustRegister(m.requests, m.blobErrors,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Watch reports the figures of src, read on its clock now.
func (m *Metrics) Watch(src Source, now func() time.Time, logger *slog.Logger) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	m.reg.MustRegister(&storeCollector{src: src, now: now, logger: logger})
}

// Handler serves the registry.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Route times h under the route pattern it is mounted at: the pattern,
// not the path, so the number of series does not grow with ids in URLs.
func (m *Metrics) Route(pattern string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		h.ServeHTTP(sw, r)
		m.requests.WithLabelValues(pattern, strconv.Itoa(sw.code)).Observe(time.Since(start).Seconds())
	})
}

// BlobError counts a failed blob store operation.
func (m *Metrics) BlobError(op string) { m.blobErrors.WithLabelValues(op).Inc() }

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection (flushes for
// streamed downloads and packs).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

var (
	ledgerSizeDesc = prometheus.NewDesc("evident_ledger_leaves",
		"Leaves in the ledger.", nil, nil)
	checkpointAgeDesc = prometheus.NewDesc("evident_checkpoint_age_seconds",
		"Seconds since the newest checkpoint was signed (absent before the first).", nil, nil)
	cosignedAgeDesc = prometheus.NewDesc("evident_witness_cosignature_age_seconds",
		"Seconds since the newest witness cosignature was stored (absent before the first).", nil, nil)
	clocksDesc = prometheus.NewDesc("evident_regulatory_clocks",
		"Incident clocks that are running or missed, by state.", []string{"state"}, nil)
	queueDesc = prometheus.NewDesc("evident_notification_queue",
		"Notification deliveries not yet sent, by state.", []string{"state"}, nil)
	scrapeErrDesc = prometheus.NewDesc("evident_store_scrape_error",
		"1 when the store's figures could not be read at the last refresh.", nil, nil)
)

// storeCollector reads the store's figures at scrape time, reusing them
// for Refresh.
type storeCollector struct {
	src    Source
	now    func() time.Time
	logger *slog.Logger

	mu     sync.Mutex
	at     time.Time
	gauges sqlstore.Gauges
	clocks map[evident.ClockState]int
	failed bool
}

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{ledgerSizeDesc, checkpointAgeDesc, cosignedAgeDesc, clocksDesc, queueDesc, scrapeErrDesc} {
		ch <- d
	}
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if c.at.IsZero() || now.Sub(c.at) >= Refresh || now.Before(c.at) {
		c.refresh(now)
	}
	failed := 0.0
	if c.failed {
		failed = 1
	}
	ch <- prometheus.MustNewConstMetric(scrapeErrDesc, prometheus.GaugeValue, failed)
	if c.failed {
		return
	}
	ch <- prometheus.MustNewConstMetric(ledgerSizeDesc, prometheus.GaugeValue, float64(c.gauges.LedgerSize))
	if !c.gauges.CheckpointAt.IsZero() {
		ch <- prometheus.MustNewConstMetric(checkpointAgeDesc, prometheus.GaugeValue, now.Sub(c.gauges.CheckpointAt).Seconds())
	}
	if !c.gauges.CosignedAt.IsZero() {
		ch <- prometheus.MustNewConstMetric(cosignedAgeDesc, prometheus.GaugeValue, now.Sub(c.gauges.CosignedAt).Seconds())
	}
	for _, s := range []evident.ClockState{evident.ClockRunning, evident.ClockMissed} {
		ch <- prometheus.MustNewConstMetric(clocksDesc, prometheus.GaugeValue, float64(c.clocks[s]), string(s))
	}
	for _, s := range []string{"pending", "sending", "queued", "failed"} {
		ch <- prometheus.MustNewConstMetric(queueDesc, prometheus.GaugeValue, float64(c.gauges.Deliveries[s]), s)
	}
}

// refresh reads the store's figures; a failure is reported as
// evident_store_scrape_error rather than as stale figures.
func (c *storeCollector) refresh(now time.Time) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c.at = now
	g, err := c.src.Gauges(ctx)
	var open []evident.IncidentClocks
	if err == nil {
		open, err = c.src.IncidentClocks(ctx, now)
	}
	c.failed = err != nil
	if err != nil {
		c.logger.Warn("metrics: reading the store", "err", err)
		return
	}
	c.gauges = g
	c.clocks = map[evident.ClockState]int{}
	for _, ic := range open {
		for _, cl := range ic.Clocks {
			c.clocks[cl.State]++
		}
	}
}
