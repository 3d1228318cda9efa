"""Django admin for every model. Admins also start and watch PubMed refreshes here."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from papers import models, refresh
from papers.overrides import record_corrections
from papers.pubmed import InvalidIdentifierError, doi_problem, normalize_doi, pmid_problem
from papers.pubmed.identifiers import strip_doi_prefix
from papers.search.index import update_search_vectors
from papers.tasks import BROKER_DOWN, enqueue_job


class AuthorshipInline(admin.TabularInline):
    model = models.Authorship
    extra = 0
    raw_id_fields = ["author"]
    fields = ["position", "author", "affiliations", "equal_contribution"]


class PaperMeshInline(admin.TabularInline):
    model = models.PaperMesh
    extra = 0
    raw_id_fields = ["descriptor"]
    fields = ["position", "descriptor", "major_topic", "qualifiers"]


class PaperLinkInline(admin.TabularInline):
    model = models.PaperLink
    fk_name = "source"
    extra = 0
    fields = ["kind", "target_pmid", "ref_source"]


class PaperChangeInline(admin.TabularInline):
    model = models.PaperChange
    extra = 0
    can_delete = False
    fields = ["changed_at", "field", "old_value", "new_value", "job"]
    readonly_fields = fields
    ordering = ["-changed_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class PaperOverrideInline(admin.TabularInline):
    """Corrections kept across refreshes; deleting one hands the field back to PubMed."""

    model = models.PaperOverride
    extra = 0
    fields = ["field", "value", "pubmed_disagrees", "pubmed_value", "set_by", "set_at"]
    readonly_fields = ["field", "value", "pubmed_disagrees", "pubmed_value", "set_by", "set_at"]
    verbose_name = "correction kept across PubMed refreshes"
    verbose_name_plural = "corrections kept across PubMed refreshes"

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class PaperAdminForm(forms.ModelForm):
    """The model's identifier and abstract rules, plus the DOI written as people paste it."""

    class Meta:
        model = models.Paper
        fields = "__all__"  # noqa: DJ007  (the admin's fieldsets choose)

    def clean_doi(self) -> str | None:
        text = self.cleaned_data.get("doi") or ""
        if not text.strip():
            return None  # NULL, not "": the case-insensitive unique constraint skips NULL
        try:
            return normalize_doi(text)
        except InvalidIdentifierError:
            raise ValidationError(doi_problem(strip_doi_prefix(text)) or "Not a DOI.") from None


