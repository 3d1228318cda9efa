"""The therapies the knowledge base compares."""

from __future__ import annotations

from django.db import models
from django.urls import reverse


class Therapy(models.Model):
    class Regimen(models.TextChoices):
        PULSED = "pulsed", "pulsed / course-based"
        CONTINUOUS = "continuous", "continuous (maintenance dosing)"

    class IrtStanding(models.TextChoices):
        PROTOTYPE = "prototype", "prototypical IRT"
        CANDIDATE = "candidate", "usually grouped with IRTs"
        CONTESTED = "contested", "IRT status contested"

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order on lists.")
    summary = models.TextField(blank=True)
    drug_class = models.CharField(max_length=200)
    molecular_target = models.CharField(max_length=200)
    mechanism = models.TextField()
    regimen = models.CharField(max_length=12, choices=Regimen.choices)
    regimen_detail = models.TextField(blank=True)
    irt_standing = models.CharField(
        "standing in the IRT debate", max_length=12, choices=IrtStanding.choices
    )
    irt_standing_detail = models.TextField(blank=True)
    approval_status = models.TextField()
    safety_concerns = models.TextField(blank=True)
    pivotal_papers = models.ManyToManyField(
        "papers.Paper", through="PivotalTrial", related_name="pivotal_for", blank=True
    )

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "therapies"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("papers:therapy-detail", kwargs={"slug": self.slug})


class PivotalTrial(models.Model):
    therapy = models.ForeignKey(Therapy, on_delete=models.CASCADE, related_name="pivotal_trials")
    paper = models.ForeignKey("papers.Paper", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("trial name", max_length=120)
    position = models.PositiveSmallIntegerField(default=0)
    design = models.TextField(blank=True)
    headline_result = models.TextField(blank=True)

    class Meta:
        ordering = ["therapy", "position"]
        constraints = [
            models.UniqueConstraint(fields=["therapy", "paper"], name="pivotaltrial_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.therapy})"


class ReconstitutionPoint(models.Model):
    """How one cell population behaves after a therapy: depth of depletion and time to return.

    Every point cites the paper it comes from; the therapy page charts these.
    """

    therapy = models.ForeignKey(
        Therapy, on_delete=models.CASCADE, related_name="reconstitution_points"
    )
    cell_population = models.CharField(max_length=120)
    position = models.PositiveSmallIntegerField(default=0)
    depletion = models.CharField(max_length=200, blank=True)
    recovery_months_min = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    recovery_months_max = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    note = models.TextField(blank=True)
    source = models.ForeignKey("papers.Paper", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["therapy", "position"]

    def __str__(self) -> str:
        return f"{self.therapy}: {self.cell_population}"
