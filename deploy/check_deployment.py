#!/usr/bin/env python3
"""Checks the deployment files without Docker: docker-compose.yml, Dockerfile, .dockerignore
and deploy/haproxy.cfg (no Docker engine exists on the developers' machines or in CI).

    python3 deploy/check_deployment.py [--require-haproxy]

1. docker-compose.yml is read with PyYAML (duplicate keys refused, as Compose does), its
   ${VAR} interpolations are checked and resolved with sample values, and the result is
   validated against the Compose Specification JSON schema. The schema is the copy of
   compose-spec's schema/compose-spec.json that the PyPI package check-jsonschema vendors
   (`pip install check-jsonschema`); the script prints the package version it used.
2. The topology, structurally: services postgres, api (2 replicas, no worker), worker, lb;
   depends_on targets exist and have health checks where their health is awaited; health
   checks on /readyz with a command the image has; only the lb publishes a port; the lb's
   config is mounted read-only and agrees with the api service (replicas, port, /readyz);
   the server settings production needs are set, secrets come from the environment.
3. The Dockerfile, parsed with BuildKit's own parser (the PyPI package `dockerfile`):
   multi-stage, unchanged build steps, non-root runtime with curl, STOPSIGNAL SIGTERM.
4. `haproxy -c -f deploy/haproxy.cfg` when the haproxy command exists (Debian: apt-get
   install haproxy); with --require-haproxy its absence is a failure.
5. Every INVITES_* / OTEL_* / DATABASE_URL / HOST / PORT name used in docker-compose.yml and the
   Dockerfile is read by crates/invite-server/src/config/ (outside its tests), so renaming a
   setting in the server breaks this check until the deployment files follow.

Exits 1 with the list of failures, 0 when everything passed.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.resources
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
HAPROXY_CFG = ROOT / "deploy" / "haproxy.cfg"
CONFIG_DIR = ROOT / "crates" / "invite-server" / "src" / "config"

HAPROXY_MOUNT = "/usr/local/etc/haproxy/haproxy.cfg"
# Docker's embedded DNS server, as named in the `resolvers docker` section.
DOCKER_DNS = "127.0.0.11:53"
# actix-web's default graceful shutdown after SIGTERM: the servers' stop_grace_period must be
# longer, or Docker kills requests in flight.
ACTIX_SHUTDOWN_SECS = 30
# Settings the api and worker processes must have in production, besides
# INVITES_DELIVERY_WORKER: the ones that must come from the deployer use ${VAR:?message}.
REQUIRED_FROM_ENVIRONMENT = [
    "INVITES_TOKEN_SECRET",
    "INVITES_OIDC_ISSUER",
    "INVITES_OIDC_CLIENT_ID",
    "INVITES_PUBLIC_URL",
]
# Settings that must never be switched on in this topology.
FORBIDDEN_TRUE = ["INVITES_DEV_LOGIN", "INVITES_WEBHOOK_ALLOW_LOCAL"]
SECRET_NAME = re.compile(r"(SECRET|PASSWORD|TOKEN)$")
WORD = re.compile(r"\w+")
SETTING_NAME = re.compile(r"\b(?:INVITES_[A-Z0-9_]*|OTEL_[A-Z0-9_]*|DATABASE_URL)\b")


class Report:
    def __init__(self) -> None:
        self.passed = 0
        self.failures: list[str] = []

    def check(self, condition: bool, what: str, detail: str = "") -> bool:
        if condition:
            self.passed += 1
            print(f"  ok    {what}")
        else:
            message = f"{what}: {detail}" if detail else what
            self.failures.append(message)
            print(f"  FAIL  {message}")
        return condition

    def fail(self, what: str, detail: str = "") -> None:
        self.check(False, what, detail)

    def note(self, text: str) -> None:
        print(f"  note  {text}")


# --- YAML and interpolation ------------------------------------------------------------------


def load_yaml(path: Path):
    try:
        import yaml
    except ImportError as e:
        raise RuntimeError(f"{e}; install it with `python3 -m pip install pyyaml`") from e

    class StrictLoader(yaml.SafeLoader):
        """PyYAML's safe loader, refusing duplicate keys (Compose refuses them too)."""

    def construct_mapping(loader, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = loader.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)

    StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    with path.open(encoding="utf-8") as f:
        return yaml.load(f, Loader=StrictLoader)


