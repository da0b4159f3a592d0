# Multi-stage build: the SPA bundle and the server binary, then a slim non-root runtime image.
# docker-compose.yml runs this one image as the load-balanced `api` replicas and as the
# delivery `worker`; tests/support/check_deployment.py checks this file without Docker.
FROM rust:1.95-bookworm AS build
WORKDIR /src
RUN rustup target add wasm32-unknown-unknown
COPY . .
RUN cargo xtask spa && cargo build --release -p invite-server

FROM debian:bookworm-slim
# curl: for the health checks (this HEALTHCHECK and docker-compose.yml's); the server binary
# has no probe mode of its own.
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* && useradd --system --uid 10001 invite
WORKDIR /app
COPY --from=build /src/target/release/invite-server /app/invite-server
COPY --from=build /src/frontend/dist /app/frontend/dist
USER invite
ENV HOST=0.0.0.0 PORT=8080 INVITES_SPA_DIR=/app/frontend/dist INVITES_LOG_FORMAT=json
EXPOSE 8080
# SIGTERM is actix-web's graceful stop: it stops accepting, finishes the requests in flight
# (up to 30 s), then exits; a delivery job cut short is taken over when its lease ends.
STOPSIGNAL SIGTERM
# Ready = a pooled database connection answers (GET /readyz); the start period covers
# migrations on a first start.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
    CMD curl -fsS -o /dev/null "http://127.0.0.1:${PORT}/readyz" || exit 1
CMD ["/app/invite-server"]
