"""``blueprint``: run the platform, its database, its samples and its layer imports."""

from __future__ import annotations

import gc
import json
import sys
import threading
from pathlib import Path
from typing import Annotated

import typer

from gis.errors import SpatialInputError
from gis.messages import render_all

app = typer.Typer(help="One Blueprint (一张蓝图): investment projects planned on one map.", no_args_is_help=True)
db_app = typer.Typer(help="The database: the local PostGIS cluster, or DATABASE_URL.", no_args_is_help=True)
samples_app = typer.Typer(help="The Xiamen sample layers, parcels and proposals.", no_args_is_help=True)
layers_app = typer.Typer(help="Planning layers: import and list.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(samples_app, name="samples")
app.add_typer(layers_app, name="layers")
users_app = typer.Typer(help="Accounts: admin, ndrc, department, applicant.", no_args_is_help=True)
app.add_typer(users_app, name="users")
audit_app = typer.Typer(help="The audit trail and its hash chain.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


def fail(error: SpatialInputError | Exception) -> None:
    typer.secho(f"error: {error}", fg=typer.colors.RED, err=True)
    issues = getattr(error, "extra", {}).get("issues") if isinstance(error, SpatialInputError) else None
    for issue in issues or []:
        typer.echo(f"  feature {issue['index']}: {issue['reason']}", err=True)
    raise typer.Exit(code=2)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="interface to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port")] = None,
) -> None:
    """Serve the API and the map pages."""
    import uvicorn

    from api.server import uvicorn_config
    from api.settings import ServerSettings
    from gis.db import get_engine
    from gis.roles import PrivilegedRoleError
    from projects.screening import keep_layers_in_memory

    settings = ServerSettings()
    host, port = host or settings.host, port or settings.port
    try:  # the engine refuses a superuser or the schema's owner: better now than on the first request
        with get_engine().connect():
            pass
    except PrivilegedRoleError as error:
        fail(error)
    config = uvicorn_config(host=host, port=port)
    config.load()  # the app, built now
    # The app and, once read, the layers that screenings overlay in memory live as long as the process:
    # frozen out of garbage collection, they are not walked again by each full collection (200,000 objects
    # took 180 ms, a pause that fell on whichever request was running).
    gc.freeze()

    def keep_layers() -> None:
        keep_layers_in_memory(get_engine())
        gc.freeze()

    # read while the server starts, not by its first screening
    threading.Thread(target=keep_layers, daemon=True, name="keep-layers").start()
    base = f"http://{host}:{port}"
    typer.echo(f"One Blueprint on {base}/")
    for path, what in (("/", "one blueprint map (一张蓝图)"), ("/ndrc", "NDRC overview (发改委)"),
                       ("/investment", "parcels open for investment (招商地块)"), ("/docs", "API documentation")):
        typer.echo(f"  {base}{path:<12} {what}")
    uvicorn.Server(config).run()


deploy_app = typer.Typer(help="Configuration for running the platform behind a load balancer.",
                         no_args_is_help=True)
app.add_typer(deploy_app, name="deploy")


@deploy_app.command("nginx")
def deploy_nginx(
    instance: Annotated[list[str], typer.Option(help="host:port of a `blueprint serve` (repeat for each)")],
    listen: Annotated[str, typer.Option(help="port or address:port nginx listens on")] = "80",
    cache_dir: Annotated[Path, typer.Option(help="where nginx caches pinned tiles")] = Path(
        "/var/cache/nginx/one-blueprint"),
) -> None:
    """Print the nginx configuration (http context, e.g. /etc/nginx/conf.d/one-blueprint.conf)."""
    from api.load_balancer import nginx_config

    typer.echo(nginx_config(instance, listen, cache_dir), nl=False)


@db_app.command("up")
def db_up() -> None:
    """Start the local PostGIS cluster (unless DATABASE_URL is set) and print its URL."""
    from gis.db import resolve_database_url

    typer.echo(resolve_database_url())


