"""A load balancer in front of several server instances: the nginx configuration the platform ships."""

from __future__ import annotations

import os
from pathlib import Path

from api.settings import ServerSettings

TEMPLATE = Path(__file__).with_name("nginx.conf.template")


def nginx_config(instances: list[str], listen: str, cache_dir: Path) -> str:
    """The nginx ``http``-context configuration for ``instances`` (``host:port`` of each ``blueprint serve``),
    listening on ``listen`` (``port`` or ``address:port``), caching pinned tiles in ``cache_dir``."""
    if not instances:
        raise ValueError("name at least one instance (host:port)")
    servers = "\n".join(f"    server {instance} max_fails=2 fail_timeout=5s;" for instance in instances)
    # A little over the instances' own limit, so that they, not nginx, refuse a body with a problem.
    max_body = ServerSettings().max_upload_bytes + 1024 * 1024
    return (TEMPLATE.read_text().replace("@UPSTREAM_SERVERS@", servers).replace("@LISTEN@", listen)
            .replace("@CACHE_DIR@", str(cache_dir)).replace("@MAX_BODY@", str(max_body)))


def standalone_nginx_conf(work_dir: Path, instances: list[str], listen: str) -> Path:
    """A whole nginx.conf around :func:`nginx_config`, everything (pid, logs, temp files, cache) in
    ``work_dir``: for running nginx as this user next to the instances (``nginx -p DIR -c FILE``)."""
    temp_paths = [f"{kind}_temp_path {work_dir}/{kind};"
                  for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")]
    conf = work_dir / "nginx.conf"
    conf.write_text("\n".join((
        "daemon off;", "worker_processes 1;", f"pid {work_dir}/nginx.pid;", f"error_log {work_dir}/error.log warn;",
        # As root nginx would hand its workers to "nobody", who cannot write the cache in work_dir.
        "user root;" if os.geteuid() == 0 else "", "events { worker_connections 1024; }",
        "http {", "access_log off;", *temp_paths, nginx_config(instances, listen, work_dir / "cache"), "}")))
    return conf
