"""meeting documents: the dossier de séance's versions and the files attached to a meeting

Revision ID: 0014_meeting_documents
Revises: 0013_accounts
Create Date: 2026-12-04 17:00:00

"""

from alembic import op
import sqlalchemy as sa

import concertation.core.types


# revision identifiers, used by Alembic.
revision = "0014_meeting_documents"
down_revision = "0013_accounts"
branch_labels = None
depends_on = None

UTC_DATETIME = concertation.core.types.UTCDateTime(timezone=True)


def upgrade():
    op.create_table(
        "meeting_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("stored_name", sa.String(length=80), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("notified_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meeting.id"], name=op.f("fk_meeting_document_meeting_id_meeting"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_meeting_document_created_by_id_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_document")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_meeting_document_stored_name")),
        sa.UniqueConstraint(
            "meeting_id", "kind", "version", name=op.f("uq_meeting_document_meeting_id_kind_version")
        ),
    )
    op.create_index(op.f("ix_meeting_document_meeting_id"), "meeting_document", ["meeting_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_meeting_document_meeting_id"), table_name="meeting_document")
    op.drop_table("meeting_document")