@admin.register(models.Paper)
class PaperAdmin(SimpleHistoryAdmin):
    list_display = [
        "pmid",
        "short_title",
        "journal",
        "pub_year",
        "fetch_state",
        "is_retracted",
        "has_erratum",
        "last_fetched_at",
    ]
    list_filter = [
        "fetch_state",
        "is_retracted",
        "has_erratum",
        "has_expression_of_concern",
        "not_in_pubmed",
        "deleted_from_pubmed",
    ]
    search_fields = ["=pmid", "doi", "pmcid", "title"]
    list_select_related = ["journal"]
    raw_id_fields = ["journal"]
    readonly_fields = ["source_hash", "last_fetched_at", "created_at", "changed_at"]
    form = PaperAdminForm
    inlines = [
        AuthorshipInline,
        PaperMeshInline,
        PaperLinkInline,
        PaperOverrideInline,
        PaperChangeInline,
    ]
    show_full_result_count = False  # COUNT(*) over 200,000 rows on every page is wasted work
    actions = ["refresh_from_pubmed"]

    def save_model(self, request, obj, form, change) -> None:
        """Save, and keep staff corrections of PubMed's fields across refreshes."""
        # Compare stored values, not form.changed_data: a form that re-renders a value (a
        # date, a list) reports it changed when nothing is.
        before = models.Paper.objects.filter(pk=obj.pk).first() if change else None
        super().save_model(request, obj, form, change)
        if before is not None:
            fields = [
                name
                for name in models.PUBMED_OWNED_FIELDS
                if name != "authors" and getattr(before, name) != getattr(obj, name)
            ]
            kept = record_corrections(paper=obj, fields=fields, user=request.user)
            if kept:
                self.message_user(
                    request,
                    "Kept as corrections across PubMed refreshes: "
                    + ", ".join(name.removesuffix("_id") for name in kept)
                    + ". A refresh that brings another value reports it in the change log.",
                    messages.INFO,
                )

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        authors_changed = any(f.model is models.Authorship and f.has_changed() for f in formsets)
        if change and authors_changed:
            record_corrections(paper=form.instance, fields=["authors"], user=request.user)

    @admin.action(description="Refresh selected from PubMed", permissions=["change"])
    def refresh_from_pubmed(self, request, queryset) -> None:
        """Queue one refresh job for the selected papers (by PMID, or DOI for DOI-only rows).

        A row whose identifier breaks the rules (written around the forms) is named in a
        message and left out; it never fails the action or the job.
        """
        rows = list(queryset.values_list("pk", "pmid", "doi"))
        pmids, dois, skipped = [], [], []
        for pk, pmid, doi in rows:
            if pmid is not None:
                problem = pmid_problem(pmid)
                (skipped.append(f"paper {pk}: {problem}") if problem else pmids.append(pmid))
            elif doi:
                problem = doi_problem(doi)
                (skipped.append(f"paper {pk}: {problem}") if problem else dois.append(doi))
        if skipped:
            self.message_user(
                request, "Not refreshed: " + "; ".join(skipped) + ".", messages.WARNING
            )
        if not (pmids or dois):
            self.message_user(
                request, "None of the selected papers has a PMID or DOI.", messages.WARNING
            )
            return
        job = refresh.create_job(
            kind=models.RefreshJob.Kind.REFRESH,
            trigger=models.RefreshJob.Trigger.ADMIN,
            pmids=pmids,
            dois=dois,
            user=request.user,
        )
        enqueue_job(job)  # sent at once: the admin's actions run in autocommit
        url = job.get_absolute_url()
        job.refresh_from_db(fields=["status", "errors"])
        if "_queue" in job.errors:
            self.message_user(
                request,
                format_html(
                    '{} (<a href="{}">job #{}</a> keeps the papers for a retry).',
                    BROKER_DOWN.capitalize(),
                    url,
                    job.pk,
                ),
                messages.ERROR,
            )
            return
        self.message_user(
            request,
            format_html(
                'Queued <a href="{}">refresh job #{}</a> for {} papers.',
                url,
                job.pk,
                len(pmids) + len(dois),
            ),
            messages.SUCCESS,
        )

    @admin.display(description="title")
    def short_title(self, paper: models.Paper) -> str:
        return paper.title_text[:90] or "(not fetched yet)"


@admin.register(models.Journal)
class JournalAdmin(admin.ModelAdmin):
    list_display = ["title", "iso_abbreviation", "issn_print", "issn_electronic", "nlm_unique_id"]
    search_fields = ["title", "iso_abbreviation", "issn_print", "issn_electronic", "key"]