# Compose interpolation: $$, $NAME, ${NAME}, ${NAME:-default}, ${NAME-default},
# ${NAME:?error}, ${NAME?error}, ${NAME:+alt}, ${NAME+alt}.
INTERPOLATION = re.compile(
    r"\$(?:(?P<escaped>\$)"
    r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*)"
    r"|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
    r"|(?P<invalid>))"
)


def interpolations(text: str):
    """(name, op, arg) for each interpolation in `text`; raises ValueError on a malformed one."""
    for m in INTERPOLATION.finditer(text):
        if m.group("escaped"):
            continue
        if m.group("invalid") is not None:
            raise ValueError(f"malformed interpolation at {text[m.start():m.start() + 20]!r}")
        yield (m.group("bare") or m.group("braced"), m.group("op"), m.group("arg"))


def interpolate(text: str, env: dict[str, str]) -> str:
    def replace(m: re.Match) -> str:
        if m.group("escaped"):
            return "$"
        name = m.group("bare") or m.group("braced")
        op, arg = m.group("op"), m.group("arg")
        value = env.get(name)
        if op in (":-", "-"):
            return value if value or (op == "-" and value is not None) else arg
        if op in (":+", "+"):
            return arg if value else ""
        if op in (":?", "?"):
            if not value:
                raise KeyError(f"{name} is required ({arg})")
        return value or ""

    return INTERPOLATION.sub(replace, text)


def walk_strings(node, path="", keys=False):
    """(path, string) for every string value (and key, with keys=True) in a YAML document."""
    if isinstance(node, dict):
        for k, v in node.items():
            if keys and isinstance(k, str):
                yield f"{path}/{k} (key)", k
            yield from walk_strings(v, f"{path}/{k}", keys)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk_strings(v, f"{path}[{i}]", keys)
    elif isinstance(node, str):
        yield path, node


def map_strings(node, fn):
    if isinstance(node, dict):
        return {k: map_strings(v, fn) for k, v in node.items()}
    if isinstance(node, list):
        return [map_strings(v, fn) for v in node]
    if isinstance(node, str):
        return fn(node)
    return node


def env_dict(service: dict) -> dict:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return {k: (v if v is None or isinstance(v, str) else str(v).lower()) for k, v in env.items()}


