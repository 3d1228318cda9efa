from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save


class PapersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "papers"
    verbose_name = "Literature"

    def ready(self) -> None:
        """Mark the content changed whenever a model the public pages show is written."""
        from papers import models
        from papers.content_version import mark_content_changed

        def content_changed(sender, **kwargs) -> None:
            mark_content_changed()

        # weak=False: the receiver is a local function, which a weak reference would lose.

        shown_on_pages = (
            models.EvidenceNote,
            models.Citation,
            models.EvidenceEvent,
            models.Therapy,
            models.PivotalTrial,
            models.ReconstitutionPoint,
            models.Reference,
            models.Paper,
            models.Journal,
            models.Author,
            models.MeshDescriptor,
            models.Authorship,
            models.PaperMesh,
            models.PaperLink,
            models.PaperChange,
        )
        for model in shown_on_pages:
            uid = f"irtkb-page-cache-{model._meta.label_lower}"
            post_save.connect(content_changed, model, weak=False, dispatch_uid=uid + "-save")
            post_delete.connect(content_changed, model, weak=False, dispatch_uid=uid + "-delete")
        m2m_changed.connect(
            content_changed,
            sender=models.EvidenceNote.papers.through,
            weak=False,
            dispatch_uid="irtkb-page-cache-note-papers",
        )
        _connect_integrity_receivers()


def _connect_integrity_receivers() -> None:
    """Search vectors follow single-row writes; a removed correction hands its field back."""
    from papers.overrides import connect as connect_overrides
    from papers.search.upkeep import connect as connect_search_upkeep

    connect_search_upkeep()
    connect_overrides()
