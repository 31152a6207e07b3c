"""A load balancer in front of several server instances: the nginx configuration the platform ships."""

from __future__ import annotations

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