@db_app.command("down")
def db_down() -> None:
    """Stop the local PostGIS cluster."""
    from gis.server import LocalPostgis
    from gis.settings import database_settings

    settings = database_settings()
    if settings.database_url:
        typer.echo("DATABASE_URL is set: the platform does not manage that server.")
        return
    LocalPostgis(settings.data_dir).stop()
    typer.echo("local PostGIS stopped")


replica_app = typer.Typer(help="Streaming read replicas of the local cluster (BLUEPRINT_READ_URL).",
                          no_args_is_help=True)
db_app.add_typer(replica_app, name="replica")


def _local_replica(name: str):  # noqa: ANN202 (gis.replica is imported only when asked for)
    from gis.replica import LocalReplica
    from gis.server import LocalPostgis
    from gis.settings import database_settings

    settings = database_settings()
    if settings.database_url:
        typer.echo("DATABASE_URL is set: make replicas of that server with its own tools, then set "
                   "BLUEPRINT_READ_URL.", err=True)
        raise typer.Exit(code=2)
    return LocalReplica(LocalPostgis(settings.data_dir), name)


@replica_app.command("up")
def replica_up(name: Annotated[str, typer.Option(help="the replica's name")] = "replica-1") -> None:
    """Copy the local cluster with pg_basebackup (first time), start the standby and print its URL."""
    replica = _local_replica(name)
    replica.primary.start()
    replica.start()
    typer.echo(replica.server_url())
    typer.echo(f"read from it:  export BLUEPRINT_READ_URL='{replica.server_url()}'", err=True)


@replica_app.command("down")
def replica_down(
    name: Annotated[str, typer.Option(help="the replica's name")] = "replica-1",
    remove: Annotated[bool, typer.Option(help="also delete its copy of the data")] = False,
) -> None:
    """Stop the standby (reads fall back to the primary)."""
    replica = _local_replica(name)
    replica.remove() if remove else replica.stop()
    typer.echo(f"replica {name} {'removed' if remove else 'stopped'}")


@replica_app.command("status")
def replica_status(name: Annotated[str, typer.Option(help="the replica's name")] = "replica-1") -> None:
    """Whether the standby runs, and how far behind the primary it is (and every BLUEPRINT_READ_URL)."""
    from gis.db import get_engine
    from gis.replica import ReadRouter, read_settings

    replica = _local_replica(name)
    urls = ([replica.server_url()] if replica.status() else []) + read_settings().urls
    states = ReadRouter(get_engine(), list(dict.fromkeys(urls)), read_settings()).status() if urls else []
    typer.echo(f"local replica {name}: {'running' if replica.status() else 'not running'}")
    for url, state in zip(dict.fromkeys(urls), states, strict=True):
        lag = "-" if state["lag_s"] is None else f"{state['lag_s']} s"
        typer.echo(f"  {url}: {'up' if state['up'] else 'down'}, lag {lag}")


@db_app.command("url")
def db_url() -> None:
    """Print the database URL in use (DATABASE_URL, or the local cluster's)."""
    from gis.db import resolve_database_url

    typer.echo(resolve_database_url())


@db_app.command("migrate")
def db_migrate() -> None:
    """Apply the Alembic migrations up to the latest revision."""
    from gis.migrate import upgrade_database

    upgrade_database()
    typer.echo("schema is at the latest revision")


@samples_app.command("load")
def samples_load() -> None:
    """Migrate, then load the Xiamen samples; a second run reuses what is already loaded."""
    from data.samples.load import load_samples
    from gis.migrate import upgrade_database

    upgrade_database()
    try:
        for line in load_samples():
            typer.echo(line)
    except SpatialInputError as error:
        fail(error)


