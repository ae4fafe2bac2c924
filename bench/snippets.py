"""Code fences for generated postmortems: logs, commands, config, code.

Each writer takes the random source and a `Story` (see generate.py) and
returns the text of one fenced block, without the fences. They are small on
purpose: real postmortems paste ten lines of evidence, not whole files, and
the mix of languages is what exercises a highlighter.
"""

LANGUAGES = ["text", "bash", "yaml", "hcl", "sql", "json", "python", "go", "dockerfile"]

LEVELS = ["INFO", "INFO", "INFO", "WARN", "ERROR"]

GENERIC_LOGS = [
    "{svc} INFO request completed in {n}ms (status 200)",
    "{svc} WARN slow request: GET /v2/items/{n} took {n}0ms",
    "{svc} INFO health check passed",
    "{svc2} WARN upstream {svc} responded slowly ({n}ms)",
    "{svc} ERROR context deadline exceeded after {n}s",
    "{svc} INFO worker pool size {n}, queued 0",
]


def text_logs(rng, story):
    """A few log lines around the start of the incident."""
    lines = []
    moment = story.start
    pool = story.scenario["logs"] + GENERIC_LOGS
    for _ in range(rng.randint(5, 10)):
        moment = moment.shift_seconds(rng.randint(1, 90))
        message = story.fill(rng.choice(pool))
        host = rng.choice(story.hosts)
        lines.append(f"{moment.iso_utc()} {host} {message}")
    return "\n".join(lines)


def bash(rng, story):
    """The commands someone ran while investigating."""
    svc, ns = story.svc, story.namespace
    host = rng.choice(story.hosts)
    candidates = [
        f"kubectl -n {ns} get pods -l app={svc} -o wide | grep -v Running",
        f"kubectl -n {ns} logs deploy/{svc} --since=30m | grep -c ERROR",
        f"kubectl -n {ns} rollout undo deploy/{svc}",
        f"kubectl -n {ns} top pods -l app={svc} --sort-by=memory | head",
        f"ssh {host} 'df -h /var/lib/{svc} && du -sh /var/lib/{svc}/* | sort -h | tail -5'",
        f"echo | openssl s_client -connect {svc}.example.com:443 -servername {svc}.example.com 2>/dev/null \\\n  | openssl x509 -noout -enddate -issuer",
        f"dig +short {svc}.internal.example @10.0.{rng.randint(0, 9)}.53",
        f"curl -sS -o /dev/null -w '%{{http_code}} %{{time_total}}\\n' https://{svc}.example.com/healthz",
        f"psql -h {host} -c \"select state, count(*) from pg_stat_activity group by 1\"",
        f"kafka-consumer-groups --bootstrap-server {host}:9092 --describe --group {svc}-consumers",
        f"journalctl -u {svc} --since '{story.start.local_clock()}' | tail -50",
        f"redis-cli -h {host} info stats | grep -E 'keyspace_(hits|misses)'",
        f"aws s3api list-object-versions --bucket example-{svc} --prefix live/ --max-items 20",
    ]
    picked = rng.sample(candidates, rng.randint(3, 5))
    out = []
    for command in picked:
        out.append(f"$ {command}")
        if rng.random() < 0.5:
            out.append(f"# {story.fill(rng.choice(COMMAND_NOTES))}")
    return "\n".join(out)


COMMAND_NOTES = [
    "{n} pods in CrashLoopBackOff at this point",
    "output trimmed; the rest looked healthy",
    "this is where we saw the first real clue",
    "run from the bastion in {region}",
    "numbers doubled compared with the same hour last week",
    "returned nothing, which ruled out the resolver",
]


