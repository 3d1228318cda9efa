"""How each record looks in the API and in the dated releases.

Every record carries its stable identifiers (PMID, DOI, PMCID, therapy slug) and two links:
``url``, the HTML page a person reads, and ``api_url``, the record here. Links are absolute:
built from the request in the API, from ``context["base_url"]`` (``SITE_URL``) in a release.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from papers.markdown import render_markdown
from papers.markup import sanitize_inline, strip_tags
from papers.models import (
    Authorship,
    EvidenceNote,
    Journal,
    Paper,
    PaperChange,
    PaperLink,
    PaperMesh,
    PivotalTrial,
    ReconstitutionPoint,
    RefreshJob,
    Therapy,
)


def absolute(context: dict, path: str) -> str:
    """Return ``path`` as an absolute URL for the request (or release) being serialised."""
    request = context.get("request")
    if request is not None:
        return request.build_absolute_uri(path)
    return context.get("base_url", settings.SITE_URL) + path


class LinkedSerializer(serializers.Serializer):
    """A record with ``url`` (its HTML page) and ``api_url`` (its API record)."""

    url = serializers.SerializerMethodField(help_text="The page a person reads (HTML).")
    api_url = serializers.SerializerMethodField(help_text="This record in the API.")

    def page_path(self, obj) -> str:
        raise NotImplementedError

    def api_name(self) -> str:
        raise NotImplementedError

    def api_lookup(self, obj) -> dict:
        return {"pk": obj.pk}

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, obj) -> str:
        return absolute(self.context, self.page_path(obj))

    @extend_schema_field(OpenApiTypes.URI)
    def get_api_url(self, obj) -> str:
        return absolute(self.context, reverse(self.api_name(), kwargs=self.api_lookup(obj)))


# --- Papers -----------------------------------------------------------------------------------


class PaperRefSerializer(LinkedSerializer):
    """A paper as other records cite it: identifiers, title, year, flags."""

    id = serializers.IntegerField(read_only=True)
    pmid = serializers.IntegerField(allow_null=True, help_text="PubMed ID.")
    doi = serializers.CharField(allow_null=True)
    pmcid = serializers.CharField(allow_null=True, help_text="PubMed Central ID (PMC…).")
    title = serializers.SerializerMethodField(help_text="Plain text (markup removed).")
    year = serializers.IntegerField(source="pub_year", allow_null=True)
    journal_abbreviation = serializers.SerializerMethodField()
    is_retracted = serializers.BooleanField()
    has_erratum = serializers.BooleanField()
    has_expression_of_concern = serializers.BooleanField()

    def page_path(self, obj) -> str:
        return obj.get_absolute_url()

    def api_name(self) -> str:
        return "api:paper-detail"

    def get_title(self, obj) -> str:
        return strip_tags(obj.title)

    def get_journal_abbreviation(self, obj) -> str:
        journal = obj.journal
        return (journal.iso_abbreviation or journal.title) if journal else ""


class AuthorSerializer(serializers.Serializer):
    name = serializers.SerializerMethodField(help_text='As PubMed lists it ("Lünemann JD").')
    last_name = serializers.CharField(source="author.last_name")
    fore_name = serializers.CharField(source="author.fore_name")
    initials = serializers.CharField(source="author.initials")
    collective_name = serializers.CharField(source="author.collective_name")
    orcid = serializers.CharField(source="author.orcid")
    position = serializers.IntegerField()

    def get_name(self, obj: Authorship) -> str:
        return str(obj.author)


class JournalSerializer(serializers.ModelSerializer):
    class Meta:
        model = Journal
        fields = [
            "title",
            "iso_abbreviation",
            "medline_ta",
            "issn_print",
            "issn_electronic",
            "issn_linking",
            "nlm_unique_id",
        ]


class PaperSerializer(PaperRefSerializer):
    """A paper with its bibliographic metadata (lists, releases)."""

    title_html = serializers.SerializerMethodField(
        help_text="The title with PubMed's inline markup (<i>, <sup>, …), sanitised."
    )
    authors = AuthorSerializer(source="authorships", many=True)
    journal = JournalSerializer(allow_null=True)
    volume = serializers.CharField()
    issue = serializers.CharField()
    pages = serializers.CharField()
    book_title = serializers.CharField()
    publisher = serializers.CharField()
    pub_date = serializers.CharField(
        source="pub_date_display", help_text='As PubMed prints it ("2020 Jan").'
    )
    epub_date = serializers.DateField(allow_null=True)
    publication_status = serializers.CharField()
    publication_types = serializers.ListField(child=serializers.CharField())
    languages = serializers.ListField(child=serializers.CharField())
    not_in_pubmed = serializers.BooleanField()
    deleted_from_pubmed = serializers.BooleanField()
    fetch_state = serializers.ChoiceField(choices=Paper.FetchState.choices)
    pubmed_url = serializers.CharField(help_text="Empty without a PMID.")
    doi_url = serializers.CharField(help_text="Empty without a DOI.")
    pmc_url = serializers.CharField(help_text="Empty without a PMCID.")
    created_at = serializers.DateTimeField()
    changed_at = serializers.DateTimeField(
        allow_null=True, help_text="When a PubMed refresh last changed a field."
    )
    last_fetched_at = serializers.DateTimeField(allow_null=True)

    def get_title_html(self, obj) -> str:
        return sanitize_inline(obj.title)


class AbstractSectionSerializer(serializers.Serializer):
    label = serializers.CharField(default="")
    nlm_category = serializers.CharField(default="")
    text = serializers.SerializerMethodField(help_text="Plain text.")
    html = serializers.SerializerMethodField(help_text="With inline markup, sanitised.")

    def get_text(self, section: dict) -> str:
        return strip_tags(section.get("text") or "")

    def get_html(self, section: dict) -> str:
        return sanitize_inline(section.get("text") or "")


class MeshHeadingSerializer(serializers.Serializer):
    ui = serializers.CharField(source="descriptor.ui")
    name = serializers.CharField(source="descriptor.name")
    major_topic = serializers.BooleanField()
    qualifiers = serializers.JSONField(help_text='[{"ui", "name", "major_topic"}]')

    class Meta:
        model = PaperMesh


class CommentCorrectionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PaperLink.Kind.choices)
    target_pmid = serializers.IntegerField(allow_null=True)
    citation = serializers.CharField(source="ref_source")


class PaperDetailSerializer(PaperSerializer):
    """A paper with everything its page shows: abstract, MeSH headings, errata and comments."""

    abstract = AbstractSectionSerializer(many=True, source="abstract_sections")
    abstract_copyright = serializers.CharField()
    keywords = serializers.ListField(child=serializers.CharField())
    mesh_headings = MeshHeadingSerializer(many=True)
    comments_corrections = CommentCorrectionSerializer(source="links", many=True)


class SearchResultSerializer(PaperSerializer):
    """A paper found by a search, with whether published evidence cites it."""

    has_published_evidence = serializers.BooleanField(source="has_published_notes")


class SearchPageSerializer(serializers.Serializer):
    """One page of search results (SearchCursorPagination)."""

    count = serializers.IntegerField(help_text="Matches, counted up to 1001.")
    count_is_capped = serializers.BooleanField(help_text="More than 1000 papers match.")
    ranks_a_window = serializers.BooleanField(
        help_text="Too many matches to rank all: only the 500 most recent are ranked."
    )
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = SearchResultSerializer(many=True)


# --- Therapies --------------------------------------------------------------------------------


class PivotalTrialSerializer(serializers.ModelSerializer):
    paper = PaperRefSerializer()

    class Meta:
        model = PivotalTrial
        fields = ["name", "position", "design", "headline_result", "paper"]


class ReconstitutionPointSerializer(serializers.ModelSerializer):
    source = PaperRefSerializer(help_text="The paper the values come from.")
    recovery_months_min = serializers.FloatField(allow_null=True)
    recovery_months_max = serializers.FloatField(allow_null=True)
    nadir_time = serializers.FloatField(allow_null=True)
    proportion_recovered = serializers.FloatField(allow_null=True)

    class Meta:
        model = ReconstitutionPoint
        fields = [
            "cell_population",
            "position",
            "depletion",
            "nadir_time",
            "nadir_time_unit",
            "nadir_statistic",
            "recovery_months_min",
            "recovery_months_max",
            "recovery_statistic",
            "proportion_recovered",
            "recovery_definition",
            "note",
            "source",
            "source_quote",
        ]


class TherapyRefSerializer(LinkedSerializer):
    slug = serializers.SlugField()
    name = serializers.CharField()

    def page_path(self, obj) -> str:
        return obj.get_absolute_url()

    def api_name(self) -> str:
        return "api:therapy-detail"

    def api_lookup(self, obj) -> dict:
        return {"slug": obj.slug}


class TherapySerializer(TherapyRefSerializer):
    """A therapy with its pivotal trials and immune reconstitution points."""

    position = serializers.IntegerField()
    summary = serializers.CharField()
    drug_class = serializers.CharField()
    molecular_target = serializers.CharField()
    mechanism = serializers.CharField()
    regimen = serializers.ChoiceField(choices=Therapy.Regimen.choices)
    regimen_detail = serializers.CharField()
    irt_standing = serializers.ChoiceField(choices=Therapy.IrtStanding.choices)
    irt_standing_detail = serializers.CharField()
    approval_status = serializers.CharField()
    safety_concerns = serializers.CharField()
    pivotal_trials = PivotalTrialSerializer(many=True)
    reconstitution_points = ReconstitutionPointSerializer(many=True)
    evidence_items_url = serializers.SerializerMethodField(
        help_text="This therapy's published evidence items in the API."
    )
    papers_url = serializers.SerializerMethodField(help_text="This therapy's papers in the API.")

    @extend_schema_field(OpenApiTypes.URI)
    def get_evidence_items_url(self, obj) -> str:
        return absolute(self.context, reverse("api:evidence-item-list") + f"?therapy={obj.slug}")

    @extend_schema_field(OpenApiTypes.URI)
    def get_papers_url(self, obj) -> str:
        return absolute(self.context, reverse("api:paper-list") + f"?therapy={obj.slug}")


# --- Evidence items ---------------------------------------------------------------------------


class CitationSerializer(serializers.Serializer):
    """One paper an evidence item rests on, with the curator's supporting quote if any."""

    paper = PaperRefSerializer()
    position = serializers.IntegerField()
    quote = serializers.CharField(
        help_text="Verbatim from the paper's title or abstract; may be empty."
    )
    quote_section = serializers.CharField(
        help_text="Where the quote stands: 'title' or an abstract section label; may be empty."
    )


