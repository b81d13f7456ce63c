"""polls: the date poll of a draft meeting, its slots, its recipients and their answers

Revision ID: 0016_polls
Revises: 0015_document_notices
Create Date: 2026-12-04 17:45:00

"""

from alembic import op
import sqlalchemy as sa

import concertation.core.types


# revision identifiers, used by Alembic.
revision = "0016_polls"
down_revision = "0015_document_notices"
branch_labels = None
depends_on = None

UTC_DATETIME = concertation.core.types.UTCDateTime(timezone=True)


def upgrade():
    op.create_table(
        "poll",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("deadline", UTC_DATETIME, nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", UTC_DATETIME, nullable=True),
        sa.Column("closed_at", UTC_DATETIME, nullable=True),
        sa.Column("chosen_position", sa.Integer(), nullable=True),
        sa.Column("reminded_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"], name=op.f("fk_poll_meeting_id_meeting"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], name=op.f("fk_poll_created_by_id_user"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll")),
        sa.UniqueConstraint("meeting_id", name=op.f("uq_poll_meeting_id")),
    )
    op.create_table(
        "poll_slot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("starts_at", UTC_DATETIME, nullable=False),
        sa.Column("ends_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(["poll_id"], ["poll.id"], name=op.f("fk_poll_slot_poll_id_poll"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_slot")),
        sa.UniqueConstraint("poll_id", "position", name=op.f("uq_poll_slot_poll_id_position")),
    )
    op.create_index(op.f("ix_poll_slot_poll_id"), "poll_slot", ["poll_id"], unique=False)
    op.create_table(
        "poll_recipient",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("qualities", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("answered_at", UTC_DATETIME, nullable=True),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["poll_id"], ["poll.id"], name=op.f("fk_poll_recipient_poll_id_poll"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_poll_recipient_person_id_person"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["entered_by_id"], ["user.id"], name=op.f("fk_poll_recipient_entered_by_id_user"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_recipient")),
        sa.UniqueConstraint("poll_id", "person_id", name=op.f("uq_poll_recipient_poll_id_person_id")),
    )
    op.create_index(op.f("ix_poll_recipient_poll_id"), "poll_recipient", ["poll_id"], unique=False)
    op.create_index(op.f("ix_poll_recipient_person_id"), "poll_recipient", ["person_id"], unique=False)
    op.create_table(
        "poll_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("choice", sa.String(length=20), nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(["recipient_id"], ["poll_recipient.id"], name=op.f("fk_poll_answer_recipient_id_poll_recipient"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["slot_id"], ["poll_slot.id"], name=op.f("fk_poll_answer_slot_id_poll_slot"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_answer")),
        sa.UniqueConstraint("recipient_id", "slot_id", name=op.f("uq_poll_answer_recipient_id_slot_id")),
    )
    op.create_index(op.f("ix_poll_answer_recipient_id"), "poll_answer", ["recipient_id"], unique=False)
    op.create_index(op.f("ix_poll_answer_slot_id"), "poll_answer", ["slot_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_poll_answer_slot_id"), table_name="poll_answer")
    op.drop_index(op.f("ix_poll_answer_recipient_id"), table_name="poll_answer")
    op.drop_table("poll_answer")
    op.drop_index(op.f("ix_poll_recipient_person_id"), table_name="poll_recipient")
    op.drop_index(op.f("ix_poll_recipient_poll_id"), table_name="poll_recipient")
    op.drop_table("poll_recipient")
    op.drop_index(op.f("ix_poll_slot_poll_id"), table_name="poll_slot")
    op.drop_table("poll_slot")
    op.drop_table("poll")