def yaml(rng, story):
    """A Kubernetes manifest, an alert rule or a config fragment."""
    svc, ns = story.svc, story.namespace
    kind = rng.randrange(3)
    if kind == 0:
        return "\n".join([
            "apiVersion: apps/v1",
            "kind: Deployment",
            "metadata:",
            f"  name: {svc}",
            f"  namespace: {ns}",
            "spec:",
            f"  replicas: {rng.randint(3, 60)}",
            "  template:",
            "    spec:",
            "      containers:",
            f"        - name: {svc}",
            f"          image: registry.example.com/{story.team}/{svc}:{rng.randint(1, 9)}.{rng.randint(0, 40)}.{rng.randint(0, 9)}",
            "          resources:",
            f"            requests: {{cpu: {rng.choice(['250m', '500m', '1', '2'])}, memory: {rng.choice(['256Mi', '512Mi', '1Gi', '2Gi'])}}}",
            f"            limits: {{memory: {rng.choice(['512Mi', '1Gi', '2Gi', '4Gi'])}}}",
            "          readinessProbe:",
            f"            httpGet: {{path: /healthz, port: {rng.choice([8080, 8443, 9000])}}}",
            f"            timeoutSeconds: {rng.randint(1, 10)}",
        ])
    if kind == 1:
        metric = story.metric.replace(" ", "_").replace("-", "_").lower()
        return "\n".join([
            "groups:",
            f"  - name: {svc}",
            "    rules:",
            f"      - alert: {svc.title().replace('-', '')}{rng.choice(['HighErrorRate', 'Saturation', 'LagTooHigh', 'Down'])}",
            f"        expr: {metric}{{service=\"{svc}\"}} > {rng.randint(2, 95)}",
            f"        for: {rng.choice(['1m', '5m', '10m', '15m'])}",
            "        labels:",
            f"          severity: {rng.choice(['page', 'ticket', 'chat'])}",
            f"          team: {story.team}",
            "        annotations:",
            f"          runbook: https://runbooks.example.com/{svc}",
        ])
    return "\n".join([
        f"# {svc} settings, as deployed at {story.start.local_clock()}",
        f"{svc.replace('-', '_')}:",
        f"  upstream: {story.svc2}.{ns}.svc.cluster.local",
        f"  timeout_ms: {rng.choice([250, 500, 1000, 3000, 30000])}",
        f"  retries: {rng.randint(0, 6)}",
        f"  pool_size: {rng.choice([10, 20, 50, 100, 200])}",
        f"  feature_flags: [{rng.choice(['new_router', 'fast_path', 'v2_schema'])}]",
    ])


def hcl(rng, story):
    """A Terraform resource close to the one that changed."""
    svc = story.svc
    kind = rng.randrange(3)
    if kind == 0:
        return "\n".join([
            f'resource "aws_lb_target_group" "{svc.replace("-", "_")}" {{',
            f'  name     = "{svc}"',
            f"  port     = {rng.choice([80, 443, 8080])}",
            '  protocol = "HTTP"',
            "",
            "  health_check {",
            f'    path                = "{rng.choice(["/healthz", "/ready", "/status"])}"',
            f"    interval            = {rng.choice([5, 10, 30])}",
            f"    unhealthy_threshold = {rng.randint(2, 5)}",
            "  }",
            "}",
        ])
    if kind == 1:
        return "\n".join([
            f'resource "aws_s3_bucket_lifecycle_configuration" "{svc.replace("-", "_")}" {{',
            f"  bucket = aws_s3_bucket.{svc.replace('-', '_')}.id",
            "",
            "  rule {",
            f'    id     = "expire-{rng.choice(["archive", "tmp", "old-backups"])}"',
            '    status = "Enabled"',
            f'    filter {{ prefix = "{rng.choice(["", "archive/", "live/"])}" }}',
            f"    expiration {{ days = {rng.choice([7, 30, 90, 365])} }}",
            "  }",
            "}",
        ])
    return "\n".join([
        f'resource "google_dns_record_set" "{svc.replace("-", "_")}" {{',
        f'  name         = "{svc}.example.com."',
        f'  type         = "{rng.choice(["A", "AAAA", "CNAME"])}"',
        f"  ttl          = {rng.choice([60, 300, 3600, 86400])}",
        "  managed_zone = google_dns_managed_zone.public.name",
        f'  rrdatas      = ["198.51.100.{rng.randint(1, 254)}"]',
        "}",
    ])


def sql(rng, story):
    """A query used during the investigation, or the migration itself."""
    table = rng.choice(["orders", "payments", "sessions", "invoices", "shipments", "events"])
    kind = rng.randrange(3)
    if kind == 0:
        return "\n".join([
            "SELECT pid, state, wait_event_type, now() - query_start AS running_for,",
            "       left(query, 60) AS query",
            "FROM pg_stat_activity",
            "WHERE state <> 'idle'",
            "ORDER BY running_for DESC",
            f"LIMIT {rng.choice([10, 20, 50])};",
        ])
    if kind == 1:
        return "\n".join([
            f"-- migration {story.start.compact()}_{table}_add_status",
            f"SET lock_timeout = '{rng.choice([2, 5, 10])}s';",
            f"ALTER TABLE {table} ADD COLUMN status text;",
            f"UPDATE {table} SET status = 'active' WHERE id BETWEEN $1 AND $2;",
            f"CREATE INDEX CONCURRENTLY {table}_status_idx ON {table} (status);",
        ])
    return "\n".join([
        f"SELECT date_trunc('minute', created_at) AS minute, count(*) AS failed",
        f"FROM {table}",
        "WHERE status = 'failed'",
        f"  AND created_at >= '{story.start.local_clock()}'",
        "GROUP BY 1",
        "ORDER BY 1;",
    ])


