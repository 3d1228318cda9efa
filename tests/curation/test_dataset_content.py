"""The bundled knowledge: every item and reconstitution point rests on a bundled paper, every
quote is in that paper's abstract, each value says which statistic it is, and loading twice
changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from django.apps import apps

from papers.dataset_loader import DATASET_DIR, DatasetError, load_dataset
from papers.models import EvidenceNote, Paper, ReconstitutionPoint, Therapy
from papers.models.therapy import Statistic
from papers.pubmed import parse_pubmed_xml
from papers.quotes import comparable_text, locate_quote

pytestmark = pytest.mark.django_db

CONTENT = yaml.safe_load((DATASET_DIR / "therapies.yaml").read_text(encoding="utf-8"))
BUNDLED = {int(path.stem) for path in Path(DATASET_DIR / "pubmed").glob("*.xml")}
ALL_THERAPIES = {"ahsct", "cladribine", "alemtuzumab", "rituximab", "ocrelizumab"}


@pytest.fixture
def loaded():
    return load_dataset()


def _abstract_text(pmid: int) -> str:
    """Return the bundled record's title and abstract as quote matching compares them."""
    data = (DATASET_DIR / "pubmed" / f"{pmid}.xml").read_bytes()
    (record,) = parse_pubmed_xml(data, source=f"{pmid}.xml").records
    parts = [record.title] + [section.text for section in record.abstract]
    return comparable_text(" ".join(parts))


def test_every_item_in_the_yaml_cites_a_bundled_paper_and_quotes_its_abstract():
    for item in CONTENT["notes"]:
        assert item.get("cites"), item["key"]
        for entry in item["cites"]:
            pmid = entry["pmid"] if isinstance(entry, dict) else entry
            assert pmid in BUNDLED, (item["key"], pmid)
            if isinstance(entry, dict) and entry.get("quote"):
                assert comparable_text(entry["quote"]) in _abstract_text(pmid), item["key"]


def test_every_loaded_quote_is_found_in_its_papers_stored_abstract(loaded):
    for note in EvidenceNote.objects.prefetch_related("citations__paper"):
        citations = list(note.citations.all())
        assert citations, note.dataset_key
        for citation in citations:
            if citation.quote:
                assert locate_quote(citation.paper, citation.quote) == citation.quote_section


def test_every_reconstitution_value_names_its_statistic_and_its_paper(loaded):
    points = list(ReconstitutionPoint.objects.select_related("source", "therapy"))
    assert points
    for point in points:
        assert point.source.pmid in BUNDLED
        if point.recovery_months_min is not None:
            assert point.recovery_statistic in Statistic.values, point
        if point.nadir_time is not None:
            assert point.nadir_statistic in Statistic.values, point
            assert point.nadir_time_unit, point
        if point.source_quote:
            assert locate_quote(point.source, point.source_quote), point


def test_alemtuzumab_times_are_cossburns_means_not_ranges(loaded):
    points = ReconstitutionPoint.objects.filter(therapy__slug="alemtuzumab").order_by("position")
    assert [
        (p.cell_population, p.recovery_statistic, p.recovery_months_min, p.recovery_months_max)
        for p in points
    ] == [
        ("CD19+ B cells", "mean", 6, None),
        ("CD8+ T cells", "mean", 10, None),
        ("CD4+ T cells", "mean", 36, None),
    ]


def test_every_therapy_has_at_least_two_sourced_populations(loaded):
    sourced: dict[str, set[str]] = {}
    for point in ReconstitutionPoint.objects.select_related("therapy"):
        has_statistic = point.recovery_statistic or point.nadir_statistic
        if has_statistic and point.source_quote:
            sourced.setdefault(point.therapy.slug, set()).add(point.cell_population)
    assert {slug for slug, cells in sourced.items() if len(cells) >= 2} == ALL_THERAPIES