@layers_app.command("import")
def layers_import(
    file: Annotated[Path, typer.Argument(help="GeoJSON, GeoPackage, Shapefile or zipped Shapefile")],
    kind: Annotated[str, typer.Option(help="layer kind, e.g. ecological_red_line (see `layers kinds`)")],
    crs: Annotated[str | None, typer.Option(help="CRS of the coordinates: EPSG:4490, EPSG:4548, GCJ02…")] = None,
    name: Annotated[str | None, typer.Option(help="layer name (default: the file name)")] = None,
    repair: Annotated[bool, typer.Option(help="repair invalid polygons instead of refusing the import")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
    impact: Annotated[bool, typer.Option(help="then compute what the new version changes (on Dask)")] = True,
) -> None:
    """Import a file as a new version of a planning layer."""
    from tqdm import tqdm

    from layers.importer import ImportBusyError, import_layer

    # The libraries just loaded live until exit: keeping their objects out of garbage collection spares the
    # collections during the import and the full one at exit.
    gc.freeze()

    with tqdm(unit=" features", desc=f"importing {file.name}", file=sys.stderr, disable=None) as bar:
        try:
            report = import_layer(file, kind, crs=crs, name=name, repair=repair, progress=bar.update,
                                  actor=_operator())
        except (SpatialInputError, ValueError, ImportBusyError) as error:
            fail(error)
    if as_json:
        typer.echo(json.dumps(render_all(report.to_dict(), "en"), ensure_ascii=False, indent=2))
        if impact:  # kept for the work lists; the JSON printed is the import's
            _analyse_impact(report.layer_id, report.version, None, workers=None, scheduler=None, quiet=True)
        return
    typer.echo(
        f"imported {report.feature_count} features into {report.layer_name!r} ({report.kind}) "
        f"version {report.version} from {report.source_crs} in {report.seconds:.1f} s "
        f"({report.features_per_second:,.0f} features/s)"
    )
    for issue in report.repaired:
        typer.echo(f"  repaired feature {issue.index}: {issue.reason}")
    for change in report.normalised:
        typer.echo(f"  normalised {change.attribute} {change.value!r} -> {change.normalised!r} "
                   f"({change.count} features)")
    if impact:
        _analyse_impact(report.layer_id, report.version, None, workers=None, scheduler=None)


def _analyse_impact(layer_id: int, version: int, against: int | None, *, workers: int | None,
                    scheduler: str | None, as_json: bool = False, quiet: bool = False) -> None:
    """Compute what a layer version changes on Dask, with a progress bar, keep it and print it."""
    from tqdm import tqdm

    from gis.db import get_engine
    from projects.impact import ImpactError, compute_impact, plan_impact, store_impact

    engine = get_engine()
    try:
        plan = plan_impact(engine, layer_id, version, against)
    except ImpactError as error:
        fail(error)
    with tqdm(total=len(plan.jobs), unit=" sites", desc="what the new version changes", file=sys.stderr,
              disable=None) as bar:
        impact = compute_impact(engine, plan, workers=workers, scheduler=scheduler, progress=bar.update)
    with engine.begin() as connection:
        impact["id"] = store_impact(connection, impact, _operator())
    if quiet:
        return
    if as_json:
        typer.echo(json.dumps(impact, ensure_ascii=False, indent=2))
        return
    against_text = f"version {impact['against_version']}" if impact["against_version"] else "no earlier version"
    typer.echo(f"impact report {impact['id']}: {impact['layer_name']!r} version {version} against {against_text}, "
               f"{impact['sites_checked']} live proposals and coded projects checked, "
               f"{len(impact['changes'])} changes")
    for change in impact["changes"]:
        typer.echo(f"  proposal {change['proposal_id']} ({change['project_code'] or change['state']}): "
                   f"{change['rule_id']} {change['severity']} for {change['department']}: {change['change']} "
                   f"{change['old_m2']:,.2f} -> {change['new_m2']:,.2f} m²")


DaskWorkers = Annotated[int | None, typer.Option(
    help="worker processes of a Dask cluster started for this batch (default: the scheduler of `workers up` "
         "while it runs, else one per core)")]
DaskScheduler = Annotated[str | None, typer.Option(help="a Dask scheduler's address (BLUEPRINT_DASK_SCHEDULER)")]


@layers_app.command("impact")
def layers_impact(
    layer: Annotated[int, typer.Argument(help="layer id (see `layers list`)")],
    version: Annotated[int, typer.Option(help="the new version")],
    against: Annotated[int | None, typer.Option(help="compare with this version (default: the one before)")] = None,
    workers: DaskWorkers = None,
    scheduler: DaskScheduler = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """What a layer version changes for every live proposal and coded project; kept as an impact report."""
    _analyse_impact(layer, version, against, workers=workers, scheduler=scheduler, as_json=as_json)


@layers_app.command("list")
def layers_list() -> None:
    """List stored layers with their current version, feature count and extent."""
    from layers.store import list_layers

    for layer in list_layers():
        extent = ", ".join(f"{value:.4f}" for value in layer["extent"] or [])
        typer.echo(
            f"{layer['id']:>4}  {layer['kind']:<28} {layer['name']:<36} v{layer['current_version']:<3} "
            f"{layer['feature_count']:>8} features  [{extent}]  from {layer['source_crs']}"
        )


rules_app = typer.Typer(help="The conflict rules as versioned data (rules file, TOML).", no_args_is_help=True)
app.add_typer(rules_app, name="rules")


@rules_app.command("load")
def rules_load(file: Annotated[Path, typer.Argument(help="a rules file (see layers/rules.toml)")]) -> None:
    """Check a rules file and keep it as the next rule set version, in force for every screening from now."""
    from gis.db import get_engine
    from layers.rule_set import RuleSetError, store_rule_set

    try:
        with get_engine().begin() as connection:
            stored = store_rule_set(connection, file.read_text(encoding="utf-8"), _operator())
    except (RuleSetError, OSError, UnicodeDecodeError) as error:
        fail(error)
    typer.echo(f"rule set version {stored.version} in force ({len(stored.rules)} rules, {stored.digest[:12]})")


@rules_app.command("export")
def rules_export(version: Annotated[int | None, typer.Option(help="a stored version (default: in force)")] = None
                 ) -> None:
    """Print a rule set's rules file: edit it and load it as the next version."""
    from gis.db import get_engine
    from layers.rule_set import rule_set_in_force, rule_set_version

    with get_engine().connect() as connection:
        try:
            rules = rule_set_version(connection, version) if version else rule_set_in_force(connection)
        except LookupError as error:
            fail(error)
    typer.echo(rules.source, nl=False)


@rules_app.command("history")
def rules_history() -> None:
    """Every rule set version, newest (in force) first."""
    from gis.db import get_engine
    from layers.rule_set import rule_set_history

    with get_engine().connect() as connection:
        for entry in rule_set_history(connection):
            typer.echo(f"version {entry['version']}  {entry['loaded_at']}  {entry['digest'][:12]}  {entry['actor']}")


@app.command()
def screen(
    site_file: Annotated[Path, typer.Argument(help="GeoJSON file holding the site (Polygon or MultiPolygon)")],
    crs: Annotated[str, typer.Option(help="CRS of the site's coordinates")] = "EPSG:4326",
    land_use: Annotated[str, typer.Option(help="intended land-use class, e.g. 1001")] = "1001",
    project_type: Annotated[str, typer.Option("--type", help="01 审批, 02 核准, 03 备案")] = "02",
    industry: Annotated[str, typer.Option(help="GB/T 4754 division, e.g. C39")] = "C39",
    lang: Annotated[str, typer.Option(help="zh or en")] = "zh",
) -> None:
    """Screen a proposed site against every planning layer and print the conflicts."""
    from gis.db import StatementTimeoutError, get_engine
    from projects.screening import Screener, ScreeningRequest
    from projects.sites import prepare_site

    try:
        site = prepare_site(site_file.read_text(encoding="utf-8"), crs)
        with get_engine().connect() as connection:
            report = Screener(connection).screen(
                ScreeningRequest(site=site, project_type=project_type, land_use=land_use, industry=industry)
            )
    except (SpatialInputError, StatementTimeoutError, OSError) as error:
        fail(error)
    for line in format_report(report.to_dict(), lang):
        typer.echo(line)


def format_report(report: dict, lang: str) -> list[str]:
    """A screening report as a plain-text table in Chinese (zh) or English (en)."""
    zh = lang == "zh"
    summary = report["summary"]
    area = report["site_area"]
    lines = [
        (f"选址面积 {area['m2']:,.0f} m²（{area['mu']:,.2f} 亩）" if zh
         else f"site area {area['m2']:,.0f} m² ({area['mu']:,.2f} mu)"),
        f"{'严重程度':<8}{'图层':<22}{'要素':>8}{'面积 m²':>14}{'亩':>10}{'占比%':>8}  {'部门 / 说明'}" if zh else
        f"{'severity':<14}{'layer':<30}{'feature':>8}{'m2':>14}{'mu':>10}{'% site':>8}  department / message",
    ]
    for conflict in report["conflicts"]:
        overlap = conflict["overlap"]
        department = conflict["department_name"]["zh" if zh else "en"]
        message = conflict["message"]["zh" if zh else "en"]
        follow = conflict["follow_up"]["zh" if zh else "en"] if conflict["follow_up"] else ""
        lines.append(
            f"{conflict['severity']:<14}{conflict['layer_kind']:<30}{str(conflict['feature_index'] or '-'):>8}"
            f"{overlap['m2']:>14,.1f}{overlap['mu']:>10,.2f}{overlap['percent_of_site']:>8.2f}  {department}: {message}"
            + (f" → {follow}" if follow else "")
        )
    if not report["conflicts"]:
        lines.append("无空间冲突" if zh else "no spatial conflict")
    departments = ", ".join(d["zh" if zh else "en"] for d in summary["departments_to_review"]) or "-"
    lines.append(
        (f"阻断 {summary['blocking_count']}，需审查 {summary['needs_review_count']}，提示 {summary['info_count']}；"
         f"需出具意见部门：{departments}；可赋码：{'是' if summary['eligible_for_code'] else '否'}") if zh else
        (f"blocking {summary['blocking_count']}, needs review {summary['needs_review_count']}, "
         f"info {summary['info_count']}; departments to review: {departments}; "
         f"eligible for code: {'yes' if summary['eligible_for_code'] else 'no'}")
    )
    if summary["missing_layer_kinds"]:
        lines.append(("未加载图层：" if zh else "layers not loaded: ") + ", ".join(summary["missing_layer_kinds"]))
    if summary["no_data_layer_kinds"]:
        lines.append(("选址范围内无数据的图层（需部门核实）：" if zh else "layers with no data under the site "
                      "(their departments check): ") + ", ".join(summary["no_data_layer_kinds"]))
    for sliver in report["ignored_slivers"]:
        lines.append((f"忽略的碎片：{sliver['layer_kind']} 要素 {sliver['feature_index']}，"
                      f"{sliver['overlap']['m2']:,.2f} m²，{sliver['reason']['zh']}") if zh else
                     (f"ignored sliver: {sliver['layer_kind']} feature {sliver['feature_index']}, "
                      f"{sliver['overlap']['m2']:,.2f} m², {sliver['reason']['en']}"))
    return lines


@users_app.command("create")
def users_create(
    username: Annotated[str, typer.Argument(help="login name")],
    role: Annotated[str, typer.Option(
        help="admin, ndrc, department, applicant, window (then `windows seat`) or provider")],
    department: Annotated[str | None, typer.Option(help="for a department account: natural_resources, water…")] = None,
    organisation: Annotated[str | None, typer.Option(
        help="for an applicant or a provider: the organisation (项目单位, 中介服务机构)")] = None,
    credit_code: Annotated[str | None, typer.Option(help="for an applicant or a provider: 统一社会信用代码")] = None,
    also: Annotated[list[str] | None, typer.Option(help="an extra role the account holds: admin or ndrc")] = None,
    display_name: Annotated[str | None, typer.Option(help="the person's name (姓名), shown on the pages")] = None,
    secret: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True,
                                        envvar="BLUEPRINT_SECRET", help="the login secret (asked if not given)")] = "",
) -> None:
    """Create an account; its secret is stored hashed (Argon2id). The audit trail records it."""
    from gis.db import get_engine
    from projects.accounts import AccountError, create_account

    try:
        with get_engine().begin() as connection:
            account = create_account(connection, username=username, secret=secret, role=role, department=department,
                                     organisation=organisation, credit_code=credit_code,
                                     extra_roles=tuple(also or ()), display_name=display_name, by=_operator())
    except (AccountError, ValueError) as error:
        fail(error)
    typer.echo(f"created {account.label}; log in with POST /api/v1/auth/token")


