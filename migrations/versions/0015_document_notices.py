"""document_notice: one row per "Prévenir les invités" click (new meeting documents), unique by its form token

Revision ID: 0015_document_notices
Revises: 0014_meeting_documents
Create Date: 2026-12-04 17:30:00

"""

from alembic import op
import sqlalchemy as sa

import concertation.core.types


# revision identifiers, used by Alembic.
revision = "0015_document_notices"
down_revision = "0014_meeting_documents"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "document_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("document_count", sa.Integer(), nullable=False),
        sa.Column("email_count", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", concertation.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
            name=op.f("fk_document_notice_created_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            name=op.f("fk_document_notice_meeting_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_notice")),
        sa.UniqueConstraint("token", name=op.f("uq_document_notice_token")),
    )
    with op.batch_alter_table("document_notice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_notice_meeting_id"), ["meeting_id"], unique=False)


def downgrade():
    with op.batch_alter_table("document_notice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_notice_meeting_id"))
    op.drop_table("document_notice")
