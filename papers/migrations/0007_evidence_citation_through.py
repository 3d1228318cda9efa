"""Turn EvidenceNote.papers into a many-to-many through Citation, keeping its table.

The auto-created table papers_evidencenote_papers (id, evidencenote_id, paper_id) becomes the
Citation model's table unchanged (Django's documented recipe: state-only operations), then
gains the position, quote and quote_section columns. No row is copied or rewritten.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0006_refreshjob_trigger_without_api"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Citation",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "evidencenote",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="citations",
                                to="papers.evidencenote",
                            ),
                        ),
                        (
                            "paper",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="citations",
                                to="papers.paper",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "papers_evidencenote_papers",
                        "ordering": ["evidencenote", "position", "pk"],
                        "unique_together": {("evidencenote", "paper")},
                    },
                ),
                migrations.AlterField(
                    model_name="evidencenote",
                    name="papers",
                    field=models.ManyToManyField(
                        related_name="evidence_notes",
                        through="papers.Citation",
                        to="papers.paper",
                    ),
                ),
            ],
        ),
        migrations.AddField(
            model_name="citation",
            name="position",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="citation",
            name="quote",
            field=models.TextField(blank=True, default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="citation",
            name="quote_section",
            field=models.CharField(blank=True, default="", max_length=100),
            preserve_default=False,
        ),
    ]
