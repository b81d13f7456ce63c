"""meeting changes: the paper letters due after a change or a cancellation, and what the change was

Revision ID: 0010_meeting_changes
Revises: 0009_rne_imports
Create Date: 2026-12-03 13:30:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010_meeting_changes"
down_revision = "0009_rne_imports"
branch_labels = None
depends_on = None


def upgrade():
    # "" (the convocation letter), "modification" or "annulation": the letter a paper invitee must get.
    with op.batch_alter_table("invitation") as batch:
        batch.add_column(sa.Column("letter_due", sa.String(length=20), nullable=False, server_default=""))
    # The French lines of the last change sent to the invitees ("Ancienne date : …"), one per line.
    with op.batch_alter_table("meeting") as batch:
        batch.add_column(sa.Column("last_changes", sa.Text(), nullable=False, server_default=""))


def downgrade():
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+), never a copy of the table: on SQLite a copy of "meeting"
    # drops the old table, and its ON DELETE CASCADE children (invitations, minutes…) with it.
    with op.batch_alter_table("meeting", recreate="never") as batch:
        batch.drop_column("last_changes")
    with op.batch_alter_table("invitation", recreate="never") as batch:
        batch.drop_column("letter_due")
