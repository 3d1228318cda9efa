"""Papers and the records that hang off them, shaped after PubMed's XML."""

from __future__ import annotations

import datetime as dt

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models.functions import Lower, Trim
from django.urls import reverse
from django.utils.functional import cached_property
from simple_history.models import HistoricalRecords

from papers.pubmed.identifiers import DOI_RULE, DOI_SQL_PATTERN, PMID_MIN, PMID_RULE
from papers.slugs import paper_slug
from papers.validators import abstract_sections, validate_abstract, validate_doi, validate_pmid

MONTH_ABBR = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


class Journal(models.Model):
    """A journal as NLM catalogues it."""

    # NLM unique ID when known, else "issn:<ISSN>", else "title:<title>": one stable natural key.
    key = models.CharField(max_length=300, unique=True)
    title = models.CharField(max_length=500)
    iso_abbreviation = models.CharField(max_length=300, blank=True)
    medline_ta = models.CharField("MEDLINE abbreviation", max_length=300, blank=True)
    issn_print = models.CharField(max_length=9, blank=True)
    issn_electronic = models.CharField(max_length=9, blank=True)
    issn_linking = models.CharField(max_length=9, blank=True)
    nlm_unique_id = models.CharField(max_length=30, blank=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.iso_abbreviation or self.title


class Author(models.Model):
    """A name as it appears in author lists; not a disambiguated person.

    Rows are keyed by ORCID when PubMed gives one, otherwise by the exact name parts, so two
    different people called "Smith J" share a row: PubMed itself does not tell them apart.
    """

    key = models.CharField(max_length=400, unique=True)
    last_name = models.CharField(max_length=200, blank=True)
    fore_name = models.CharField(max_length=200, blank=True)
    initials = models.CharField(max_length=30, blank=True)
    suffix = models.CharField(max_length=30, blank=True)
    collective_name = models.CharField(max_length=500, blank=True)
    orcid = models.CharField("ORCID", max_length=19, blank=True)

    class Meta:
        ordering = ["last_name", "fore_name", "collective_name"]
        indexes = [models.Index(Lower("last_name"), name="author_last_name_lower")]

    def __str__(self) -> str:
        if self.collective_name:
            return self.collective_name
        return " ".join(part for part in (self.last_name, self.initials) if part)

    @property
    def display_name(self) -> str:
        """Return "Fore Last" (or the collective name), as PubMed's page shows authors.

        Without a fore name, return "Last Initials": PubMed gives some authors only initials
        (CARE-MS I's "Brinar VV"), and the last name alone would drop them.
        """
        if self.collective_name:
            return self.collective_name
        if self.fore_name:
            parts = (self.fore_name, self.last_name, self.suffix)
        else:
            parts = (self.last_name, self.initials, self.suffix)
        return " ".join(part for part in parts if part)


class MeshDescriptor(models.Model):
    ui = models.CharField("descriptor UI", max_length=12, unique=True)
    name = models.CharField(max_length=300)

    class Meta:
        ordering = ["name"]
        verbose_name = "MeSH descriptor"

    def __str__(self) -> str:
        return self.name


def _regexp_replace(expression, pattern: str, replacement: str, flags: str) -> models.Func:
    return models.Func(
        expression,
        models.Value(pattern),
        models.Value(replacement),
        models.Value(flags),
        function="regexp_replace",
        output_field=models.TextField(),
    )


def duplicate_doi_key() -> models.Func:
    """Return the SQL expression of a DOI as compared for duplicates: no doi.org/doi: prefix,
    no surrounding space, lower case (papers/duplicates.py)."""
    bare = _regexp_replace(models.F("doi"), r"^\s*(https?://(dx\.)?doi\.org/|doi:\s*)", "", "i")
    return Lower(Trim(bare))


def duplicate_title_key() -> models.Func:
    """Return the SQL expression of a normalised title: no markup, lower case, every run of
    punctuation and space one space (papers/duplicates.py)."""
    # Tags go without a space (CD<sub>4</sub> is "CD4"); entities (&amp;) count as punctuation.
    text = _regexp_replace(models.F("title"), r"<[^>]*>", "", "g")
    text = _regexp_replace(text, r"&#?[a-z0-9]+;", " ", "gi")
    text = _regexp_replace(Lower(text), r"[^[:alnum:]]+", " ", "g")
    return Trim(text)


# Paper's two largest columns (TOASTed on most rows): no list of papers shows them, and
# reading them for hundreds of rows costs more than the rest of a page.
PAPER_LARGE_FIELDS = ("search_vector", "abstract")


class PaperQuerySet(models.QuerySet):
    def without_large_fields(self) -> PaperQuerySet:
        """Return papers without the stored search vector and the abstract (loaded on access)."""
        return self.defer(*PAPER_LARGE_FIELDS)

    def with_listing(self) -> PaperQuerySet:
        """Return papers with what a list row shows, in a constant number of queries.

        The search vector is never shown, so it is deferred; the abstract is kept because
        exports of a list include it (list pages add without_large_fields()).
        """
        return (
            self.defer("search_vector")
            .select_related("journal")
            .prefetch_related(
                models.Prefetch(
                    "authorships",
                    queryset=Authorship.objects.select_related("author").order_by("position"),
                )
            )
        )

    def with_detail(self) -> PaperQuerySet:
        """Return papers with everything the paper page shows."""
        return self.with_listing().prefetch_related(
            models.Prefetch(
                "mesh_headings",
                queryset=PaperMesh.objects.select_related("descriptor").order_by("position"),
            ),
            "links",
        )

    def tied_to_therapy(self, therapy) -> PaperQuerySet:
        """Return the papers tied to ``therapy``: one of its pivotal trials, cited by one of its
        published notes, the source of one of its reconstitution points, or a paper a curator
        triaged as relevant to it from a watched search (papers.intake).

        The one definition of a therapy's papers: the therapy pages, the therapy export and
        the search filter all use it (papers/views/usage.py answers the reverse question,
        which therapies a paper is tied to, by the same three links). One
        ``pk IN (… UNION …)`` subquery rather than joins: no duplicate rows (so no DISTINCT),
        and PostgreSQL can read the few hundred ids first and fetch those papers by primary
        key instead of testing every paper.
        """
        from papers.models import EvidenceNote, IntakeItem, PivotalTrial, ReconstitutionPoint

        trials = PivotalTrial.objects.filter(therapy=therapy).order_by().values("paper_id")
        cited = (
            EvidenceNote.papers.through.objects.filter(
                evidencenote__therapy=therapy,
                evidencenote__status=EvidenceNote.Status.PUBLISHED,
            )
            .order_by()
            .values("paper_id")
        )
        sources = ReconstitutionPoint.objects.filter(therapy=therapy).order_by().values("source_id")
        triaged = (
            IntakeItem.therapies.through.objects.filter(
                therapy=therapy, intakeitem__status=IntakeItem.Status.RELEVANT
            )
            .order_by()
            .values("intakeitem__paper_id")
        )
        return self.filter(pk__in=trials.union(cited, sources, triaged))

    def count_by_year(self) -> list[dict]:
        """Return [{"pub_year": 2019, "count": 3}, ...] in year order (None last)."""
        return list(
            self.order_by()
            .values("pub_year")
            .annotate(count=models.Count("pk"))
            .order_by(models.F("pub_year").asc(nulls_last=True))
        )


class Paper(models.Model):
    """One article (or book chapter) with the metadata PubMed gives for it."""

    class FetchState(models.TextChoices):
        PENDING = "pending", "not yet fetched"
        FETCHED = "fetched", "fetched"
        NOT_FOUND = "not_found", "not found in PubMed"
        FAILED = "failed", "fetch failed, will retry"

    pmid = models.PositiveBigIntegerField(
        "PMID", unique=True, null=True, blank=True, validators=[validate_pmid]
    )
    pmcid = models.CharField("PMCID", max_length=20, unique=True, null=True, blank=True)
    # NULL, not "", for a missing DOI: the case-insensitive unique constraint must skip it.
    doi = models.CharField(  # noqa: DJ001
        "DOI", max_length=255, null=True, blank=True, validators=[validate_doi]
    )
    pii = models.CharField("publisher item identifier", max_length=255, blank=True)

    # Titles and abstract text keep PubMed's inline markup (<i>, <sup>, MathML), sanitised by
    # nh3 at parse time; templates mark them safe only through papers.markup.
    title = models.TextField(blank=True)
    vernacular_title = models.TextField(blank=True)
    # [{"label": "RESULTS", "nlm_category": "RESULTS", "text": "..."}]; one unlabelled section
    # for an unstructured abstract.
    abstract = models.JSONField(default=list, blank=True, validators=[validate_abstract])
    abstract_copyright = models.TextField(blank=True)

    journal = models.ForeignKey(
        Journal, on_delete=models.PROTECT, null=True, blank=True, related_name="papers"
    )
    volume = models.CharField(max_length=50, blank=True)
    issue = models.CharField(max_length=50, blank=True)
    pages = models.CharField(max_length=100, blank=True)
    # Book chapters (PubmedBookArticle) have no journal.
    book_title = models.TextField(blank=True)
    publisher = models.CharField(max_length=300, blank=True)

    # Publication date as PubMed gives it: year only, a season, or a MedlineDate range are all
    # real. pub_date_sort is the earliest day it can mean, for ordering and year filters.
    pub_year = models.PositiveSmallIntegerField(null=True, blank=True, db_index=True)
    pub_month = models.PositiveSmallIntegerField(null=True, blank=True)
    pub_day = models.PositiveSmallIntegerField(null=True, blank=True)
    pub_season = models.CharField(max_length=30, blank=True)
    pub_medline_date = models.CharField("MedlineDate", max_length=100, blank=True)
    pub_date_sort = models.DateField(null=True, blank=True)
    epub_date = models.DateField("electronic publication date", null=True, blank=True)
    publication_status = models.CharField(max_length=30, blank=True)  # ppublish, epublish, …

    languages = ArrayField(models.CharField(max_length=10), default=list, blank=True)
    publication_types = ArrayField(models.CharField(max_length=120), default=list, blank=True)
    # Text, not a bounded CharField: PubMed has keywords longer than any limit we would pick,
    # and a limit once cut them silently.
    keywords = ArrayField(models.TextField(), default=list, blank=True)

    is_retracted = models.BooleanField(default=False, db_index=True)
    has_erratum = models.BooleanField(default=False)
    has_expression_of_concern = models.BooleanField(default=False)
    not_in_pubmed = models.BooleanField(
        default=False, help_text="A DOI with no PubMed record: what we know is kept."
    )
    deleted_from_pubmed = models.BooleanField(default=False)

    fetch_state = models.CharField(
        max_length=12, choices=FetchState.choices, default=FetchState.PENDING
    )
    fetch_error = models.TextField(blank=True)
    source_hash = models.CharField(max_length=64, blank=True)
    last_fetched_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set by the upsert only when a field really changes; never auto_now.
    changed_at = models.DateTimeField(null=True, blank=True)

    search_vector = SearchVectorField(null=True, editable=False)
    # Kept by PostgreSQL for finding duplicate-looking papers: computing them at query time
    # costs seconds on 200,000 papers (three regular expressions per title).
    doi_key = models.GeneratedField(
        expression=duplicate_doi_key(), output_field=models.TextField(), db_persist=True
    )
    title_key = models.GeneratedField(
        expression=duplicate_title_key(), output_field=models.TextField(), db_persist=True
    )

    objects = PaperQuerySet.as_manager()
    # Who changed what and when, for saves through the admin (or any Model.save()); PubMed's
    # own changes arrive by bulk writes and are logged, field by field, in PaperChange.
    history = HistoricalRecords(
        excluded_fields=["search_vector", "doi_key", "title_key", "last_fetched_at"]
    )

    class Meta:
        ordering = ["-pub_date_sort", "-pmid"]
        constraints = [
            models.UniqueConstraint(Lower("doi"), name="paper_doi_unique_ci"),
            # The identifier rules of papers/pubmed/identifiers.py, for rows written around the
            # forms. Migration 0011 adds them NOT VALID: rows already bad stay (nothing lost)
            # and fail alone, with their reason, when a refresh reaches them.
            models.CheckConstraint(
                condition=models.Q(pmid__gte=PMID_MIN),
                name="paper_pmid_valid",
                violation_error_message=f"Not a PMID: {PMID_RULE}.",
            ),
            models.CheckConstraint(
                condition=models.Q(doi__isnull=True) | models.Q(doi__regex=DOI_SQL_PATTERN),
                name="paper_doi_valid",
                violation_error_message=f"Not a DOI: {DOI_RULE}.",
            ),
        ]
        indexes = [
            GinIndex(fields=["search_vector"], name="paper_search_gin"),
            GinIndex(fields=["publication_types"], name="paper_pubtypes_gin"),
            models.Index(fields=["-pub_date_sort", "-pmid"], name="paper_recent"),
        ]

    def __str__(self) -> str:
        label = f"PMID {self.pmid}" if self.pmid else (f"doi:{self.doi}" if self.doi else "paper")
        return f"{label}: {self.title_text[:80]}"

    def get_absolute_url(self) -> str:
        """Return the canonical URL of the paper page: /papers/<pk>/<slug>/ (or /papers/<pk>/)."""
        slug = paper_slug(self.title)
        if slug:
            return reverse("papers:paper-detail-slug", kwargs={"pk": self.pk, "slug": slug})
        return reverse("papers:paper-detail", kwargs={"pk": self.pk})

    @property
    def title_text(self) -> str:
        from papers.markup import strip_tags

        return strip_tags(self.title)

    @property
    def pub_date_display(self) -> str:
        """Return the publication date as PubMed prints it ("2020 Jan", "1998 Dec-1999 Jan")."""
        if self.pub_medline_date:
            return self.pub_medline_date
        parts = [str(self.pub_year)] if self.pub_year else []
        if self.pub_season:
            parts.append(self.pub_season)
        elif self.pub_month:
            parts.append(MONTH_ABBR[self.pub_month - 1])
            if self.pub_day:
                parts.append(str(self.pub_day))
        return " ".join(parts)

    @property
    def epub_date_display(self) -> str:
        return format_day(self.epub_date) if self.epub_date else ""

    @property
    def pubmed_url(self) -> str:
        return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/" if self.pmid else ""

    @property
    def pmc_url(self) -> str:
        return f"https://pmc.ncbi.nlm.nih.gov/articles/{self.pmcid}/" if self.pmcid else ""

    @property
    def doi_url(self) -> str:
        return f"https://doi.org/{self.doi}" if self.doi else ""

    @property
    def is_pending(self) -> bool:
        return self.fetch_state == self.FetchState.PENDING

    @property
    def abstract_sections(self) -> list[dict[str, str]]:
        """Return the abstract's readable sections, whatever shape the stored value has."""
        return abstract_sections(self.abstract)

    @property
    def reader_state(self) -> str:
        """Return the one state a reader is told: "fetched", "pending", "not_found", "failed".

        ``not_in_pubmed`` (a DOI PubMed has no record for) reads as "not found", whatever a
        stale fetch_state says, so a page never shows "being fetched" and "not in PubMed" at
        once.
        """
        if self.not_in_pubmed:
            return self.FetchState.NOT_FOUND
        return self.fetch_state

    @property
    def reader_state_label(self) -> str:
        return READER_STATE_LABELS[self.reader_state]

    @cached_property
    def printed_citation(self) -> str:
        """Return the citation a review prints for this paper ("" if none cites it).

        A stub (a reference not yet fetched, or not in PubMed) has no title of its own; its
        page and list rows show this instead of "Untitled paper". One query, and only for
        papers without a title (templates ask after checking ``title``).
        """
        citation = (
            self.cited_in_reviews.exclude(citation="")
            .order_by("review_id", "position")
            .values_list("citation", flat=True)
            .first()
        )
        return citation or ""


# What readers are told about a paper's state, in words (never the internal fetch_error).
READER_STATE_LABELS: dict[str, str] = {
    Paper.FetchState.FETCHED: "",
    Paper.FetchState.PENDING: "Not yet fetched",
    Paper.FetchState.NOT_FOUND: "Not found in PubMed",
    Paper.FetchState.FAILED: "Fetch failed, will retry",
}


def format_day(day: dt.date) -> str:
    return f"{day.year} {MONTH_ABBR[day.month - 1]} {day.day}"


class Authorship(models.Model):
    """An author's place on one paper, with the affiliations given on that paper."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="authorships")
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="authorships")
    position = models.PositiveSmallIntegerField()
    affiliations = ArrayField(models.TextField(), default=list, blank=True)
    equal_contribution = models.BooleanField(default=False)

    class Meta:
        ordering = ["paper", "position"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "position"], name="authorship_unique_position")
        ]

    def __str__(self) -> str:
        return f"{self.author} (#{self.position})"


class PaperMesh(models.Model):
    """A MeSH heading on a paper, with its qualifiers."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="mesh_headings")
    descriptor = models.ForeignKey(MeshDescriptor, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()
    major_topic = models.BooleanField(default=False)
    # [{"ui": "Q000188", "name": "drug therapy", "major_topic": true}]
    qualifiers = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["paper", "position"]
        verbose_name = "MeSH heading"
        constraints = [
            models.UniqueConstraint(fields=["paper", "position"], name="papermesh_unique_position")
        ]

    def __str__(self) -> str:
        return self.descriptor.name


class PaperLink(models.Model):
    """A relation PubMed records in CommentsCorrectionsList (errata, retractions, comments)."""

    class Kind(models.TextChoices):
        ERRATUM_IN = "ErratumIn", "erratum in"
        ERRATUM_FOR = "ErratumFor", "erratum for"
        RETRACTION_IN = "RetractionIn", "retraction in"
        RETRACTION_OF = "RetractionOf", "retraction of"
        RETRACTED_AND_REPUBLISHED_IN = "RetractedandRepublishedIn", "retracted and republished in"
        RETRACTED_AND_REPUBLISHED_FROM = "RetractedandRepublishedFrom", "republished from"
        EXPRESSION_OF_CONCERN_IN = "ExpressionOfConcernIn", "expression of concern in"
        EXPRESSION_OF_CONCERN_FOR = "ExpressionOfConcernFor", "expression of concern for"
        COMMENT_IN = "CommentIn", "comment in"
        COMMENT_ON = "CommentOn", "comment on"
        UPDATE_IN = "UpdateIn", "update in"
        UPDATE_OF = "UpdateOf", "update of"

    source = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField(max_length=40, choices=Kind.choices)
    # The other paper may not be in our database; its PMID and citation text are kept anyway.
    target_pmid = models.PositiveBigIntegerField(null=True, blank=True)
    ref_source = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["source", "kind", "target_pmid"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "kind", "target_pmid", "ref_source"], name="paperlink_unique"
            )
        ]
        indexes = [models.Index(fields=["target_pmid"], name="paperlink_target")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.ref_source or self.target_pmid}"

    @property
    def target_url(self) -> str:
        return f"https://pubmed.ncbi.nlm.nih.gov/{self.target_pmid}/" if self.target_pmid else ""


class PaperChange(models.Model):
    """One field of one paper changed by a PubMed refresh: the change log."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="changes")
    job = models.ForeignKey(
        "papers.RefreshJob",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="changes",
    )
    field = models.CharField(max_length=60)
    old_value = models.JSONField(null=True, blank=True)
    new_value = models.JSONField(null=True, blank=True)
    changed_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-changed_at", "paper", "field"]

    def __str__(self) -> str:
        return f"{self.paper_id}.{self.field}"
