"""accounts: directory logins, revocable sessions, named expiring API tokens, throttling, audit trail

The user table loses its lock counters (failed logins now live in `throttle`) and gains a session version
and the source of its password. Its single API token moves to `api_token` (named "Jeton existant",
expiring 90 days after the migration). On SQLite the column `api_token_hash` stays, emptied: a UNIQUE
column cannot be dropped there without copying the table, and dropping the old "user" would run the ON
DELETE actions of its children (every created_by_id...). PostgreSQL drops it.

Revision ID: 0013_accounts
Revises: 0012_mailbox
Create Date: 2026-12-10 10:00:00

"""

from datetime import UTC, datetime, timedelta

from alembic import op
import sqlalchemy as sa

import concertation.core.types


# revision identifiers, used by Alembic.
revision = "0013_accounts"
down_revision = "0012_mailbox"
branch_labels = None
depends_on = None

UTC_DATETIME = concertation.core.types.UTCDateTime(timezone=True)


def _user_fk(table):
    return sa.ForeignKeyConstraint(
        ["user_id"], ["user.id"], name=op.f(f"fk_{table}_user_id_user"), ondelete="CASCADE"
    )


def upgrade():
    with op.batch_alter_table("user", recreate="never") as batch:
        batch.add_column(sa.Column("auth_source", sa.String(length=20), nullable=False, server_default="local"))
        batch.add_column(sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"))
        batch.drop_column("failed_logins")
        batch.drop_column("locked_until")

    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("expires_at", UTC_DATETIME, nullable=False),
        sa.Column("last_used_at", UTC_DATETIME, nullable=True),
        sa.Column("revoked_at", UTC_DATETIME, nullable=True),
        _user_fk("api_token"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    op.create_index(op.f("ix_api_token_user_id"), "api_token", ["user_id"], unique=False)
    op.create_table(
        "remember_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("session_version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("expires_at", UTC_DATETIME, nullable=False),
        _user_fk("remember_token"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remember_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_remember_token_token_hash")),
    )
    op.create_index(op.f("ix_remember_token_user_id"), "remember_token", ["user_id"], unique=False)
    op.create_table(
        "password_reset",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("expires_at", UTC_DATETIME, nullable=False),
        sa.Column("used_at", UTC_DATETIME, nullable=True),
        _user_fk("password_reset"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_reset_token_hash")),
    )
    op.create_index(op.f("ix_password_reset_user_id"), "password_reset", ["user_id"], unique=False)
    op.create_table(
        "throttle",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("window_started_at", UTC_DATETIME, nullable=False),
        sa.Column("blocked_until", UTC_DATETIME, nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_throttle")),
    )
    op.create_index(op.f("ix_throttle_blocked_until"), "throttle", ["blocked_until"], unique=False)
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", UTC_DATETIME, nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_email", sa.String(length=254), nullable=False),
        sa.Column("source_address", sa.String(length=45), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("target", sa.String(length=300), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["user.id"], name=op.f("fk_audit_event_actor_id_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    op.create_index(op.f("ix_audit_event_occurred_at"), "audit_event", ["occurred_at"], unique=False)
    op.create_index(op.f("ix_audit_event_actor_id"), "audit_event", ["actor_id"], unique=False)
    op.create_index(op.f("ix_audit_event_action"), "audit_event", ["action"], unique=False)

    # The one token each account had keeps working, under a name and with an expiry.
    connection = op.get_bind()
    user = sa.table("user", sa.column("id", sa.Integer), sa.column("api_token_hash", sa.String))
    api_token = sa.table(
        "api_token",
        sa.column("user_id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("token_hash", sa.String),
        sa.column("created_at", UTC_DATETIME),
        sa.column("expires_at", UTC_DATETIME),
    )
    now = datetime.now(UTC)
    rows = connection.execute(sa.select(user.c.id, user.c.api_token_hash).where(user.c.api_token_hash.is_not(None)))
    existing = [
        {"user_id": id_, "name": "Jeton existant", "token_hash": digest, "created_at": now, "expires_at": now + timedelta(days=90)}
        for id_, digest in rows
    ]
    if existing:
        op.bulk_insert(api_token, existing)
    connection.execute(sa.update(user).values(api_token_hash=None))
    if connection.dialect.name != "sqlite":
        with op.batch_alter_table("user") as batch:
            batch.drop_constraint("uq_user_api_token_hash", type_="unique")
            batch.drop_column("api_token_hash")


def downgrade():
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        with op.batch_alter_table("user") as batch:
            batch.add_column(sa.Column("api_token_hash", sa.String(length=64), nullable=True))
            batch.create_unique_constraint("uq_user_api_token_hash", ["api_token_hash"])
    for table, indexes in (
        ("audit_event", ("ix_audit_event_action", "ix_audit_event_actor_id", "ix_audit_event_occurred_at")),
        ("throttle", ("ix_throttle_blocked_until",)),
        ("password_reset", ("ix_password_reset_user_id",)),
        ("remember_token", ("ix_remember_token_user_id",)),
        ("api_token", ("ix_api_token_user_id",)),
    ):
        for index in indexes:
            op.drop_index(op.f(index), table_name=table)
        op.drop_table(table)
    # ALTER TABLE … DROP/ADD COLUMN, never a copy of "user" (see the module docstring).
    with op.batch_alter_table("user", recreate="never") as batch:
        batch.add_column(sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("locked_until", UTC_DATETIME, nullable=True))
        batch.drop_column("session_version")
        batch.drop_column("auth_source")
