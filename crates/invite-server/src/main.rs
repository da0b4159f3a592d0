//! Starts the server with configuration from the environment.

use invite_server::{Application, Config, telemetry};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(message) => {
            eprintln!("configuration error: {message}");
            std::process::exit(2);
        }
    };
    let traces = match telemetry::init(&config) {
        Ok(traces) => traces,
        Err(message) => {
            eprintln!("configuration error: {message}");
            std::process::exit(2);
        }
    };
    let host = config.host.clone();
    let app = match Application::build(config).await {
        Ok(app) => app,
        Err(message) => {
            tracing::error!(%message, "start-up failed");
            std::process::exit(1);
        }
    };
    tracing::info!(
        "Invite Users is listening: app http://{host}:{port}/  Swagger UI http://{host}:{port}/swagger-ui/",
        port = app.port()
    );
    let stopped = app.run_until_stopped().await;
    // The spans of the last requests are still buffered: send them before the process ends
    // (blocking, so on a thread of its own rather than the runtime's).
    if let Some(traces) = traces {
        let _ = std::thread::spawn(move || traces.shutdown()).join();
    }
    stopped
}
