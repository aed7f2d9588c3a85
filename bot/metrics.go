package bot

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the bot's Prometheus metrics, in a registry of its own.
type metrics struct {
	registry        *prometheus.Registry
	updates         *prometheus.CounterVec
	answers         prometheus.Counter
	handleErrors    prometheus.Counter
	handleSeconds   prometheus.Histogram
	sent            *prometheus.CounterVec
	sendErrors      *prometheus.CounterVec
	sendSeconds     prometheus.Histogram
	pollErrors      *prometheus.CounterVec
	outboxDepth     prometheus.Gauge
	webhookRejected prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		updates: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "assetbot_updates_handled_total",
			Help: "Telegram updates handled, by what was done with them."}, []string{"action"}),
		answers: prometheus.NewCounter(prometheus.CounterOpts{Name: "assetbot_answers_stored_total",
			Help: "Answers stored."}),
		handleErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "assetbot_update_errors_total",
			Help: "Updates whose handling failed and were answered with an apology."}),
		handleSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "assetbot_update_handle_seconds",
			Help: "Time to apply an update and commit its effects.", Buckets: prometheus.ExponentialBuckets(0.0001, 2.5, 12)}),
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "assetbot_messages_sent_total",
			Help: "Bot API calls from the outbox that succeeded, by method."}, []string{"method"}),
		sendErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "assetbot_send_errors_total",
			Help: "Bot API calls from the outbox that failed, by kind of failure."}, []string{"kind"}),
		sendSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "assetbot_send_seconds",
			Help: "Duration of Bot API calls from the outbox.", Buckets: prometheus.ExponentialBuckets(0.0005, 2.5, 12)}),
		pollErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "assetbot_poll_errors_total",
			Help: "getUpdates calls that failed, by kind of failure."}, []string{"kind"}),
		outboxDepth: prometheus.NewGauge(prometheus.GaugeOpts{Name: "assetbot_outbox_depth",
			Help: "Messages waiting in the outbox."}),
		webhookRejected: prometheus.NewCounter(prometheus.CounterOpts{Name: "assetbot_webhook_rejected_total",
			Help: "Webhook requests refused for a missing or wrong secret."}),
	}
	m.registry.MustRegister(m.updates, m.answers, m.handleErrors, m.handleSeconds, m.sent, m.sendErrors, m.sendSeconds,
		m.pollErrors, m.outboxDepth, m.webhookRejected,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// OpsHandler serves /healthz and /metrics.
func (b *Bot) OpsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(b.metrics.registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		if err := b.store.Ping(r.Context()); err != nil {
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	})
	return mux
}