@users_app.command("grant")
def users_grant(
    username: Annotated[str, typer.Argument(help="login name")],
    role: Annotated[str, typer.Option(help="the extra role: ndrc (lets an admin decide for the NDRC) or admin")],
) -> None:
    """Give an account an extra role; the audit trail records it."""
    from gis.db import get_engine
    from projects.accounts import AccountError, grant_role

    try:
        with get_engine().begin() as connection:
            account = grant_role(connection, username, role, by=_operator())
    except (AccountError, ValueError) as error:
        fail(error)
    typer.echo(f"{account.label} now also holds {', '.join(sorted(r.value for r in account.extra_roles))}")


def _operator() -> str:
    """Who runs this command, for the audit trail: the operating-system user."""
    import getpass

    return f"command line ({getpass.getuser()})"


@audit_app.command("verify")
def audit_verify() -> None:
    """Walk the audit trail's hash chain; name the first broken entry (exit 1) or print the head hash."""
    from gis.audit import verify_chain
    from gis.db import get_engine

    with get_engine().connect() as connection:
        report = verify_chain(connection)
    if not report.intact:
        typer.secho(f"audit trail broken at entry {report.broken_id}: {report.reason} "
                    f"({report.entries} entries before it hold)", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1)
    typer.echo(f"audit trail intact: {report.entries} entries, head {report.head}")
    typer.echo("keep the head hash somewhere else: a later verify that still shows it proves nothing before it "
               "was rewritten")