class PopulationSerializer(serializers.Serializer):
    """The MS population an evidence item is about (each part may be unknown)."""

    phenotype = serializers.ChoiceField(
        source="population_phenotype", choices=EvidenceNote.Phenotype.choices, allow_blank=True
    )
    patients = serializers.IntegerField(source="population_size", allow_null=True)
    follow_up_value = serializers.DecimalField(
        max_digits=10, decimal_places=2, allow_null=True, coerce_to_string=False
    )
    follow_up_unit = serializers.ChoiceField(
        choices=EvidenceNote.FollowUpUnit.choices, allow_blank=True
    )


class OutcomeSerializer(serializers.Serializer):
    """An optional quantitative outcome: measure, value, comparator and 95% CI."""

    measure = serializers.CharField(source="outcome_measure")
    value = serializers.DecimalField(
        source="outcome_value",
        max_digits=14,
        decimal_places=4,
        allow_null=True,
        coerce_to_string=False,
    )
    comparator = serializers.CharField(source="outcome_comparator")
    ci_low = serializers.DecimalField(
        source="outcome_ci_low",
        max_digits=14,
        decimal_places=4,
        allow_null=True,
        coerce_to_string=False,
    )
    ci_high = serializers.DecimalField(
        source="outcome_ci_high",
        max_digits=14,
        decimal_places=4,
        allow_null=True,
        coerce_to_string=False,
    )


