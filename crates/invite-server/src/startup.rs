//! Builds the application: database, state, routes, OpenAPI, Swagger UI and the SPA.
//! `main` and the tests start the server the same way, through `Application::build`.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::http::KeepAlive;
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpServer, web};
use tokio::sync::Notify;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::oidc::OidcVerifier;
use crate::config::Config;
use crate::db;
use crate::delivery::gateways;
use crate::delivery::worker::{self, Worker, WorkerSettings};
use crate::error::ApiError;
use crate::routes::{self, ApiDoc};
use crate::security::{self, deadline::Deadline, headers::SecurityHeaders, methods::MethodTable};
use crate::standins::Local;
use crate::state::AppState;
use crate::telemetry;

/// Largest JSON body accepted (a row or an invitation is far smaller).
pub const JSON_LIMIT: usize = 64 * 1024;

pub struct Application {
    port: u16,
    server: Server,
    /// The delivery worker, when this replica runs one; stopped with the server.
    worker: Option<tokio::task::JoinHandle<()>>,
    stop_worker: tokio::sync::watch::Sender<bool>,
}

/// How long a stopping worker may take to finish the deliveries it started (an upstream's
/// timeout is 30 s at most by default); then it is dropped, and its claims wait for their lease.
const WORKER_STOP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(JSON_LIMIT)
        .error_handler(|err, _req| {
            use actix_web::error::JsonPayloadError;
            let api_error = match &err {
                JsonPayloadError::OverflowKnownLength { .. }
                | JsonPayloadError::Overflow { .. } => ApiError::PayloadTooLarge {
                    detail: format!("The JSON body must be at most {JSON_LIMIT} bytes."),
                    errors: vec![],
                },
                JsonPayloadError::ContentType => {
                    ApiError::UnsupportedMediaType("Send the body as application/json.".into())
                }
                JsonPayloadError::Deserialize(e) => {
                    ApiError::BadRequest(format!("The JSON body is not valid: {e}."))
                }
                other => ApiError::BadRequest(format!("The body could not be read: {other}.")),
            };
            api_error.into()
        })
}

fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| {
        ApiError::BadRequest(format!("The query string is not valid: {err}.")).into()
    })
}

fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err, _req| {
        ApiError::NotFound(format!("There is nothing at this address ({err}).")).into()
    })
}

