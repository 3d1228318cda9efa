"""Keep search vectors true to single-row writes: admin edits, deletes and bulk deletes.

The pipeline writes in bulk (no signals) and updates vectors itself (papers/ingest.py); these
receivers cover everything else that changes what a paper's vector holds: the paper's own
fields, its author list and MeSH headings, the authors, descriptors and journals those name,
and the evidence notes citing it. Django sends post_delete for every row a queryset.delete()
removes (the admin's "delete selected" included), so bulk deletes are covered too; a
queryset.update() sends nothing, and code that runs one on these fields must call
update_search_vectors itself.
"""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save

from papers import models
from papers.search.index import update_search_vectors, update_search_vectors_for_notes


def _paper_saved(sender, instance, raw=False, **kwargs) -> None:
    if not raw:
        update_search_vectors(paper_ids=[instance.pk])


def _child_written(sender, instance, raw=False, **kwargs) -> None:
    """An authorship, MeSH heading or citation: the paper it hangs on."""
    if not raw:
        update_search_vectors(paper_ids=[instance.paper_id])


def _named_thing_written(sender, instance, raw=False, **kwargs) -> None:
    """An author, descriptor or journal renamed: every paper that names it."""
    if raw:
        return
    if isinstance(instance, models.Journal):
        papers = models.Paper.objects.filter(journal_id=instance.pk)
    elif isinstance(instance, models.Author):
        papers = models.Paper.objects.filter(authorships__author_id=instance.pk)
    else:
        papers = models.Paper.objects.filter(mesh_headings__descriptor_id=instance.pk)
    update_search_vectors(paper_ids=papers.values_list("pk", flat=True))


def _note_written(sender, instance, raw=False, **kwargs) -> None:
    if not raw:
        update_search_vectors_for_notes(note_ids=[instance.pk])


def _note_papers_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """note.papers.add()/remove()/clear() (bulk writes of Citation rows: no post_save)."""
    if action == "pre_clear":
        # After a clear the links are gone; remember whose vectors to recompute.
        instance._irtkb_cleared_papers = (
            [instance.pk] if reverse else list(instance.papers.values_list("pk", flat=True))
        )
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if reverse:  # paper.evidence_notes.add(note): the paper is ``instance``
        update_search_vectors(paper_ids=[instance.pk])
    elif action == "post_clear":
        update_search_vectors(paper_ids=getattr(instance, "_irtkb_cleared_papers", []))
    else:
        update_search_vectors(paper_ids=pk_set or [])


def connect() -> None:
    """Connect the receivers (PapersConfig.ready)."""
    receivers = [
        (models.Paper, _paper_saved, (post_save,)),
        (models.Authorship, _child_written, (post_save, post_delete)),
        (models.PaperMesh, _child_written, (post_save, post_delete)),
        (models.Citation, _child_written, (post_save, post_delete)),
        (models.Author, _named_thing_written, (post_save,)),
        (models.MeshDescriptor, _named_thing_written, (post_save,)),
        (models.Journal, _named_thing_written, (post_save,)),
        (models.EvidenceNote, _note_written, (post_save,)),
    ]
    m2m_changed.connect(
        _note_papers_changed,
        sender=models.EvidenceNote.papers.through,
        dispatch_uid="irtkb-search-note-papers",
    )
    for model, receiver, signals in receivers:
        for signal in signals:
            signal.connect(
                receiver,
                sender=model,
                dispatch_uid=f"irtkb-search-{model._meta.label_lower}-{signal is post_save}",
            )