workers_app = typer.Typer(help="Batch workers: a Dask scheduler and worker processes on this machine.",
                          no_args_is_help=True)
app.add_typer(workers_app, name="workers")


@workers_app.command("up")
def workers_up(
    workers: Annotated[int | None, typer.Option(help="worker processes (default: one per core)")] = None,
    port: Annotated[int, typer.Option(help="the scheduler's TCP port on 127.0.0.1 (0: any free one)")] = 0,
) -> None:
    """Start a Dask scheduler and its worker processes in the background (unless they run) and print the
    scheduler's address; batch commands use it while it runs."""
    import os

    from projects.workers import LocalWorkersError, local_workers

    try:
        address = local_workers().start(workers or os.cpu_count() or 1, port)
    except LocalWorkersError as error:
        fail(error)
    typer.echo(address)
    typer.echo(f"elsewhere: export BLUEPRINT_DASK_SCHEDULER='{address}'", err=True)


@workers_app.command("down")
def workers_down() -> None:
    """Stop the local workers and their scheduler."""
    from projects.workers import local_workers

    local_workers().stop()
    typer.echo("local Dask workers stopped")


@workers_app.command("status")
def workers_status() -> None:
    """Whether the local scheduler runs, its address and the workers that joined it."""
    from projects.workers import local_workers

    status = local_workers().status()
    if not status["running"]:
        typer.echo("local Dask workers: not running")
        raise typer.Exit(code=1)
    typer.echo(f"local Dask scheduler {status['address']}: {len(status['workers'])} workers")
    for worker in status["workers"]:
        typer.echo(f"  {worker['name']:<14} pid {worker['pid']:<8} {worker['address']}")