@admin.register(models.Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["__str__", "fore_name", "orcid"]
    search_fields = ["last_name", "fore_name", "collective_name", "orcid"]


@admin.register(models.MeshDescriptor)
class MeshDescriptorAdmin(admin.ModelAdmin):
    list_display = ["ui", "name"]
    search_fields = ["ui", "name"]


@admin.register(models.Reference)
class ReferenceAdmin(admin.ModelAdmin):
    list_display = ["position", "short_citation", "pmid", "doi", "paper_state"]
    list_filter = ["review"]
    list_select_related = ["paper"]
    search_fields = ["citation", "=pmid", "doi"]
    raw_id_fields = ["review", "paper"]
    ordering = ["review", "position"]

    @admin.display(description="citation")
    def short_citation(self, reference: models.Reference) -> str:
        return reference.citation[:100]

    @admin.display(description="paper")
    def paper_state(self, reference: models.Reference) -> str:
        return reference.paper.get_fetch_state_display() if reference.paper else "not identified"


class PivotalTrialInline(admin.StackedInline):
    model = models.PivotalTrial
    extra = 0
    raw_id_fields = ["paper"]


class ReconstitutionPointInline(admin.TabularInline):
    model = models.ReconstitutionPoint
    extra = 0
    raw_id_fields = ["source"]


@admin.register(models.Therapy)
class TherapyAdmin(admin.ModelAdmin):
    list_display = ["name", "drug_class", "molecular_target", "regimen", "irt_standing"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [PivotalTrialInline, ReconstitutionPointInline]


class CitationInline(admin.TabularInline):
    model = models.Citation
    extra = 0
    can_delete = False
    fields = ["position", "paper", "quote", "quote_section"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.EvidenceNote)
class EvidenceNoteAdmin(SimpleHistoryAdmin):
    """Read-only: items are written and published in the curator workspace (/curate/), so
    nobody publishes around two-person review here."""

    list_display = [
        "short_statement",
        "therapy",
        "note_type",
        "status",
        "needs_review",
        "updated_at",
    ]
    list_filter = ["therapy", "note_type", "status", "needs_review"]
    list_select_related = ["therapy"]
    search_fields = ["statement"]
    inlines = [CitationInline]

    @admin.display(description="statement")
    def short_statement(self, note: models.EvidenceNote) -> str:
        return note.statement[:100]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deleting is for admins clearing junk; a published item is retired, never deleted.
        return request.user.is_superuser and (obj is None or obj.published_version == 0)

    def delete_model(self, request, obj) -> None:
        cited = list(obj.papers.values_list("pk", flat=True))
        super().delete_model(request, obj)
        update_search_vectors(paper_ids=cited)

    def delete_queryset(self, request, queryset) -> None:
        cited = list(
            models.Citation.objects.filter(evidencenote__in=queryset).values_list(
                "paper_id", flat=True
            )
        )
        super().delete_queryset(request, queryset)
        update_search_vectors(paper_ids=cited)


@admin.register(models.Citation)
class CitationAdmin(admin.ModelAdmin):
    list_display = ["evidencenote", "paper", "position", "quote_section"]
    list_select_related = ["evidencenote__therapy", "paper"]
    search_fields = ["=paper__pmid", "quote"]
    actions = None

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Only along with an item never published (see EvidenceNoteAdmin); there is no delete
        # action here, so a published item never loses a citation around the workflow.
        return request.user.is_superuser and (
            obj is None or obj.evidencenote.published_version == 0
        )


@admin.register(models.EvidenceEvent)
class EvidenceEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "note", "therapy", "actor", "public"]
    list_filter = ["kind", "public", "therapy"]
    list_select_related = ["note__therapy", "therapy", "actor"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.PaperChange)
class PaperChangeAdmin(admin.ModelAdmin):
    list_display = ["changed_at", "paper", "field", "job"]
    list_filter = ["field"]
    list_select_related = ["paper", "job"]
    raw_id_fields = ["paper", "job"]
    search_fields = ["=paper__pmid"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


JOB_COUNTS = ["new_count", "changed_count", "unchanged_count", "not_found_count", "failed_count"]
# What the job's admin page shows, read-only: a job is started from the staff pages or a command
# and watched on its own page (/staff/jobs/<id>/); the raw identifier list and checkpoint are
# not shown, the per-identifier errors are a table there.
JOB_FIELDS = [
    "job_page",
    "kind",
    "trigger",
    "requested_by",
    "status",
    "progress",
    *JOB_COUNTS,
    "retry_of",
    "celery_task_id",
    "created_at",
    "started_at",
    "finished_at",
    "cancel_requested_at",
]


@admin.register(models.RefreshJob)
class RefreshJobAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "kind",
        "trigger",
        "status",
        "progress",
        *JOB_COUNTS,
        "duration",
        "created_at",
    ]
    list_filter = ["status", "kind", "trigger"]
    fields = tuple(JOB_FIELDS)
    readonly_fields = JOB_FIELDS

    @admin.display(description="progress")
    def progress(self, job: models.RefreshJob) -> str:
        return f"{job.done}/{job.total} ({job.progress_percent}%)"

    @admin.display(description="job page")
    def job_page(self, job: models.RefreshJob) -> str:
        return format_html(
            '<a href="{}">progress, errors, changes, retry and cancel</a>', job.get_absolute_url()
        )

    @admin.display(description="duration")
    def duration(self, job: models.RefreshJob) -> str:
        seconds = job.duration_seconds
        return "" if seconds is None else f"{seconds:.1f} s"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.RefreshBatch)