def duration_secs(value) -> float | None:
    """A Compose duration ("40s", "1m30s") in seconds."""
    if isinstance(value, (int, float)):
        return float(value)
    parts = re.findall(r"(\d+(?:\.\d+)?)(us|ms|s|m|h)", str(value))
    if not parts or "".join(n + u for n, u in parts) != str(value):
        return None
    scale = {"us": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
    return sum(float(n) * scale[u] for n, u in parts)


def published_ports(service: dict) -> list[tuple[str, str]]:
    """(published, target) for each port a service publishes."""
    out = []
    for port in service.get("ports") or []:
        if isinstance(port, dict):
            out.append((str(port.get("published", "")), str(port.get("target", ""))))
        else:
            text = str(port).split("/")[0]
            pieces = text.split(":")
            out.append((pieces[-2] if len(pieces) > 1 else "", pieces[-1]))
    return out


# --- The parts of the check -------------------------------------------------------------------


def check_compose_schema(report: Report, raw: dict) -> dict | None:
    """Validates the interpolated file against the Compose Specification; returns it."""
    print("docker-compose.yml: interpolation and the Compose Specification schema")
    required, malformed = {}, []
    for path, text in walk_strings(raw):
        try:
            for name, op, arg in interpolations(text):
                if op in (":?", "?"):
                    required[name] = arg
        except ValueError as e:
            malformed.append(f"{path}: {e}")
    report.check(not malformed, "every ${...} interpolation is well-formed", "; ".join(malformed))
    report.note("variables the deployer must set: " + ", ".join(sorted(required)))
    # Sample values, long enough for the server's own checks (a 32-byte token secret).
    sample = {name: "x" * 40 for name in required}
    try:
        resolved = map_strings(raw, lambda s: interpolate(s, sample))
    except (KeyError, ValueError) as e:
        report.fail("the file interpolates with the required variables set", str(e))
        return None
    try:
        map_strings(raw, lambda s: interpolate(s, {}))
        report.fail("docker compose refuses to start without the required variables",
                    "it interpolated with none set")
    except KeyError as e:
        report.check(True, f"docker compose refuses to start without them (first: {e.args[0]})")

    try:
        import jsonschema
        vendor = importlib.resources.files("check_jsonschema.builtin_schemas.vendor")
        schema = json.loads((vendor / "compose-spec.json").read_text(encoding="utf-8"))
        version = importlib.metadata.version("check-jsonschema")
    except (ImportError, FileNotFoundError, ModuleNotFoundError) as e:
        report.fail("the Compose Specification schema is available",
                    f"{e}; install it with `python3 -m pip install check-jsonschema`")
        return resolved
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(resolved), key=lambda e: list(e.absolute_path))
    report.note(
        f"schema: compose-spec.json ({schema.get('title')}, {schema.get('$schema')}) as vendored "
        f"by check-jsonschema {version}; jsonschema {importlib.metadata.version('jsonschema')}"
    )
    report.check(
        not errors,
        "docker-compose.yml is valid against the Compose Specification schema",
        "; ".join(f"/{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:10]),
    )
    return resolved


def check_topology(report: Report, raw: dict, doc: dict, image: dict, haproxy: dict) -> None:
    print("docker-compose.yml: the topology")
    services = doc.get("services") or {}
    for name in ("postgres", "api", "worker", "lb"):
        report.check(name in services, f"service {name} exists")
    if not all(name in services for name in ("postgres", "api", "worker", "lb")):
        return
    postgres, api, worker, lb = (services[n] for n in ("postgres", "api", "worker", "lb"))

    # depends_on
    for name, service in services.items():
        deps = service.get("depends_on") or {}
        deps = {d: {} for d in deps} if isinstance(deps, list) else deps
        for dep, how in deps.items():
            if not report.check(dep in services, f"{name} depends on {dep}, a service of this file"):
                continue
            if (how or {}).get("condition") == "service_healthy":
                hc = services[dep].get("healthcheck") or {}
                report.check(bool(hc.get("test")) and not hc.get("disable"),
                             f"{name} waits for {dep} to be healthy, and {dep} has a health check")
    for name in ("api", "worker"):
        deps = services[name].get("depends_on") or {}
        report.check(isinstance(deps, dict) and (deps.get("postgres") or {}).get("condition")
                     == "service_healthy", f"{name} starts once postgres is healthy")

    # images
    report.check(str(postgres.get("image", "")).startswith("postgres:15"),
                 "postgres runs postgres:15", str(postgres.get("image")))
    report.check(any("/var/lib/postgresql/data" in str(v) for v in postgres.get("volumes") or []),
                 "postgres keeps its data in a volume")
    for volume in postgres.get("volumes") or []:
        source = str(volume).split(":")[0]
        if not source.startswith((".", "/")):
            report.check(source in (doc.get("volumes") or {}),
                         f"named volume {source} is declared under top-level volumes")
    report.check(str(lb.get("image", "")).startswith("haproxy:"), "lb runs the haproxy image",
                 str(lb.get("image")))
    report.check(api.get("image") == worker.get("image") and api.get("build") == worker.get("build"),
                 "api and worker run the same image", f"{api.get('image')} / {worker.get('image')}")
    context = api.get("build")
    context = context.get("context", ".") if isinstance(context, dict) else context
    if context is not None:
        report.check((ROOT / context / "Dockerfile").is_file(), f"the build context {context} has the Dockerfile")

    # replicas
    api_replicas = (api.get("deploy") or {}).get("replicas", 1)
    worker_replicas = (worker.get("deploy") or {}).get("replicas", 1)
    report.check(api_replicas == 2, "api runs two replicas", f"replicas: {api_replicas}")
    report.check(isinstance(worker_replicas, int) and worker_replicas >= 1,
                 "worker runs at least one replica (it also runs the sweeps)", f"replicas: {worker_replicas}")
    if haproxy.get("template_count") is not None:
        report.check(haproxy["template_count"] == api_replicas,
                     "deploy/haproxy.cfg has a server slot per api replica",
                     f"server-template {haproxy['template_count']} vs replicas {api_replicas}")

    # ports: only the lb publishes, one port, the one HAProxy listens on
    for name, service in services.items():
        if name != "lb":
            report.check(not service.get("ports"), f"{name} publishes no port",
                         f"ports: {service.get('ports')}")
        report.check(not service.get("network_mode"), f"{name} is on the compose network")
    lb_ports = published_ports(lb)
    report.check(len(lb_ports) == 1 and lb_ports[0][0] == "8080",
                 "lb publishes exactly one port, 8080", str(lb_ports))
    if lb_ports and haproxy.get("bind_port"):
        report.check(lb_ports[0][1] == haproxy["bind_port"],
                     "the lb's published port goes to the port HAProxy binds",
                     f"{lb_ports[0][1]} vs bind :{haproxy['bind_port']}")

    # the lb's configuration
    mounts = [str(v) for v in lb.get("volumes") or []]
    mount = next((m for m in mounts if m.split(":")[1:2] == [HAPROXY_MOUNT]), None)
    report.check(mount is not None, f"lb mounts its configuration at {HAPROXY_MOUNT}", str(mounts))
    if mount:
        source = ROOT / mount.split(":")[0]
        report.check(source.resolve() == HAPROXY_CFG.resolve() and source.is_file(),
                     "the mounted configuration is deploy/haproxy.cfg, which exists", mount)
        report.check(mount.split(":")[2:] == ["ro"], "the configuration is mounted read-only", mount)
    lb_deps = lb.get("depends_on") or {}
    report.check("api" in lb_deps, "lb depends on api")
    report.check("worker" not in haproxy.get("server_hosts", []),
                 "the worker is not behind the LB", str(haproxy.get("server_hosts")))

    # health checks
    port = image.get("env", {}).get("PORT")
    hc = postgres.get("healthcheck") or {}
    report.check("pg_isready" in json.dumps(hc.get("test")), "postgres has a pg_isready health check")
    for name, service in (("api", api), ("worker", worker)):
        hc = service.get("healthcheck") or {}
        test = hc.get("test")
        report.check(bool(test) and not hc.get("disable"), f"{name} has a health check")
        if not test:
            continue
        command = test[1] if isinstance(test, list) and test[0] in ("CMD", "CMD-SHELL") else None
        if isinstance(test, list) and test[0] == "CMD-SHELL":
            command = test[1].split()[0]
        text = " ".join(test) if isinstance(test, list) else str(test)
        report.check(f"127.0.0.1:{port}/readyz" in text or f"localhost:{port}/readyz" in text,
                     f"{name}'s health check asks GET /readyz on the server's port {port}", text)
        report.check(command in image.get("commands", set()),
                     f"{name}'s health check command ({command}) exists in the runtime image",
                     "install it in the Dockerfile's runtime stage")
        grace = duration_secs(service.get("stop_grace_period", "10s"))
        report.check(grace is not None and grace > ACTIX_SHUTDOWN_SECS,
                     f"{name}'s stop_grace_period exceeds the server's {ACTIX_SHUTDOWN_SECS} s graceful stop",
                     str(service.get("stop_grace_period", "10s (default)")))
    if haproxy.get("hard_stop_secs") is not None:
        grace = duration_secs(lb.get("stop_grace_period", "10s"))
        report.check(grace is not None and grace > haproxy["hard_stop_secs"],
                     "lb's stop_grace_period exceeds HAProxy's hard-stop-after",
                     f"{lb.get('stop_grace_period', '10s (default)')} vs {haproxy['hard_stop_secs']} s")

    # settings
    print("docker-compose.yml: the server settings")
    raw_services = raw.get("services") or {}
    api_env, worker_env = env_dict(api), env_dict(worker)
    raw_api_env, raw_worker_env = env_dict(raw_services["api"]), env_dict(raw_services["worker"])
    report.check(api_env.get("INVITES_DELIVERY_WORKER") == "false",
                 "api serves requests only (INVITES_DELIVERY_WORKER=false)",
                 str(api_env.get("INVITES_DELIVERY_WORKER")))
    report.check(worker_env.get("INVITES_DELIVERY_WORKER") == "true",
                 "worker runs the delivery worker (INVITES_DELIVERY_WORKER=true)",
                 str(worker_env.get("INVITES_DELIVERY_WORKER")))
    differ = sorted(k for k in set(raw_api_env) | set(raw_worker_env)
                    if k != "INVITES_DELIVERY_WORKER" and raw_api_env.get(k) != raw_worker_env.get(k))
    report.check(not differ, "api and worker have the same settings otherwise", ", ".join(differ))
    for name, env, raw_env in (("api", api_env, raw_api_env), ("worker", worker_env, raw_worker_env)):
        url = env.get("DATABASE_URL") or ""
        report.check(url.startswith("postgres://") and "@postgres:5432/" in url,
                     f"{name}: DATABASE_URL is the postgres service", url)
        pg_env = env_dict(raw_services["postgres"])
        pg_user, pg_db = pg_env.get("POSTGRES_USER"), pg_env.get("POSTGRES_DB")
        pw_vars = [n for n, _, _ in interpolations(raw_env.get("DATABASE_URL") or "")]
        pg_pw_vars = [n for n, _, _ in interpolations(pg_env.get("POSTGRES_PASSWORD") or "")]
        report.check(
            url.startswith(f"postgres://{pg_user}:") and url.endswith(f"/{pg_db}")
            and bool(pw_vars) and pw_vars == pg_pw_vars,
            f"{name}: DATABASE_URL has postgres's user, database and password variable",
            f"{raw_env.get('DATABASE_URL')}",
        )
        for setting in REQUIRED_FROM_ENVIRONMENT:
            ops = [op for _, op, _ in interpolations(raw_env.get(setting) or "")]
            report.check(ops == [":?"], f"{name}: {setting} is required from the environment (${{...:?}})",
                         str(raw_env.get(setting)))
        effective_log = env.get("INVITES_LOG_FORMAT", image.get("env", {}).get("INVITES_LOG_FORMAT"))
        report.check(effective_log == "json", f"{name}: logs are JSON", str(effective_log))
        for setting in FORBIDDEN_TRUE:
            report.check(str(env.get(setting, "false")).lower() != "true", f"{name}: {setting} is not on")
        host = env.get("HOST", image.get("env", {}).get("HOST"))
        report.check(host == "0.0.0.0", f"{name}: listens on every interface (HOST=0.0.0.0)", str(host))
        report.check(env.get("PORT", port) == haproxy.get("server_port", port) == port,
                     f"{name}: listens on the port the LB and health check use ({port})",
                     f"PORT {env.get('PORT', port)}, LB {haproxy.get('server_port')}")
    literal_secrets = []
    for sname, service in raw_services.items():
        for key, value in env_dict(service).items():
            if SECRET_NAME.search(key) and value and not list(interpolations(value)):
                literal_secrets.append(f"{sname}.{key}")
        url = env_dict(service).get("DATABASE_URL") or ""
        if re.search(r"://[^:/@]+:[^@$]+@", url):
            literal_secrets.append(f"{sname}.DATABASE_URL (password)")
    report.check(not literal_secrets, "no secret is written in the file (all come from the environment)",
                 ", ".join(literal_secrets))


def check_dockerfile(report: Report) -> dict:
    """Checks the Dockerfile; returns what the runtime image offers (env, commands)."""
    print("Dockerfile and .dockerignore")
    out: dict = {"env": {}, "commands": set()}
    try:
        import dockerfile
    except ImportError as e:
        report.fail("BuildKit's Dockerfile parser is available",
                    f"{e}; install it with `python3 -m pip install dockerfile`")
        return out
    try:
        commands = dockerfile.parse_file(str(DOCKERFILE))
    except dockerfile.GoParseError as e:
        report.fail("the Dockerfile parses", str(e))
        return out
    report.check(True, f"the Dockerfile parses (dockerfile {importlib.metadata.version('dockerfile')}, BuildKit's parser)")
    stages: list[list] = []
    for c in commands:
        if c.cmd == "FROM":
            stages.append([])
        if stages:
            stages[-1].append(c)
    report.check(len(stages) >= 2, "the build is multi-stage", f"{len(stages)} stage(s)")
    if len(stages) < 2:
        return out
    build, runtime = stages[0], stages[-1]
    runs = [c.value[0] for c in build if c.cmd == "RUN"]
    report.check("cargo xtask spa && cargo build --release -p invite-server" in runs,
                 "the build stage builds the SPA and the server as before", str(runs))
    report.check(runtime[0].value[0].startswith("debian:") and "slim" in runtime[0].value[0],
                 "the runtime stage is Debian slim", runtime[0].value[0])
    installs = " ".join(c.value[0] for c in runtime if c.cmd == "RUN")
    packages = set()
    for m in re.finditer(r"apt-get install ([^&;|]*)", installs):
        packages |= {w for w in m.group(1).split() if not w.startswith("-")}
    report.check("--no-install-recommends" in installs, "runtime packages come without recommends")
    out["commands"] = {"/app/invite-server", "sh", "/bin/sh"} | ({"curl"} if "curl" in packages else set())
    report.check("curl" in packages, "curl is in the runtime image (for the health checks)", str(sorted(packages)))
    users = [c.value[0] for c in runtime if c.cmd == "USER"]
    report.check(bool(users) and users[-1].split(":")[0] not in ("root", "0"),
                 "the runtime image runs as a non-root user", str(users))
    for c in runtime:
        if c.cmd == "ENV":
            out["env"].update(zip(c.value[0::2], c.value[1::2]))
    signals = [c.value[0] for c in runtime if c.cmd == "STOPSIGNAL"]
    report.check(signals[-1:] == ["SIGTERM"], "STOPSIGNAL SIGTERM (actix-web's graceful stop)", str(signals))
    exposed = [v for c in runtime if c.cmd == "EXPOSE" for v in c.value]
    report.check(out["env"].get("PORT") in exposed, "the image exposes the port it listens on",
                 f"PORT={out['env'].get('PORT')}, EXPOSE {exposed}")
    copies = [c for c in runtime if c.cmd == "COPY" and any(f.startswith("--from=") for f in c.flags)]
    report.check(any(c.value[-1] == "/app/invite-server" for c in copies),
                 "the runtime image gets the server binary from the build stage")
    cmd = [c for c in runtime if c.cmd == "CMD"]
    report.check(bool(cmd) and cmd[-1].value[0] == "/app/invite-server" and cmd[-1].json,
                 "the image runs the server directly (exec form: it gets the stop signal)")
    healthchecks = [c for c in runtime if c.cmd == "HEALTHCHECK"]
    if healthchecks:
        text = " ".join(healthchecks[-1].value)
        report.check("/readyz" in text and "curl" in text, "the image's HEALTHCHECK asks /readyz with curl", text)

    ignored = DOCKERIGNORE.read_text(encoding="utf-8").split() if DOCKERIGNORE.is_file() else []
    normalized = {p.strip("/") for p in ignored}
    for pattern in ("target", "frontend/dist", "data", ".git"):
        report.check(pattern in normalized, f".dockerignore leaves out {pattern}/", str(sorted(normalized)))
    return out


def parse_haproxy(report: Report) -> dict:
    """The facts of deploy/haproxy.cfg the compose file must agree with, and its must-haves."""
    print("deploy/haproxy.cfg")
    out: dict = {"server_hosts": []}
    if not report.check(HAPROXY_CFG.is_file(), "deploy/haproxy.cfg exists"):
        return out
    sections: dict[str, list[str]] = {}
    current = None
    for line in HAPROXY_CFG.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        if not line[0].isspace():
            current = " ".join(line.split())
            sections[current] = []
        elif current:
            sections[current].append(" ".join(line.split()))
    globals_ = sections.get("global", [])
    defaults = sections.get("defaults", [])
    frontends = {k: v for k, v in sections.items() if k.startswith("frontend ")}
    backends = {k: v for k, v in sections.items() if k.startswith("backend ")}
    resolvers = sections.get("resolvers docker", [])
    front = next(iter(frontends.values()), [])
    back = [lines for lines in backends.values() if any(l.startswith("server-template ") for l in lines)]
    back = back[0] if back else []

    binds = [l.split()[1] for l in front if l.startswith("bind ")]
    out["bind_port"] = binds[0].rsplit(":", 1)[-1] if binds else None
    report.check(len(binds) == 1, "one frontend binds one address", str(binds))
    report.check("option forwardfor" in front + defaults, "X-Forwarded-For is added (option forwardfor)")
    report.check(any("set-header X-Forwarded-Proto" in l for l in front), "X-Forwarded-Proto is set")
    report.check("option httpchk" in back, "active HTTP health checks (option httpchk)")
    send = [l for l in back if l.startswith("http-check send ")]
    report.check(any("meth GET" in l and "uri /readyz" in l for l in send), "health checks send GET /readyz", str(send))
    report.check("http-check expect status 200" in back, "health checks expect status 200")
    for timeout in ("connect", "client", "server", "http-request"):
        report.check(any(l.startswith(f"timeout {timeout} ") for l in defaults + front + back),
                     f"timeout {timeout} is set")
    hard_stop = [l.split()[1] for l in globals_ if l.startswith("hard-stop-after ")]
    out["hard_stop_secs"] = duration_secs(hard_stop[0]) if hard_stop else None
    report.check(bool(hard_stop), "a soft stop is bounded (hard-stop-after)")
    report.check(f"nameserver dns {DOCKER_DNS}" in resolvers or any(
        l.startswith("nameserver ") and l.endswith(DOCKER_DNS) for l in resolvers),
        f"resolvers docker asks Docker's embedded DNS ({DOCKER_DNS})")
    templates = [l.split() for l in back if l.startswith("server-template ")]
    if report.check(len(templates) == 1, "the backend's servers are one server-template"):
        t = templates[0]
        host, _, port = t[3].rpartition(":")
        out.update(template_count=int(t[2]), server_port=port)
        out["server_hosts"] = [host]
        report.check(host == "api", "the server-template resolves the api service", t[3])
        for word in ("check", "resolvers docker", "init-addr none"):
            report.check(f" {word}" in " ".join(t), f"server-template has `{word}`", " ".join(t))
    return out


def run_haproxy(report: Report, require: bool) -> None:
    print("haproxy -c")
    haproxy = shutil.which("haproxy")
    if not haproxy:
        if require:
            report.fail("haproxy is installed", "apt-get install -y haproxy (or drop --require-haproxy)")
        else:
            report.note("SKIPPED: no haproxy command (apt-get install -y haproxy to check the file)")
        return
    version = subprocess.run([haproxy, "-v"], capture_output=True, text=True).stdout.splitlines()[0]

    def check(path: Path) -> subprocess.CompletedProcess:
        return subprocess.run([haproxy, "-c", "-f", str(path)], capture_output=True, text=True)

    result = check(HAPROXY_CFG)
    output = (result.stdout + result.stderr).strip()
    # `resolvers docker` names Docker's DNS (127.0.0.11), which exists only inside a
    # container. HAProxy's check does not query it (`init-addr none`) and so passes as it is
    # here; should a version refuse the address outside Docker, the check runs again on a temp
    # copy with a local resolver instead, and says so.
    if result.returncode != 0 and re.search(r"nameserver|resolver", output, re.I):
        report.note(f"haproxy refused the resolver {DOCKER_DNS} outside Docker; checking a copy with 127.0.0.1:53")
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "haproxy.cfg"
            copy.write_text(HAPROXY_CFG.read_text(encoding="utf-8").replace(DOCKER_DNS, "127.0.0.1:53"),
                            encoding="utf-8")
            result = check(copy)
            output = (result.stdout + result.stderr).strip()
    warnings = [l for l in output.splitlines() if "[WARNING]" in l or "[ALERT]" in l]
    report.check(result.returncode == 0 and not warnings,
                 f"haproxy -c -f deploy/haproxy.cfg accepts it, without warnings ({version})",
                 "\n      ".join(warnings) or output)


def rust_string_literals(source: str) -> list[str]:
    """The string literals of Rust source (comments, char literals and lifetimes skipped)."""
    out, i, n = [], 0, len(source)
    char_literal = re.compile(r"'(?:\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]+\}|.)|[^'\\\n])'")
    while i < n:
        if source.startswith("//", i):
            i = source.find("\n", i)
            i = n if i < 0 else i
        elif source.startswith("/*", i):
            i = source.find("*/", i + 2)
            i = n if i < 0 else i + 2
        elif m := re.match(r'b?r(#*)"', source[i:i + 300]):
            end = source.find('"' + m.group(1), i + m.end())
            end = n if end < 0 else end
            out.append(source[i + m.end():end])
            i = end + 1 + len(m.group(1))
        elif source[i] == '"' or source.startswith('b"', i):
            start = i = i + (2 if source[i] == "b" else 1)
            while i < n and source[i] != '"':
                i += 2 if source[i] == "\\" else 1
            out.append(source[start:i])
            i += 1
        elif source[i] == "'" and (m := char_literal.match(source, i)):
            i = m.end()
        elif source[i].isalnum() or source[i] == "_":
            m = WORD.match(source, i)
            i = m.end()
        else:
            i += 1
    return out


def rust_settings() -> set[str]:
    """Names the server's configuration reads: string literals of crates/invite-server/src/config
    outside comments and test modules, plus the upstream names it composes
    (`INVITES_{NAME}_{SUFFIX}` from `UpstreamConfig::from_settings(&settings, "NAME")`)."""
    names: set[str] = set()
    upstreams: set[str] = set()
    suffixes: set[str] = set()
    composes_upstream_names = False
    for path in sorted(CONFIG_DIR.rglob("*.rs")):
        text = path.read_text(encoding="utf-8").split("#[cfg(test)]", 1)[0]
        literals = rust_string_literals(text)
        # The code without comments, for the calls below.
        code = "\n".join(l.split("//", 1)[0] if not l.lstrip().startswith("//") else ""
                         for l in text.splitlines())
        names |= {s for s in literals if re.fullmatch(r"INVITES_[A-Z0-9_]+|OTEL_[A-Z0-9_]+|DATABASE_URL|HOST|PORT", s)}
        upstreams |= set(re.findall(r'UpstreamConfig::from_settings\(\s*&settings,\s*"([A-Z]+)"', code))
        if 'format!("INVITES_{name}_{suffix}")' in code:
            composes_upstream_names = True
            suffixes |= set(re.findall(r'\b(?:var|required)\("([A-Z_]+)"\)', code))
    if composes_upstream_names:
        names |= {f"INVITES_{u}_{s}" for u in upstreams for s in suffixes}
    return names


def check_setting_names(report: Report) -> None:
    print("setting names against crates/invite-server/src/config/")
    known = rust_settings()
    report.check(len(known) > 20, f"the server's configuration reads {len(known)} settings")
    used: dict[str, set[str]] = {}
    for path in (COMPOSE, DOCKERFILE):
        for m in SETTING_NAME.finditer(path.read_text(encoding="utf-8")):
            used.setdefault(m.group(0), set()).add(path.name)
    env = {}
    try:
        import dockerfile
        for c in dockerfile.parse_file(str(DOCKERFILE)):
            if c.cmd == "ENV":
                env.update(zip(c.value[0::2], c.value[1::2]))
    except ImportError:
        pass
    for name in ("HOST", "PORT"):
        if name in env:
            used.setdefault(name, set()).add("Dockerfile")
    for name in sorted(used):
        where = ", ".join(sorted(used[name]))
        if name.endswith("_"):
            ok = any(k.startswith(name) for k in known)
        else:
            ok = name in known
        report.check(ok, f"{name} ({where}) is a setting of the server",
                     "not read in crates/invite-server/src/config/: renamed or misspelt?")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--require-haproxy", action="store_true",
                        help="fail (rather than skip) when the haproxy command is missing")
    args = parser.parse_args()
    report = Report()
    try:
        raw = load_yaml(COMPOSE)
    except Exception as e:  # noqa: BLE001 - any parse error is the finding
        print(f"docker-compose.yml does not parse: {e}")
        return 1
    print(f"docker-compose.yml parses (PyYAML {importlib.metadata.version('PyYAML')})")
    doc = check_compose_schema(report, raw)
    image = check_dockerfile(report)
    haproxy = parse_haproxy(report)
    if doc is not None:
        check_topology(report, raw, doc, image, haproxy)
    run_haproxy(report, args.require_haproxy)
    check_setting_names(report)
    print()
    if report.failures:
        print(f"deployment check FAILED: {len(report.failures)} of "
              f"{len(report.failures) + report.passed} checks")
        for failure in report.failures:
            print(f"  - {failure}")
        return 1
    print(f"deployment check: all {report.passed} checks hold")
    return 0


if __name__ == "__main__":
    sys.exit(main())
