"""invitation_reminder: one row per "Relancer les sans-réponse" click, unique by its form token

Revision ID: 0011_invitation_reminders
Revises: 0010_meeting_changes
Create Date: 2026-12-03 13:30:00

"""

from alembic import op
import sqlalchemy as sa

import concertation.core.types


# revision identifiers, used by Alembic.
revision = "0011_invitation_reminders"
down_revision = "0010_meeting_changes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "invitation_reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("email_count", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", concertation.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
            name=op.f("fk_invitation_reminder_created_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            name=op.f("fk_invitation_reminder_meeting_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitation_reminder")),
        sa.UniqueConstraint("token", name=op.f("uq_invitation_reminder_token")),
    )
    with op.batch_alter_table("invitation_reminder", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invitation_reminder_meeting_id"), ["meeting_id"], unique=False)


def downgrade():
    with op.batch_alter_table("invitation_reminder", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitation_reminder_meeting_id"))
    op.drop_table("invitation_reminder")