impl Application {
    pub async fn build(config: Config) -> Result<Self, String> {
        let pool = db::connect_with(&config.database_url, config.pool_settings())?;
        if !config.token_secret_configured && config.oidc.is_none() {
            tracing::warn!(
                "INVITES_TOKEN_SECRET is not set: sign-in tokens last until restart and are not shared between replicas"
            );
        }
        let oidc = config.oidc.clone().map(|c| Arc::new(OidcVerifier::new(c)));
        let listener = TcpListener::bind((config.host.as_str(), config.port))
            .map_err(|e| format!("cannot listen on {}:{}: {e}", config.host, config.port))?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        let spa_dir = config.spa_dir.clone();
        let local = Local {
            base_url: format!("http://{}:{port}", loopback_host(&config.host)),
        };
        let gateways = gateways::build(&config, &local)?;
        let outbox_wake = Arc::new(Notify::new());
        let (stop_worker, worker_stop) = tokio::sync::watch::channel(false);
        let metrics = Arc::new(crate::metrics::Metrics::new(&pool));
        let worker = config.delivery.worker.then(|| {
            let worker = Worker {
                pool: pool.clone(),
                owner: worker::owner_name(),
                settings: WorkerSettings {
                    accept_base: gateways.accept_base.clone(),
                    idempotency_ttl: chrono::Duration::hours(config.idempotency_ttl_hours),
                    draft_ttl: (config.uploads.draft_ttl_hours > 0)
                        .then(|| chrono::Duration::hours(config.uploads.draft_ttl_hours)),
                    ..WorkerSettings::from_config(&config.delivery)
                },
                email: gateways.email.clone(),
                techpass: gateways.techpass.clone(),
                techpass_revocations: gateways.techpass_revocations.clone(),
                techpass_reader: gateways.techpass_reader.clone(),
                seed_reader: gateways.seed_reader.clone(),
                seed: gateways.seed.clone(),
                webhooks: gateways.webhooks.clone(),
                wake: outbox_wake.clone(),
                metrics: metrics.clone(),
                stop: worker_stop,
            };
            tokio::spawn(worker.run())
        });
        let uploads = crate::services::batches::Uploads::new(&config.uploads);
        let rate = security::rate::RateLimiter::new(config.rate_limits, &pool);
        let creates =
            crate::services::create_queue::CreateQueue::start(pool.clone(), pool.writers());
        let state = web::Data::new(AppState {
            creates,
            pool,
            config,
            oidc,
            outbox_wake,
            mailbox: gateways.mailbox,
            standins: gateways.standins,
            signup_link: gateways.signup_link,
            directory: gateways.directory,
            techpass_webhook_secret: gateways.techpass_webhook_secret,
            seed_webhook_secret: gateways.seed_webhook_secret,
            uploads,
            rate,
            metrics,
        });
        if state.dev_login_enabled() {
            warn_dev_login(&state.config);
        }
        let spec = routes::openapi();
        let methods = web::Data::new(MethodTable::from_openapi(&spec));
        let index_html = std::fs::read_to_string(spa_dir.join("index.html")).ok();
        let precompressed = web::Data::new(crate::spa::Precompressed::load(&spa_dir));
        let spa_location = web::Data::new(crate::spa::SpaDir(spa_dir.clone()));
        let headers = web::Data::new(SecurityHeaders::new(
            &state.config,
            index_html.as_deref(),
            &state.signup_link,
        ));
        let deadline = web::Data::new(Deadline(state.config.http.request_timeout));
        let http_config = state.config.http.clone();
        let shutdown_timeout = http_config.shutdown_timeout;
        let request_timeout = http_config.request_timeout;
        let keep_alive = match http_config.keep_alive {
            d if d.is_zero() => KeepAlive::Disabled,
            d => KeepAlive::Timeout(d),
        };

        let server = HttpServer::new(move || {
            let (app, _) = App::new()
                // Innermost first: the outer layers see (and render, and log) what the inner
                // ones answer.
                .wrap(from_fn(routes::guard::enforce))
                .wrap(from_fn(crate::auth::authenticate_first))
                .wrap(Compress::default())
                .wrap(from_fn(security::methods::refuse_other_methods))
                .wrap(from_fn(security::deadline::enforce))
                .wrap(security::cors::middleware(&http_config))
                .wrap(from_fn(telemetry::trace_requests))
                .wrap(from_fn(security::rate::add_headers))
                .wrap(from_fn(security::headers::add))
                .app_data(state.clone())
                .app_data(methods.clone())
                .app_data(headers.clone())
                .app_data(deadline.clone())
                .app_data(json_config())
                .app_data(query_config())
                .app_data(path_config())
                .into_utoipa_app()
                .openapi(ApiDoc::openapi())
                .configure(routes::table::mount)
                .split_for_parts();
            let app = app
                .service(
                    SwaggerUi::new("/swagger-ui/{_:.*}")
                        .external_url_unchecked("/api-docs/openapi.json", spec.clone()),
                )
                .route(
                    "/swagger-ui",
                    web::get().to(|| async {
                        actix_web::HttpResponse::PermanentRedirect()
                            .insert_header(("Location", "/swagger-ui/"))
                            .finish()
                    }),
                )
                // Unknown API paths are problems, never the SPA's index page.
                .service(web::scope("/api").default_service(web::to(telemetry::api_not_found)));
            app.route("/pkg/{file}", web::get().to(crate::spa::bundle_file))
                .app_data(precompressed.clone())
                .app_data(spa_location.clone())
                .service(crate::spa::files(&spa_dir))
        })
        .shutdown_timeout(shutdown_timeout.as_secs())
        .keep_alive(keep_alive)
        // A request answered before its body is in (a file over the limit, the in-flight cap,
        // the body's deadline) is answered at once; its connection is then drained for as long
        // as a body may take before it is closed, so that the client, still sending, reads the
        // answer rather than a reset connection.
        .client_disconnect_timeout(request_timeout)
        .listen(listener)
        .map_err(|e| e.to_string())?
        .run();
        Ok(Self {
            port,
            server,
            worker,
            stop_worker,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGTERM or SIGINT; then stops gracefully: no new connections, requests in
    /// flight answered (up to `INVITES_SHUTDOWN_TIMEOUT_SECS`), and the delivery worker
    /// finishes the deliveries it started and hands back the jobs it had claimed.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        tracing::info!("server stopped taking requests");
        let _ = self.stop_worker.send(true);
        if let Some(mut worker) = self.worker
            && tokio::time::timeout(WORKER_STOP_TIMEOUT, &mut worker)
                .await
                .is_err()
        {
            tracing::warn!(
                "the delivery worker did not stop in time; its claims wait for their lease"
            );
            worker.abort();
        }
        result
    }
}

/// The built-in sign-in lets anyone who reaches the server act as any officer: say so where an
/// operator cannot miss it.
fn warn_dev_login(config: &Config) {
    let banner = format!(
        "\n{line}\n  BUILT-IN SIGN-IN IS ON (INVITES_DEV_LOGIN=true)\n  Anyone who reaches \
         {host}:{port} directly can sign in as any officer, without a password.\n  For local \
         use only; requests through a proxy are refused it. Production: OpenID Connect.\n{line}",
        line = "!".repeat(78),
        host = config.host,
        port = config.port,
    );
    eprintln!("{banner}");
    tracing::warn!("built-in sign-in is on: anyone reaching the server directly can sign in");
}

/// How this process reaches itself: its listening host, or loopback when it listens on every
/// address.
fn loopback_host(host: &str) -> String {
    match host {
        "0.0.0.0" | "" => "127.0.0.1".into(),
        "::" | "[::]" => "[::1]".into(),
        h if h.contains(':') && !h.starts_with('[') => format!("[{h}]"),
        h => h.into(),
    }
}
