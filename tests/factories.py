"""Readable test data: a few named records built by factory_boy."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from papers import models


class JournalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Journal
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"title:Journal {n}")
    title = factory.Sequence(lambda n: f"Journal of Neuroimmunology {n}")
    iso_abbreviation = factory.Sequence(lambda n: f"J Neuroimmunol {n}")


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Author

    key = factory.Sequence(lambda n: f"name:author{n}|a|a|")
    last_name = factory.Sequence(lambda n: f"Author{n}")
    fore_name = "Alex"
    initials = "A"


class PaperFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Paper

    # Sequences far above real PMIDs would still be fake identifiers: test papers get PMIDs in a
    # range PubMed has not reached, so they can never be mistaken for real records.
    pmid = factory.Sequence(lambda n: 990_000_000 + n)
    title = factory.Sequence(lambda n: f"Immune repertoire renewal after depletion, study {n}")
    abstract = factory.LazyFunction(
        lambda: [{"label": "", "nlm_category": "", "text": "B cells repopulate after therapy."}]
    )
    journal = factory.SubFactory(JournalFactory)
    volume = "12"
    issue = "3"
    pages = "100-110"
    pub_year = 2019
    pub_month = 5
    pub_date_sort = dt.date(2019, 5, 1)
    languages = factory.LazyFunction(lambda: ["eng"])
    publication_types = factory.LazyFunction(lambda: ["Journal Article"])
    fetch_state = models.Paper.FetchState.FETCHED


class AuthorshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Authorship

    paper = factory.SubFactory(PaperFactory)
    author = factory.SubFactory(AuthorFactory)
    position = factory.Sequence(lambda n: n + 1)


class TherapyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Therapy

    name = factory.Sequence(lambda n: f"Therapy {n}")
    slug = factory.Sequence(lambda n: f"therapy-{n}")
    drug_class = "monoclonal antibody"
    molecular_target = "CD52"
    mechanism = "Depletes circulating lymphocytes."
    regimen = models.Therapy.Regimen.PULSED
    irt_standing = models.Therapy.IrtStanding.CANDIDATE
    approval_status = "Approved for relapsing MS."


class EvidenceNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.EvidenceNote
        skip_postgeneration_save = True

    therapy = factory.SubFactory(TherapyFactory)
    statement = "Lymphocyte counts recover within a year after the last course."
    note_type = models.EvidenceNote.NoteType.RECONSTITUTION
    status = models.EvidenceNote.Status.PUBLISHED

    @factory.post_generation
    def papers(self, create, extracted, **kwargs):
        if create and extracted:
            # One citation per paper, numbered in the order given: papers.add() goes through a
            # set of ids, so it would store them in an order that differs from run to run.
            for position, paper in enumerate(extracted, start=1):
                models.Citation.objects.create(evidencenote=self, paper=paper, position=position)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class MeshDescriptorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.MeshDescriptor
        django_get_or_create = ("ui",)

    # "Z" prefix: MeSH descriptor UIs start with "D", so these can never be taken for real ones.
    ui = factory.Sequence(lambda n: f"Z{n:06d}")
    name = factory.Sequence(lambda n: f"Test Heading {n}")


class PaperMeshFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.PaperMesh

    paper = factory.SubFactory(PaperFactory)
    descriptor = factory.SubFactory(MeshDescriptorFactory)
    position = factory.Sequence(lambda n: n + 1)


class ReferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Reference

    review = factory.SubFactory(PaperFactory)
    position = factory.Sequence(lambda n: n + 1)
    citation = factory.Sequence(lambda n: f"Cited work {n}.")


class PivotalTrialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.PivotalTrial

    therapy = factory.SubFactory(TherapyFactory)
    paper = factory.SubFactory(PaperFactory)
    name = factory.Sequence(lambda n: f"TRIAL-{n}")
    position = factory.Sequence(lambda n: n + 1)
    design = "Randomised, rater-blinded, active-controlled phase 3 trial."
    headline_result = "Fewer relapses than the comparator over two years."


class ReconstitutionPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ReconstitutionPoint

    therapy = factory.SubFactory(TherapyFactory)
    cell_population = factory.Sequence(lambda n: f"Cell population {n}")
    position = factory.Sequence(lambda n: n + 1)
    depletion = "profound"
    recovery_months_min = 6
    recovery_months_max = 12
    recovery_statistic = "range"
    source = factory.SubFactory(PaperFactory)


class PaperLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.PaperLink

    source = factory.SubFactory(PaperFactory)
    kind = models.PaperLink.Kind.ERRATUM_IN
    target_pmid = factory.Sequence(lambda n: 980_000_000 + n)
    ref_source = factory.Sequence(lambda n: f"J Neuroimmunol. 2020;{n}:1.")


class PaperChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.PaperChange

    paper = factory.SubFactory(PaperFactory)
    field = "title"
    old_value = "Old title"
    new_value = "New title"


def stored_batches(job: models.RefreshJob) -> list[int]:
    """Return the indexes of the job's batches that are stored (done), in order."""
    return list(
        job.batches.filter(status=models.RefreshBatch.Status.DONE)
        .order_by("index")
        .values_list("index", flat=True)
    )


def planned_pmids(job: models.RefreshJob) -> list[int]:
    """Return every PMID the job planned to fetch, in batch order."""
    return [p for batch in job.batches.order_by("index") for p in batch.pmids]
