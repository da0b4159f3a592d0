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
    telemetry::init_logging(&config.log_format);
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
    app.run_until_stopped().await
}
