"""The platform as a package: ``pip install .`` (not editable) into a fresh virtual environment, then
``blueprint db migrate`` and ``blueprint serve`` from there, away from the source tree: the migrations, the
page templates, the platform's own and the npm-installed map assets, and the Xiamen samples come from the
installed package.

About 20–40 s: a venv, one wheel built and installed (its dependencies are this run's own, reached through a
``.pth`` file, so nothing is downloaded but the build backend when pip's cache lacks it).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from web.assets import NODE_MODULES, VENDOR_DIRS

ROOT = Path(__file__).resolve().parent.parent
# What a clone holds besides the package (and what a build must not pick up from a developer's tree).
NOT_SHIPPED = (".git", ".venv", ".blueprint-data", "build", "*.egg-info", "tests", "test-artifacts", "bench",
               "__pycache__", ".pytest_cache", ".ruff_cache")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv with the platform installed from a copy of the source tree; its bin directory."""
    if not all((NODE_MODULES / directory).is_dir() for directory in VENDOR_DIRS.values()):
        pytest.skip("the map assets are not installed (scripts/bootstrap runs npm)")
    work = tmp_path_factory.mktemp("installed")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SHIPPED))
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    purelib = "import sysconfig; print(sysconfig.get_path('purelib'))"
    site = Path(subprocess.run([venv / "bin" / "python", "-c", purelib], capture_output=True, text=True,
                               check=True).stdout.strip())
    # The dependencies are this run's; only the platform itself is installed anew.
    (site / "zz_run_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    subprocess.run([venv / "bin" / "python", "-m", "pip", "install", "-q", "--no-deps", str(source)], check=True,
                   cwd=work, env=_clean_env())
    shutil.rmtree(source)  # nothing may be read from the tree it was built from
    return venv / "bin"


def _clean_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return {**env, **extra}


def test_the_package_holds_its_migrations_templates_assets_and_samples(installed):
    probe = ("import migrations, web.assets, data.samples.load as samples, gis.migrate as m; "
             "print(migrations.__file__); print(web.assets.NODE_MODULES); print(samples.SAMPLES); "
             "print(len(list(m.migrations_dir().glob('versions/0*.py'))))")
    lines = subprocess.run([installed / "python", "-c", probe], capture_output=True, text=True, check=True,
                           cwd=installed, env=_clean_env()).stdout.split()
    site = installed.parent / "lib"
    assert all(Path(line).is_relative_to(site) for line in lines[:3]), lines
    assert int(lines[3]) == len(list((ROOT / "migrations" / "versions").glob("0*.py")))
    node_modules, samples = Path(lines[1]), Path(lines[2])
    for directory in VENDOR_DIRS.values():
        assert any((node_modules / directory).iterdir()), directory
    assert (samples / "manifest.json").is_file() and (samples / "land_use.geojson").is_file()


def test_an_installed_platform_migrates_and_serves(installed, empty_database, server):
    with empty_database() as owner_url:
        server_url = server.as_server_role(owner_url)
        env = _clean_env(DATABASE_URL=server_url, BLUEPRINT_MIGRATION_URL=owner_url)
        migrated = subprocess.run([installed / "blueprint", "db", "migrate"], capture_output=True, text=True,
                                  cwd=installed, env=env, timeout=120)
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        owner = create_engine(owner_url, poolclass=NullPool)
        with owner.connect() as connection:
            head = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        owner.dispose()
        newest = sorted((ROOT / "migrations" / "versions").glob("0*.py"))[-1]
        assert newest.name.startswith(f"{head}_")  # every revision applied, up to the newest

        port = _free_port()
        serving = subprocess.Popen([installed / "blueprint", "serve", "--port", str(port)], cwd=installed, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                assert serving.poll() is None, serving.stdout.read() if serving.stdout else ""
                try:
                    if httpx.get(f"{base}/ogc", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "blueprint serve did not answer within 60 s"
                time.sleep(0.3)
            page = httpx.get(f"{base}/login", timeout=10)
            assert page.status_code == 200 and "text/html" in page.headers["content-type"]
            for asset in ("/static/vendor/leaflet/leaflet.js", "/static/vendor/bootstrap/css/bootstrap.min.css",
                          "/static/vendor/swagger-ui/swagger-ui-bundle.js", "/static/css/blueprint.css"):
                assert httpx.get(base + asset, timeout=10).status_code == 200, asset
        finally:
            serving.terminate()
            serving.wait(15)