def json_block(rng, story):
    """An error body or a state dump, as pasted from a terminal."""
    kind = rng.randrange(2)
    if kind == 0:
        return "\n".join([
            "{",
            f'  "error": "{rng.choice(["upstream_unavailable", "invalid_token", "rate_limited", "internal"])}",',
            f'  "message": "{story.fill(rng.choice(story.scenario["logs"])).replace(chr(34), chr(39))}",',
            f'  "request_id": "{story.hex(16)}",',
            f'  "service": "{story.svc}",',
            f'  "retry_after": {rng.randint(1, 120)}',
            "}",
        ])
    return "\n".join([
        "{",
        f'  "flag": "{rng.choice(["checkout_v2_flow", "new_pricing", "async_ingest", "fast_search"])}",',
        f'  "enabled": {rng.choice(["true", "false"])},',
        f'  "rollout_percent": {rng.choice([1, 5, 25, 100])},',
        f'  "updated_by": "{story.author}",',
        f'  "updated_at": "{story.start.iso_utc()}"',
        "}",
    ])


def python(rng, story):
    """The script used to reconcile, replay or check something."""
    return "\n".join([
        "import csv",
        "import sys",
        "",
        f"# Reconcile records touched between {story.start.local_clock()} and the fix.",
        "def affected(rows, since):",
        f"    return [r for r in rows if r['updated_at'] >= since and r['status'] == '{rng.choice(['failed', 'pending', 'duplicate'])}']",
        "",
        "rows = list(csv.DictReader(open(sys.argv[1])))",
        f"for row in affected(rows, '{story.start.iso_utc()}'):",
        f"    print(row['id'], row['{rng.choice(['customer_id', 'order_id', 'account_id'])}'])",
    ])


def go(rng, story):
    """The few lines of code that held the bug, or its fix."""
    name = rng.choice(["cache", "sessions", "pending", "listeners"])
    return "\n".join([
        f"// {story.svc}: {rng.choice(['the code before the fix', 'the fix, as merged', 'simplified from the real handler'])}",
        f"func (s *Server) handle(ctx context.Context, req *Request) (*Response, error) {{",
        f"\tctx, cancel := context.WithTimeout(ctx, {rng.choice([200, 500, 2000, 30000])}*time.Millisecond)",
        "\tdefer cancel()",
        f"\ts.{name}[req.Key] = req // {rng.choice(['never evicted', 'bounded by the LRU since the fix', 'grows with every client'])}",
        "\tresp, err := s.upstream.Call(ctx, req)",
        "\tif err != nil {",
        f'\t\treturn nil, fmt.Errorf("calling {story.svc2}: %w", err)',
        "\t}",
        "\treturn resp, nil",
        "}",
    ])


def dockerfile(rng, story):
    """The image definition that changed under a build."""
    base = rng.choice(["debian:bookworm-slim", "ubuntu:24.04", "alpine:3.20",
                       "gcr.io/distroless/base-debian12"])
    return "\n".join([
        f"FROM {base}@sha256:{story.hex(64)}" if rng.random() < 0.5 else f"FROM {base}",
        "RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \\",
        "    && rm -rf /var/lib/apt/lists/*",
        f"COPY build/{story.svc} /usr/local/bin/{story.svc}",
        f"USER {rng.randint(1000, 65000)}",
        f'ENTRYPOINT ["/usr/local/bin/{story.svc}"]',
    ])


WRITERS = {
    "text": text_logs, "bash": bash, "yaml": yaml, "hcl": hcl, "sql": sql,
    "json": json_block, "python": python, "go": go, "dockerfile": dockerfile,
}


def write(rng, story, language):
    """The body of a fence in `language`, one of LANGUAGES."""
    return WRITERS[language](rng, story)
