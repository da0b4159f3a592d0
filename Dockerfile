# Multi-stage build: the SPA bundle and the server binary, then a slim runtime image.
FROM rust:1.95-bookworm AS build
WORKDIR /src
RUN rustup target add wasm32-unknown-unknown
COPY . .
RUN cargo xtask spa && cargo build --release -p invite-server

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* && useradd --system --uid 10001 invite
WORKDIR /app
COPY --from=build /src/target/release/invite-server /app/invite-server
COPY --from=build /src/frontend/dist /app/frontend/dist
USER invite
ENV HOST=0.0.0.0 PORT=8080 INVITES_SPA_DIR=/app/frontend/dist INVITES_LOG_FORMAT=json
EXPOSE 8080
CMD ["/app/invite-server"]