proposals_app = typer.Typer(help="Proposals in batch.", no_args_is_help=True)
app.add_typer(proposals_app, name="proposals")


@proposals_app.command("rescreen")
def proposals_rescreen(
    as_user: Annotated[str, typer.Option("--as", help="the NDRC account the re-screening is done as")],
    impact: Annotated[int | None, typer.Option(help="only the live proposals this impact report names")] = None,
    workers: DaskWorkers = None,
    scheduler: DaskScheduler = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
) -> None:
    """Screen every live proposal's current site again (or those an impact report names) on Dask, each
    kept and audited; stored screenings are never rewritten."""
    from tqdm import tqdm

    from gis.db import get_engine
    from projects.access import AccessDeniedError
    from projects.accounts import account_by_username
    from projects.impact import ImpactError, impact_proposals, rescreen_impacted
    from projects.rescreening import live_proposals, rescreen_batch

    engine = get_engine()
    with engine.connect() as connection:
        actor = account_by_username(connection, as_user)
        try:
            ids = impact_proposals(connection, actor, impact) if impact else live_proposals(connection)
        except (ImpactError, AccessDeniedError) as error:
            fail(error)
    where = {"workers": workers, "scheduler": scheduler}
    with tqdm(total=len(ids), unit=" proposals", desc="re-screening", file=sys.stderr, disable=None) as bar:
        try:
            if impact:
                with engine.begin() as connection:
                    done = rescreen_impacted(connection, actor, impact, progress=bar.update, **where)
            else:
                done = rescreen_batch(engine, actor, ids, progress=bar.update, **where)
        except AccessDeniedError as error:
            fail(error)
    if as_json:
        typer.echo(json.dumps(done, ensure_ascii=False, indent=2))
        return
    typer.echo(f"re-screened {len(done['rescreened'])} proposals (batch {done['batch']}), "
               f"{len(done['skipped'])} skipped")
    for result in done["rescreened"]:
        versions = ", ".join(f"{layer}:v{version}" for layer, version in result["layer_versions"])
        typer.echo(f"  proposal {result['proposal_id']}: {result['blocking_count']} blocking, rule set "
                   f"v{result['rule_set_version']}, layers {versions}")
    for result in done["skipped"]:
        typer.echo(f"  proposal {result['proposal_id']} skipped: {result['skipped']}")


