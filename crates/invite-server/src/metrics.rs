//! Prometheus metrics at `GET /metrics` (text exposition format), per process.
//!
//! Counted as things happen: request latency by route and status, invitations created by
//! channel, uploaded batch sizes, delivery attempts by kind and outcome, and the database
//! pool's checkouts, waits and outages. Read when scraped: the outbox backlog (pending, due,
//! dead, and how long the longest-due job has waited; the database's figures, the same on every
//! replica) and the pool's open and idle connections.

use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::db::Pool;
use crate::db::outbox::Backlog;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    /// The route's pattern (`/api/v1/invitations/{id}`), never the path itself: one series per
    /// route, whatever ids are asked for.
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ChannelLabels {
    channel: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DeliveryLabels {
    kind: String,
    /// `delivered`, `retry` (failed, tried again later) or `dead` (failed for good).
    outcome: String,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 0.5 ms to 16 s.
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

/// The delivery outcomes the worker counts.
#[derive(Debug, Clone, Copy)]
pub enum Outcome {
    Delivered,
    Retry,
    Dead,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Delivered => "delivered",
            Outcome::Retry => "retry",
            Outcome::Dead => "dead",
        }
    }
}

pub struct Metrics {
    registry: Registry,
    requests: HistogramFamily<RequestLabels>,
    invitations: Family<ChannelLabels, Counter>,
    batch_rows: Histogram,
    deliveries: Family<DeliveryLabels, Counter>,
    outbox_pending: Gauge,
    outbox_due: Gauge,
    outbox_dead: Gauge,
    outbox_oldest_due_age: Gauge<f64, AtomicU64>,
    pool_size: Gauge,
    pool_open: Gauge,
    pool_idle: Gauge,
    database_up: Gauge,
}

impl Metrics {
    /// The metrics of a process whose database is reached through `pool`.
    pub fn new(pool: &Pool) -> Metrics {
        let mut registry = Registry::with_prefix("invite");
        let requests = HistogramFamily::<RequestLabels>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        registry.register(
            "http_request_duration_seconds",
            "Time from a request's arrival to its response, by method, route and status",
            requests.clone(),
        );
        let invitations = Family::<ChannelLabels, Counter>::default();
        registry.register(
            "invitations_created",
            "Invitations created, by channel",
            invitations.clone(),
        );
        // 1 to 65,536 rows.
        let batch_rows = Histogram::new(exponential_buckets(1.0, 4.0, 9));
        registry.register(
            "batch_rows",
            "Rows per uploaded batch (spreadsheet or JSON)",
            batch_rows.clone(),
        );
        let deliveries = Family::<DeliveryLabels, Counter>::default();
        registry.register(
            "delivery_attempts",
            "Delivery attempts (email, TechPass, SEED, webhooks) by kind and outcome",
            deliveries.clone(),
        );
        let outbox_pending = Gauge::default();
        registry.register(
            "outbox_pending_jobs",
            "Delivery jobs not done yet (due, waiting for a retry, or claimed)",
            outbox_pending.clone(),
        );
        let outbox_due = Gauge::default();
        registry.register(
            "outbox_due_jobs",
            "Delivery jobs due now and not claimed",
            outbox_due.clone(),
        );
        let outbox_dead = Gauge::default();
        registry.register(
            "outbox_dead_jobs",
            "Delivery jobs that failed for good",
            outbox_dead.clone(),
        );
        let outbox_oldest_due_age = Gauge::<f64, AtomicU64>::default();
        registry.register(
            "outbox_oldest_due_age_seconds",
            "How long the longest-due unclaimed job has been due (0 when none is)",
            outbox_oldest_due_age.clone(),
        );
        let pool_size = Gauge::default();
        registry.register(
            "db_pool_max_connections",
            "The pool's size",
            pool_size.clone(),
        );
        let pool_open = Gauge::default();
        registry.register(
            "db_pool_open_connections",
            "Connections open (in use or idle)",
            pool_open.clone(),
        );
        let pool_idle = Gauge::default();
        registry.register(
            "db_pool_idle_connections",
            "Connections open and idle",
            pool_idle.clone(),
        );
        let database_up = Gauge::default();
        registry.register(
            "db_up",
            "1 while the database is reachable, 0 while the pool's breaker is open",
            database_up.clone(),
        );
        let counters = pool.counters();
        registry.register(
            "db_pool_checkouts",
            "Connections asked of the pool",
            counters.checkouts,
        );
        registry.register(
            "db_pool_wait_seconds",
            "Time spent waiting for a connection, in total",
            counters.wait_seconds,
        );
        registry.register(
            "db_outages",
            "Times the database was found unreachable (the breaker opened)",
            counters.outages,
        );
        Metrics {
            registry,
            requests,
            invitations,
            batch_rows,
            deliveries,
            outbox_pending,
            outbox_due,
            outbox_dead,
            outbox_oldest_due_age,
            pool_size,
            pool_open,
            pool_idle,
            database_up,
        }
    }

    pub fn request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels {
                method: method.to_owned(),
                route: route.to_owned(),
                status,
            })
            .observe(seconds);
    }

    pub fn invitations_created(&self, channel: invite_core::api::Channel, count: u64) {
        if count > 0 {
            self.invitations
                .get_or_create(&ChannelLabels {
                    channel: channel.as_str().to_owned(),
                })
                .inc_by(count);
        }
    }

    pub fn batch_uploaded(&self, rows: u32) {
        self.batch_rows.observe(f64::from(rows));
    }

    pub fn delivery(&self, kind: invite_core::api::DeliveryKind, outcome: Outcome) {
        self.deliveries
            .get_or_create(&DeliveryLabels {
                kind: kind.as_str().to_owned(),
                outcome: outcome.as_str().to_owned(),
            })
            .inc();
    }

    /// The text exposition, with the pool's state now and the outbox's `backlog` (`None`
    /// when the database could not be asked: the backlog series keep their last values and
    /// `invite_db_up` says why).
    pub fn render(&self, pool: &Pool, backlog: Option<(Backlog, f64)>) -> String {
        let state = pool.state();
        self.pool_size.set(i64::from(pool.max_size()));
        self.pool_open.set(i64::from(state.connections));
        self.pool_idle.set(i64::from(state.idle_connections));
        self.database_up.set(i64::from(!pool.is_down()));
        if let Some((backlog, oldest_due_age)) = backlog {
            self.outbox_pending.set(backlog.pending);
            self.outbox_due.set(backlog.due);
            self.outbox_dead.set(backlog.dead);
            self.outbox_oldest_due_age.set(oldest_due_age);
        }
        let mut text = String::new();
        if let Err(error) = prometheus_client::encoding::text::encode(&mut text, &self.registry) {
            tracing::error!(%error, "cannot encode the metrics");
        }
        text
    }
}