def test_each_therapy_has_the_evidence_items_its_sources_allow(loaded):
    types = {
        therapy.slug: set(therapy.evidence_notes.published().values_list("note_type", flat=True))
        for therapy in Therapy.objects.all()
    }
    assert all("efficacy" in found for found in types.values()), types
    assert set(types) == ALL_THERAPIES
    assert {slug for slug, found in types.items() if "safety" in found} == ALL_THERAPIES
    assert {slug for slug, found in types.items() if "reconstitution" in found} == ALL_THERAPIES
    assert {slug for slug, found in types.items() if "durability" in found} == ALL_THERAPIES


def _counts() -> dict[str, int]:
    return {
        model.__name__: model._default_manager.count()
        for model in apps.get_app_config("papers").get_models()
    }


def test_loading_twice_leaves_every_table_as_it_was(loaded):
    before = _counts()
    points = list(ReconstitutionPoint.objects.order_by("pk").values())

    again = load_dataset()

    assert (again.papers_new, again.therapies_written, again.notes_written) == (0, 0, 0)
    assert _counts() == before
    assert list(ReconstitutionPoint.objects.order_by("pk").values()) == points
    assert Paper.objects.filter(pmid__in=BUNDLED).count() == len(BUNDLED)


def _dataset_with(tmp_path: Path, slug: str, change) -> Path:
    """Return a copy of the bundled dataset in which ``change`` edited one therapy's entry."""
    (tmp_path / "pubmed").symlink_to(DATASET_DIR / "pubmed")
    content = yaml.safe_load((DATASET_DIR / "therapies.yaml").read_text(encoding="utf-8"))
    change(next(t for t in content["therapies"] if t["slug"] == slug))
    (tmp_path / "therapies.yaml").write_text(yaml.safe_dump(content), encoding="utf-8")
    return tmp_path


def test_a_point_dropped_from_the_dataset_leaves_the_database(loaded, tmp_path):
    def keep_two(therapy):
        therapy["reconstitution"] = therapy["reconstitution"][:2]

    report = load_dataset(_dataset_with(tmp_path, "cladribine", keep_two))

    assert report.therapies_written == 1
    assert ReconstitutionPoint.objects.filter(therapy__slug="cladribine").count() == 2


def test_a_source_quote_missing_from_the_abstract_stops_the_load(tmp_path):
    def misquote(therapy):
        therapy["reconstitution"][0]["source_quote"] = "Mean time to reconstitution was 2 months."

    with pytest.raises(DatasetError, match="source quote is not in the title or abstract"):
        load_dataset(_dataset_with(tmp_path, "alemtuzumab", misquote))
    assert not ReconstitutionPoint.objects.exists()  # one transaction: nothing half-loaded


def test_a_mean_with_a_different_maximum_is_refused(tmp_path):
    def widen(therapy):
        therapy["reconstitution"][0]["recovery_months_max"] = 12

    with pytest.raises(DatasetError, match="Only a range has a maximum"):
        load_dataset(_dataset_with(tmp_path, "alemtuzumab", widen))


def test_the_therapy_pages_chart_the_statistic_each_source_reports(client, loaded):
    alemtuzumab = client.get("/therapies/alemtuzumab/").content.decode()
    cladribine = client.get("/therapies/cladribine/").content.decode()

    assert ">mean 36 months</text>" in alemtuzumab
    assert ">nadir at week 24</text>" in cladribine
    assert "Mean time to CD19+, CD8+, and CD4+ reconstitution was 6, 10, and 36 months." in (
        alemtuzumab
    )


def test_every_therapy_page_charts_at_least_two_sourced_populations(client, loaded):
    pages = {slug: client.get(f"/therapies/{slug}/").content.decode() for slug in ALL_THERAPIES}

    assert {slug: page.count('<a class="recon-row"') >= 2 for slug, page in pages.items()} == {
        slug: True for slug in ALL_THERAPIES
    }
    assert ">at 1 month</text>" in pages["ahsct"]  # Storek 2004: NK cells normal by 1 month
    assert ">at 24 months</text>" in pages["ahsct"]
    assert ">depleted at week 24</text>" in pages["rituximab"]  # Cross 2006: CSF at 24 weeks
    assert ">depleted at week 2</text>" in pages["ocrelizumab"]  # Gingele: two weeks after 300 mg
