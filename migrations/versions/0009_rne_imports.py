"""rne_import: the record of each RNE file imported (its digest and the date of its data)

Revision ID: 0009_rne_imports
Revises: 0008_minutes_html
Create Date: 2026-12-03 13:30:00

"""

from alembic import op
import sqlalchemy as sa

import concertation.core.types


# revision identifiers, used by Alembic.
revision = "0009_rne_imports"
down_revision = "0008_minutes_html"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "rne_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("file_on", sa.Date(), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("is_forced", sa.Boolean(), nullable=False),
        sa.Column("imported_at", concertation.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rne_import")),
    )
    with op.batch_alter_table("rne_import", schema=None) as batch_op:
        batch_op.create_index("ix_rne_import_kind_file_on", ["kind", "file_on"], unique=False)


def downgrade():
    with op.batch_alter_table("rne_import", schema=None) as batch_op:
        batch_op.drop_index("ix_rne_import_kind_file_on")
    op.drop_table("rne_import")