class EvidenceItemSerializer(LinkedSerializer):
    """A published evidence item: a claim about a therapy and the papers behind it.

    The one serializer for evidence in the API and the releases.
    """

    id = serializers.IntegerField()
    therapy = TherapyRefSerializer()
    note_type = serializers.ChoiceField(choices=EvidenceNote.NoteType.choices)
    study_design = serializers.ChoiceField(
        choices=EvidenceNote.StudyDesign.choices, allow_blank=True
    )
    direction = serializers.ChoiceField(choices=EvidenceNote.Direction.choices, allow_blank=True)
    population = PopulationSerializer(source="*")
    outcome = OutcomeSerializer(source="*")
    statement = serializers.CharField(help_text="Markdown, as the curator wrote it.")
    statement_html = serializers.SerializerMethodField(help_text="The statement as sanitised HTML.")
    status = serializers.ChoiceField(choices=EvidenceNote.Status.choices)
    needs_review = serializers.BooleanField(
        help_text="A cited paper was retracted, corrected or questioned since publication."
    )
    review_reason = serializers.CharField()
    version = serializers.IntegerField(source="published_version")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    citations = CitationSerializer(many=True)

    def page_path(self, obj) -> str:
        return obj.get_absolute_url()

    def api_name(self) -> str:
        return "api:evidence-item-detail"

    def get_statement_html(self, obj) -> str:
        return str(render_markdown(obj.statement))


# --- Change log and refresh jobs --------------------------------------------------------------


class PaperChangeSerializer(serializers.ModelSerializer):
    """One field of one paper changed by a PubMed refresh."""

    paper = PaperRefSerializer()
    old_value = serializers.JSONField(allow_null=True)
    new_value = serializers.JSONField(allow_null=True)
    refresh_job_id = serializers.IntegerField(source="job_id", allow_null=True)

    class Meta:
        model = PaperChange
        fields = ["id", "paper", "field", "old_value", "new_value", "changed_at", "refresh_job_id"]


JOB_ERRORS_SHOWN = 1000  # a weekly refresh with NCBI down has thousands; the counts say how many


class RefreshJobSerializer(serializers.ModelSerializer):
    """A PubMed import or refresh run, as the admin shows it (staff only)."""

    requested_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    duration_seconds = serializers.FloatField(allow_null=True)
    identifiers = serializers.JSONField(help_text='{"pmids": [...], "dois": [...]}')
    errors = serializers.SerializerMethodField(
        help_text='{"<identifier>": "<reason>"}: the first 1,000 that failed or were not found'
    )

    class Meta:
        model = RefreshJob
        fields = [
            "id",
            "kind",
            "trigger",
            "status",
            "requested_by",
            "identifiers",
            "total",
            "done",
            "new_count",
            "changed_count",
            "unchanged_count",
            "not_found_count",
            "failed_count",
            "errors",
            "created_at",
            "started_at",
            "finished_at",
            "duration_seconds",
        ]

    @extend_schema_field(
        {"type": "object", "additionalProperties": {"type": "string"}, "maxProperties": 1000}
    )
    def get_errors(self, job: RefreshJob) -> dict[str, str]:
        return job.identifier_errors(limit=JOB_ERRORS_SHOWN)
