"""minutes_section.body_html: each section's Markdown rendered once, when saved, instead of on every read

Revision ID: 0008_minutes_html
Revises: 0007_data_version
Create Date: 2026-12-03 13:30:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0008_minutes_html"
down_revision = "0007_data_version"
branch_labels = None
depends_on = None

section = sa.table(
    "minutes_section",
    sa.column("id", sa.Integer),
    sa.column("body", sa.Text),
    sa.column("body_html", sa.Text),
)


def upgrade():
    with op.batch_alter_table("minutes_section") as batch:
        batch.add_column(sa.Column("body_html", sa.Text(), nullable=False, server_default=""))
    # The sections already written: rendered now, with the same bounded renderer as a save.
    from concertation.minutes.markdown import render_texts

    connection = op.get_bind()
    rows = connection.execute(
        sa.select(section.c.id, section.c.body).where(section.c.body != "").order_by(section.c.id)
    ).all()
    for start in range(0, len(rows), 100):
        batch_rows = rows[start : start + 100]
        rendered = render_texts([body for _, body in batch_rows])
        for (section_id, _), result in zip(batch_rows, rendered, strict=True):
            connection.execute(
                section.update().where(section.c.id == section_id).values(body_html=str(result.html))
            )


def downgrade():
    with op.batch_alter_table("minutes_section") as batch:
        batch.drop_column("body_html")