@layers_app.command("kinds")
def layers_kinds() -> None:
    """List the layer kinds, their responsible departments and the attributes an import checks."""
    from layers.catalogue import LAYER_KINDS

    for kind in LAYER_KINDS.values():
        typer.echo(f"{kind.slug:<28} {kind.name.zh} / {kind.name.en}  — {kind.department.name_zh}")
        for attribute in kind.attributes:
            typer.echo(f"    {attribute.name}{' (required)' if attribute.required else ''}: {attribute.allowed()}")


windows_app = typer.Typer(help="One-window acceptance (一口受理): the acceptance desks and their staff.",
                          no_args_is_help=True)
app.add_typer(windows_app, name="windows")


@windows_app.command("list")
def windows_list() -> None:
    """List the acceptance desks (受理窗口) by slug, with the division each serves."""
    from projects.supervision.windows import WINDOWS

    for desk in WINDOWS.values():
        typer.echo(f"{desk.slug:<10} {desk.division_code} {desk.level:<8} {desk.name_zh} / {desk.name_en}")


@windows_app.command("seat")
def windows_seat(
    username: Annotated[str, typer.Argument(help="a window account (users create --role window)")],
    window: Annotated[str, typer.Option(help="the desk's slug, see `windows list`")],
) -> None:
    """Seat a window account at its desk, once; the audit trail records it."""
    from gis.db import get_engine
    from gis.messages import Message
    from projects.accounts import AccountError, account_by_username
    from projects.supervision.windows import assign_window

    try:
        with get_engine().begin() as connection:
            account = account_by_username(connection, username)
            if account is None:
                raise AccountError(Message("account.unknown", username=username))
            assign_window(connection, account, window, by=_operator())
    except AccountError as error:
        fail(error)
    typer.echo(f"{username} accepts at {window}")
select_app = typer.Typer(help="Site selection (智能选址): where a project can go, best first.")
app.add_typer(select_app, name="select")


