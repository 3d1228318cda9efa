"""Django admin for every model. Admins also start and watch PubMed refreshes here."""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from papers import models, refresh
from papers.search.index import update_search_vectors
from papers.tasks import enqueue_job


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


@admin.register(models.Paper)
class PaperAdmin(admin.ModelAdmin):
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
    inlines = [AuthorshipInline, PaperMeshInline, PaperLinkInline, PaperChangeInline]
    show_full_result_count = False  # COUNT(*) over 200,000 rows on every page is wasted work
    actions = ["refresh_from_pubmed"]

    @admin.action(description="Refresh selected from PubMed", permissions=["change"])
    def refresh_from_pubmed(self, request, queryset) -> None:
        """Queue one refresh job for the selected papers and link to it."""
        pmids = list(queryset.exclude(pmid__isnull=True).values_list("pmid", flat=True))
        if not pmids:
            self.message_user(request, "None of the selected papers has a PMID.", messages.WARNING)
            return
        job = refresh.create_job(
            kind=models.RefreshJob.Kind.REFRESH,
            trigger=models.RefreshJob.Trigger.ADMIN,
            pmids=pmids,
            user=request.user,
        )
        enqueue_job(job)
        url = reverse("admin:papers_refreshjob_change", args=[job.pk])
        self.message_user(
            request,
            format_html(
                'Queued <a href="{}">refresh job #{}</a> for {} papers.', url, job.pk, len(pmids)
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


@admin.register(models.RefreshJob)
class RefreshJobAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "kind",
        "trigger",
        "status",
        "progress",
        "new_count",
        "changed_count",
        "unchanged_count",
        "not_found_count",
        "failed_count",
        "duration",
        "created_at",
    ]
    list_filter = ["status", "kind", "trigger"]
    readonly_fields = [f.name for f in models.RefreshJob._meta.fields]

    @admin.display(description="progress")
    def progress(self, job: models.RefreshJob) -> str:
        return f"{job.done}/{job.total}"

    @admin.display(description="duration")
    def duration(self, job: models.RefreshJob) -> str:
        seconds = job.duration_seconds
        return "" if seconds is None else f"{seconds:.1f} s"

    def has_add_permission(self, request) -> bool:
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
