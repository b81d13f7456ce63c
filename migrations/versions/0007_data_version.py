"""data_version: counters bumped by every transaction that changes what derived pages depend on

Revision ID: 0007_data_version
Revises: 0006_minutes
Create Date: 2026-11-27 00:40:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0007_data_version"
down_revision = "0006_minutes"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "data_version",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_data_version")),
    )
    op.bulk_insert(table, [{"name": "composition", "value": 0}])


def downgrade():
    op.drop_table("data_version")
