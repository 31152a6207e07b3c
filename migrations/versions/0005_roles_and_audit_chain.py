"""Least-privilege roles and a tamper-evident audit trail.

The server's role (members of ``blueprint_server``, see :mod:`gis.roles`) gets only the grants it needs:
reads, inserts, and updates of the columns the platform really changes. What is history (audit trail,
opinions, markings, site revisions, stored screenings, published draws, feed exports, project codes) is
refused by triggers for every role and by missing grants for the server's: the server can neither update
nor delete it, and since it owns nothing it cannot disable or drop the triggers either (nor set
``session_replication_role``, which takes a superuser).

Layer imports create, index and attach a partition of ``layer_features``: DDL only an owner may run. Two
``SECURITY DEFINER`` functions of the owner do exactly that for one version id and nothing else, so the
server never holds DDL rights and the import stays one transaction (a rejected import leaves nothing).

Each audit entry carries the hash of the one before (SHA-256 over the previous hash and the entry's
canonical text): ``blueprint audit verify`` recomputes the chain. Appends are serialised on the chain's
head row, so concurrent writers still make one chain, in commit order.

Accounts get ``extra_roles``: an admin approves only if it also holds the NDRC role.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GROUP = "blueprint_server"
GENESIS = "0" * 64

# What the server may do, table by table (UPDATE lists the only columns it may change).
GRANTS: dict[str, tuple[str, ...]] = {
    "layers": ("SELECT", "INSERT", "UPDATE (kind, name)"),  # UPDATE: the import locks its layer FOR UPDATE
    "layer_versions": ("SELECT", "INSERT", "UPDATE (repaired_count, extent)"),
    "layer_features": ("SELECT",),  # rows arrive in a version's own partition, before it is attached
    "layer_feature_parts": ("SELECT", "INSERT"),
    "accounts": ("SELECT", "INSERT", "UPDATE (role, department, organisation, credit_code, secret_hash, "
                 "extra_roles)"),
    "access_tokens": ("SELECT", "INSERT", "DELETE", "UPDATE (expires_at)"),
    "proposals": ("SELECT", "INSERT", "UPDATE (state, project_code, coded_at, updated_at)"),
    "site_revisions": ("SELECT", "INSERT", "UPDATE (is_current)"),
    "screenings": ("SELECT", "INSERT"),
    "opinions": ("SELECT", "INSERT"),
    "markings": ("SELECT", "INSERT"),
    "credit_list": ("SELECT", "INSERT"),
    "audit_log": ("SELECT", "INSERT"),
    "audit_chain_head": ("SELECT",),
    "parcel_interests": ("SELECT", "INSERT"),
    # A year's notice is replaced as a whole (UPDATE: it is locked FOR UPDATE while replaced).
    "calendar_notices": ("SELECT", "INSERT", "DELETE", "UPDATE"),
    "calendar_days": ("SELECT", "INSERT", "DELETE"),
    "item_limits": ("SELECT", "INSERT", "UPDATE"),
    "approval_items": ("SELECT", "INSERT", "UPDATE"),
    "approval_documents": ("SELECT", "INSERT", "UPDATE"),
    "item_references": ("SELECT", "INSERT"),
    "project_supervision": ("SELECT", "INSERT", "UPDATE"),
    "progress_reports": ("SELECT", "INSERT", "UPDATE"),
    "anomaly_warnings": ("SELECT", "INSERT", "UPDATE"),
    "inspectors": ("SELECT", "INSERT"),
    "inspection_draws": ("SELECT", "INSERT"),
    "feed_exports": ("SELECT", "INSERT"),
    "alembic_version": ("SELECT",),
}

APPEND_ONLY = ("opinions", "markings", "screenings", "inspection_draws", "feed_exports")


def upgrade() -> None:
    op.execute(
        f"""
        DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{GROUP}') THEN
                CREATE ROLE {GROUP} NOLOGIN;
            END IF;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE EXCEPTION 'role {GROUP} is missing and the migrating role may not create it'
                USING HINT = 'as a superuser: CREATE ROLE {GROUP} NOLOGIN; GRANT {GROUP} TO <server login>';
        END $$
        """
    )
    _audit_chain()
    op.execute("ALTER TABLE accounts ADD COLUMN extra_roles varchar(20)[] NOT NULL DEFAULT '{}'")
    op.execute("ALTER TABLE accounts ADD CONSTRAINT ck_accounts_extra_roles "
               "CHECK (extra_roles <@ ARRAY['admin', 'ndrc']::varchar(20)[])")
    _append_only()
    _partition_functions()

    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {GROUP}")
    for table, privileges in GRANTS.items():
        op.execute(f"GRANT {', '.join(privileges)} ON {table} TO {GROUP}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {GROUP}")
    op.execute(f"GRANT USAGE ON SCHEMA public TO {GROUP}")


def _audit_chain() -> None:
    op.execute(
        f"""
        ALTER TABLE audit_log ADD COLUMN prev_hash char(64), ADD COLUMN entry_hash char(64);
        CREATE TABLE audit_chain_head (
            only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
            last_id integer,
            last_hash char(64) NOT NULL
        );
        -- The canonical text of an entry: jsonb's text form is deterministic (sorted keys, fixed spacing).
        CREATE FUNCTION audit_entry_payload(entry audit_log) RETURNS text LANGUAGE sql STABLE AS $$
            SELECT jsonb_build_object(
                'id', entry.id, 'proposal_id', entry.proposal_id, 'actor_id', entry.actor_id,
                'actor', entry.actor, 'action', entry.action, 'before', entry.before, 'after', entry.after,
                'at', to_char(entry.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text
        $$;
        CREATE FUNCTION audit_entry_hash(previous text, entry audit_log) RETURNS char(64)
            LANGUAGE sql STABLE AS $$
            SELECT encode(sha256(convert_to(previous || audit_entry_payload(entry), 'UTF8')), 'hex')
        $$;
        -- The head row's lock serialises appends; the id is taken under it, so id order is chain order.
        CREATE FUNCTION audit_chain_append() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
            SET search_path = public, pg_temp AS $$
        DECLARE
            previous char(64);
        BEGIN
            SELECT last_hash INTO previous FROM audit_chain_head FOR UPDATE;
            NEW.id := nextval('audit_log_id_seq');
            NEW.prev_hash := previous;
            NEW.entry_hash := audit_entry_hash(previous, NEW);
            UPDATE audit_chain_head SET last_id = NEW.id, last_hash = NEW.entry_hash;
            RETURN NEW;
        END $$;

        ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only;
        DO $$
        DECLARE
            entry audit_log;
            previous char(64) := '{GENESIS}';
        BEGIN
            FOR entry IN SELECT * FROM audit_log ORDER BY id LOOP
                UPDATE audit_log SET prev_hash = previous, entry_hash = audit_entry_hash(previous, entry)
                    WHERE id = entry.id RETURNING entry_hash INTO previous;
            END LOOP;
            INSERT INTO audit_chain_head (last_id, last_hash) VALUES ((SELECT max(id) FROM audit_log), previous);
        END $$;
        ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only;
        ALTER TABLE audit_log ALTER COLUMN prev_hash SET NOT NULL, ALTER COLUMN entry_hash SET NOT NULL;
        CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
            FOR EACH ROW EXECUTE FUNCTION audit_chain_append();
        CREATE TRIGGER audit_chain_head_no_truncate BEFORE DELETE OR TRUNCATE ON audit_chain_head
            FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_change();
        """
    )


def _append_only() -> None:
    op.execute(
        """
        CREATE FUNCTION refuse_history_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
        END $$;
        """
    )
    for table in APPEND_ONLY:
        op.execute(
            f"""
            CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
            CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_change();
            """
        )
    op.execute(
        """
        -- A new revision makes the old ones no longer current (a no-op for those already not current);
        -- nothing else of a revision ever changes, and a revision never becomes current again.
        CREATE FUNCTION refuse_site_revision_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' AND (OLD.is_current OR NOT NEW.is_current)
               AND (NEW.id, NEW.proposal_id, NEW.revision, NEW.source_crs, NEW.area_m2, NEW.created_at,
                    ST_AsEWKB(NEW.geom))
                   IS NOT DISTINCT FROM (OLD.id, OLD.proposal_id, OLD.revision, OLD.source_crs, OLD.area_m2,
                                         OLD.created_at, ST_AsEWKB(OLD.geom)) THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION 'site_revisions is append-only: % refused (only a revision''s current flag '
                            'is cleared, by the next revision)', TG_OP;
        END $$;
        CREATE TRIGGER site_revisions_append_only BEFORE UPDATE OR DELETE ON site_revisions
            FOR EACH ROW EXECUTE FUNCTION refuse_site_revision_change();
        CREATE TRIGGER site_revisions_no_truncate BEFORE TRUNCATE ON site_revisions
            FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_change();

        CREATE FUNCTION refuse_coded_proposal_delete() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF OLD.project_code IS NOT NULL THEN
                RAISE EXCEPTION 'project code % never changes: DELETE refused', OLD.project_code;
            END IF;
            RETURN OLD;
        END $$;
        CREATE TRIGGER proposals_code_is_never_deleted BEFORE DELETE ON proposals
            FOR EACH ROW EXECUTE FUNCTION refuse_coded_proposal_delete();
        CREATE TRIGGER proposals_no_truncate BEFORE TRUNCATE ON proposals
            FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_change();
        """
    )


def _partition_functions() -> None:
    op.execute(
        f"""
        -- A new, empty partition for a layer version inserted in this transaction; the server may COPY
        -- into it until it is attached.
        CREATE FUNCTION layer_partition_create(target integer) RETURNS text LANGUAGE plpgsql SECURITY DEFINER
            SET search_path = public, pg_temp AS $$
        DECLARE
            partition text := format('layer_features_v%s', target);
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM layer_versions WHERE id = target) THEN
                RAISE EXCEPTION 'layer version % does not exist', target;
            END IF;
            IF to_regclass(partition) IS NOT NULL THEN
                RAISE EXCEPTION 'layer version % already has its features', target;
            END IF;
            EXECUTE format('CREATE TABLE %I (LIKE layer_features INCLUDING DEFAULTS)', partition);
            EXECUTE format('ALTER TABLE %I ADD CHECK (version_id = %s)', partition, target);
            EXECUTE format('GRANT INSERT ON %I TO {GROUP}', partition);
            RETURN partition;
        END $$;
        -- Index and attach it; from then on its rows are read-only for the server.
        CREATE FUNCTION layer_partition_attach(target integer) RETURNS void LANGUAGE plpgsql SECURITY DEFINER
            SET search_path = public, pg_temp AS $$
        DECLARE
            partition text := format('layer_features_v%s', target);
        BEGIN
            IF to_regclass(partition) IS NULL
               OR EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass(partition)) THEN
                RAISE EXCEPTION 'layer version % has no partition waiting to be attached', target;
            END IF;
            EXECUTE format('REVOKE INSERT ON %I FROM {GROUP}', partition);
            EXECUTE format('CREATE INDEX ON %I USING gist (geom)', partition);
            EXECUTE format('ALTER TABLE layer_features ATTACH PARTITION %I FOR VALUES IN (%s)', partition, target);
            EXECUTE format('ANALYZE %I', partition);
        END $$;
        REVOKE ALL ON FUNCTION layer_partition_create(integer), layer_partition_attach(integer) FROM PUBLIC;
        GRANT EXECUTE ON FUNCTION layer_partition_create(integer), layer_partition_attach(integer) TO {GROUP};
        REVOKE ALL ON FUNCTION audit_chain_append() FROM PUBLIC;
        """
    )


def downgrade() -> None:
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {GROUP}")
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {GROUP}")
    op.execute("DROP FUNCTION layer_partition_attach(integer); DROP FUNCTION layer_partition_create(integer)")
    for table in APPEND_ONLY:
        op.execute(f"DROP TRIGGER {table}_append_only ON {table}; DROP TRIGGER {table}_no_truncate ON {table}")
    op.execute(
        """
        DROP TRIGGER site_revisions_append_only ON site_revisions;
        DROP TRIGGER site_revisions_no_truncate ON site_revisions;
        DROP TRIGGER proposals_code_is_never_deleted ON proposals;
        DROP TRIGGER proposals_no_truncate ON proposals;
        DROP FUNCTION refuse_site_revision_change(); DROP FUNCTION refuse_coded_proposal_delete();
        DROP FUNCTION refuse_history_change();
        ALTER TABLE accounts DROP COLUMN extra_roles;
        DROP TRIGGER audit_log_chain ON audit_log;
        DROP TABLE audit_chain_head;
        DROP FUNCTION audit_chain_append(); DROP FUNCTION audit_entry_hash(text, audit_log);
        DROP FUNCTION audit_entry_payload(audit_log);
        ALTER TABLE audit_log DROP COLUMN prev_hash, DROP COLUMN entry_hash;
        """
    )
