"""the organiser's mailbox: received_mail (one row per message handled, unique by Message-ID or digest),
mailbox_poll (how far each mailbox was read, its failures), meeting.calendar_uid_domain (the UID host
stored when the invitations first go out)

Revision ID: 0012_mailbox
Revises: 0011_invitation_reminders
Create Date: 2026-12-03 16:39:30

"""

from alembic import op
import sqlalchemy as sa

import concertation.core.types


# revision identifiers, used by Alembic.
revision = "0012_mailbox"
down_revision = "0011_invitation_reminders"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "mailbox_poll",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mailbox", sa.String(length=300), nullable=False),
        sa.Column("uid_validity", sa.Integer(), nullable=True),
        sa.Column("last_uid", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", concertation.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", concertation.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", concertation.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mailbox_poll")),
        sa.UniqueConstraint("mailbox", name=op.f("uq_mailbox_poll_mailbox")),
    )
    op.create_table(
        "received_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "reponse_agenda",
                "echec_livraison",
                "reponse_automatique",
                "message",
                "autre",
                name="mailkind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum("traite", "a_lire", "lu", name="receivedstatus", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("sender_email", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("received_at", concertation.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("invitation_id", sa.Integer(), nullable=True),
        sa.Column("outbox_message_id", sa.Integer(), nullable=True),
        sa.Column(
            "proposed_answer",
            sa.Enum(
                "en_attente",
                "present",
                "absent",
                "represente",
                "peut_etre",
                name="answer",
                native_enum=False,
                length=20,
            ),
            nullable=True,
        ),
        sa.Column("answered_at", concertation.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("auto_reply_until", sa.String(length=100), nullable=False),
        sa.Column("handled_at", concertation.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("handled_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", concertation.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["handled_by_id"],
            ["user.id"],
            name=op.f("fk_received_mail_handled_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitation.id"],
            name=op.f("fk_received_mail_invitation_id_invitation"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            name=op.f("fk_received_mail_meeting_id_meeting"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["outbox_message_id"],
            ["outbox_message.id"],
            name=op.f("fk_received_mail_outbox_message_id_outbox_message"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_received_mail")),
        sa.UniqueConstraint("key", name=op.f("uq_received_mail_key")),
    )
    with op.batch_alter_table("received_mail", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_received_mail_digest"), ["digest"], unique=False)
        batch_op.create_index(batch_op.f("ix_received_mail_invitation_id"), ["invitation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_received_mail_meeting_id"), ["meeting_id"], unique=False)

    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("calendar_uid_domain", sa.String(length=253), server_default="", nullable=False)
        )


def downgrade():
    # SQLite: a recreated meeting table would cascade-delete its children; DROP COLUMN needs no copy.
    with op.batch_alter_table("meeting", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("calendar_uid_domain")

    with op.batch_alter_table("received_mail", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_received_mail_meeting_id"))
        batch_op.drop_index(batch_op.f("ix_received_mail_invitation_id"))
        batch_op.drop_index(batch_op.f("ix_received_mail_digest"))

    op.drop_table("received_mail")
    op.drop_table("mailbox_poll")