class RefreshBatchAdmin(admin.ModelAdmin):
    """Read-only: which worker took which batch of a job, how often, and what it stored."""

    list_display = ["job", "index", "status", "size", "attempts", "worker", *JOB_COUNTS]
    list_filter = ["status"]
    list_select_related = ["job"]
    search_fields = ["=job__id"]
    readonly_fields = [
        "job",
        "index",
        "status",
        "pmids",
        "task_id",
        "attempts",
        "worker",
        *JOB_COUNTS,
        "errors",
        "failed_pmids",
        "started_at",
        "finished_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


# Rows that usually live inline above also get lists of their own, for searching across papers.
@admin.register(models.Authorship)
class AuthorshipAdmin(admin.ModelAdmin):
    list_display = ["paper", "position", "author"]
    list_select_related = ["paper", "author"]
    raw_id_fields = ["paper", "author"]
    search_fields = ["=paper__pmid", "author__last_name"]


@admin.register(models.PaperMesh)
class PaperMeshAdmin(admin.ModelAdmin):
    list_display = ["paper", "descriptor", "major_topic"]
    list_select_related = ["paper", "descriptor"]
    raw_id_fields = ["paper", "descriptor"]
    search_fields = ["=paper__pmid", "descriptor__name"]


@admin.register(models.PaperLink)
class PaperLinkAdmin(admin.ModelAdmin):
    list_display = ["source", "kind", "target_pmid", "ref_source"]
    list_filter = ["kind"]
    list_select_related = ["source"]
    raw_id_fields = ["source"]
    search_fields = ["=source__pmid", "=target_pmid"]


@admin.register(models.PivotalTrial)
class PivotalTrialAdmin(admin.ModelAdmin):
    list_display = ["name", "therapy", "paper"]
    list_select_related = ["therapy", "paper"]
    raw_id_fields = ["paper"]


@admin.register(models.ReconstitutionPoint)
class ReconstitutionPointAdmin(admin.ModelAdmin):
    list_display = [
        "therapy",
        "cell_population",
        "nadir_time",
        "nadir_time_unit",
        "recovery_months_min",
        "recovery_months_max",
        "recovery_statistic",
    ]
    list_select_related = ["therapy"]
    raw_id_fields = ["source"]


@admin.register(models.PaperOverride)
class PaperOverrideAdmin(admin.ModelAdmin):
    """Every staff correction of a PubMed-owned field; those PubMed disagrees with first."""

    list_display = ["paper", "field", "pubmed_disagrees", "set_by", "set_at"]
    list_filter = ["field", "pubmed_disagrees"]
    list_select_related = ["paper", "set_by"]
    raw_id_fields = ["paper"]
    search_fields = ["=paper__pmid"]
    ordering = ["-pubmed_disagrees", "-set_at"]
    readonly_fields = ["paper", "field", "value", "pubmed_value", "pubmed_disagrees", "set_by"]

    def has_add_permission(self, request) -> bool:
        return False  # corrections are made by editing the paper


@admin.register(models.ImportedFile)
class ImportedFileAdmin(admin.ModelAdmin):
    """What `import_pubmed --file` did with each file; written only by the import."""

    list_display = [
        "name",
        "status",
        "position",
        "new_count",
        "changed_count",
        "deleted_count",
        "failed_count",
        "updated_at",
    ]
    list_filter = ["status"]
    search_fields = ["name", "sha256"]
    readonly_fields = [f.name for f in models.ImportedFile._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(models.WatchedSearch)
class WatchedSearchAdmin(admin.ModelAdmin):
    """Watched PubMed searches (papers/intake/); editors also keep them at /curate/inbox/."""

    list_display = ["name", "therapy", "query", "start_date", "active"]
    list_filter = ["therapy", "active"]


@admin.register(models.WatchRun)
class WatchRunAdmin(admin.ModelAdmin):
    list_display = ["search", "mindate", "maxdate", "status", "hits", "new_count", "job"]
    list_filter = ["status", "search"]
    readonly_fields = [f.name for f in models.WatchRun._meta.fields]


@admin.register(models.IntakeItem)
class IntakeItemAdmin(admin.ModelAdmin):
    """Triage happens at /curate/inbox/; the admin lists the decisions."""

    list_display = ["paper", "search", "status", "reason", "triaged_by", "found_at"]
    list_filter = ["status", "search__therapy"]
    list_select_related = ["paper", "search", "triaged_by"]
    raw_id_fields = ["paper", "run"]


@admin.register(models.CrossrefRecord)
class CrossrefRecordAdmin(admin.ModelAdmin):
    """Written by refresh jobs (papers/doi_metadata.py): read-only here."""

    list_display = ["doi", "paper", "work_type", "fetched_at", "superseded_at"]
    readonly_fields = [f.name for f in models.CrossrefRecord._meta.fields]


@admin.register(models.RelatedPapers)
class RelatedPapersAdmin(admin.ModelAdmin):
    """The elink cache (papers/related/): read-only here."""

    list_display = ["paper", "fetched_at", "requested_at", "error"]
    readonly_fields = [f.name for f in models.RelatedPapers._meta.fields]