@select_app.callback(invoke_without_command=True)
def select(
    area_min: Annotated[float, typer.Option("--min", help="smallest site area, in --unit")],
    area_max: Annotated[float, typer.Option("--max", help="largest site area, in --unit")],
    unit: Annotated[str, typer.Option(help="m2, mu (亩, 1 亩 = 666.67 m²) or ha (公顷)")] = "m2",
    land_use: Annotated[str, typer.Option(help="intended land-use class, e.g. 1001")] = "1001",
    project_type: Annotated[str, typer.Option("--type", help="01 审批, 02 核准, 03 备案")] = "02",
    industry: Annotated[str, typer.Option(help="GB/T 4754 division, e.g. C39")] = "C39",
    district: Annotated[list[str] | None, typer.Option(help="GB/T 2260 district code; repeat for more")] = None,
    search_area: Annotated[Path | None, typer.Option(help="GeoJSON file of the area to search in")] = None,
    crs: Annotated[str, typer.Option(help="CRS of the search area's coordinates")] = "EPSG:4326",
    inside_udb: Annotated[bool, typer.Option("--inside-udb", help="only inside the urban development "
                                                                  "boundary (城镇开发边界)")] = False,
    limit: Annotated[int, typer.Option(help="candidates to screen and print")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="print the whole result as JSON")] = False,
    lang: Annotated[str, typer.Option(help="zh or en")] = "zh",
) -> None:
    """Find candidate sites and print them as a table (or the whole result with its reports, --json)."""
    from gis.db import StatementTimeoutError, get_engine, read_only
    from projects.selection import AreaRange, SelectionRequest, Selector
    from projects.sites import prepare_site

    try:
        request = SelectionRequest(
            project_type=project_type, land_use=land_use, industry=industry,
            area=AreaRange.of(area_min, area_max, unit), districts=tuple(district or ()),
            search_area=prepare_site(search_area.read_text(encoding="utf-8"), crs) if search_area else None,
            inside_urban_development_boundary=inside_udb, limit=limit)
        with read_only(get_engine()) as connection:
            result = Selector(connection).select(request).to_dict()
    except (SpatialInputError, StatementTimeoutError, OSError) as error:
        fail(error)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=1))
        return
    for line in format_selection(result, lang):
        typer.echo(line)


def format_selection(result: dict, lang: str) -> list[str]:
    """Candidates as a plain-text table in Chinese (zh) or English (en): rank, id, area, what stands in the way."""
    zh = lang == "zh"
    language = "zh" if zh else "en"
    lines = [f"{'排名':<5}{'候选':<20}{'来源':<8}{'面积 m²':>12}{'亩':>9}  {'需审查部门 / 原因'}" if zh else
             f"{'rank':<5}{'candidate':<20}{'source':<8}{'m2':>12}{'mu':>9}  departments to review / reasons"]
    for candidate in result["candidates"]:
        parcel = candidate["source"] == "investment_parcel"
        source = ("地块" if parcel else "图斑") if zh else ("parcel" if parcel else "zones")
        departments = ", ".join(d[language] for d in candidate["report"]["summary"]["departments_to_review"]) or "-"
        reasons = "; ".join(r["message"][language] for r in candidate["reasons"])
        lines.append(f"{candidate['rank']:<5}{candidate['id']:<20}{source:<8}{candidate['area']['m2']:>12,.0f}"
                     f"{candidate['area']['mu']:>9,.1f}  {departments}" + (f" — {reasons}" if reasons else ""))
    if result["reason"]:
        lines.append(("无候选用地：" if zh else "no candidate: ") + result["reason"][language])
    versions = ", ".join(f"{v['kind']} v{v['version']}" for v in result["layer_versions"])
    lines.append(f"图层版本：{versions}；规则集第{result['rule_set']['version']}版" if zh else
                  f"layer versions: {versions}; rule set version {result['rule_set']['version']}")
    return lines


if __name__ == "__main__":
    app()
