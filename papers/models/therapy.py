"""The therapies the knowledge base compares."""

from __future__ import annotations

from django.core.exceptions import ValidationError
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


class Statistic(models.TextChoices):
    """Which statistic a reconstitution value is, as its source reports it."""

    MEAN = "mean", "mean"
    MEDIAN = "median", "median"
    RANGE = "range", "range"
    PROPORTION = "proportion", "proportion recovered at a time point"
    TIME_POINT = "time_point", "group observation at a time point"
    # A nadir time that is the visit with the lowest counts, as opposed to a TIME_POINT nadir
    # time, which is only a visit where depletion was seen (the source names no lowest point).
    LOWEST_VISIT = "lowest_visit", "the visit with the lowest counts"


class TimeUnit(models.TextChoices):
    WEEKS = "weeks", "weeks"
    MONTHS = "months", "months"


# Weeks per month, only to place a value reported in weeks on the chart's month axis; the
# value itself is stored and shown as its source gives it.
WEEKS_PER_MONTH = 52 / 12


class ReconstitutionPoint(models.Model):
    """How one cell population behaves after a therapy: depth and timing of depletion, and return.

    Every point cites the paper it comes from and says which statistic each value is (a mean,
    a median, a range, a proportion recovered at a time point...), so a mean is never shown as
    an "earliest return". ``source_quote`` holds the sentence of the paper's abstract the values
    are read from.
    """

    therapy = models.ForeignKey(
        Therapy, on_delete=models.CASCADE, related_name="reconstitution_points"
    )
    cell_population = models.CharField(max_length=120)
    position = models.PositiveSmallIntegerField(default=0)
    depletion = models.CharField(max_length=200, blank=True)
    nadir_time = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="When counts were lowest after treatment, in nadir_time_unit.",
    )
    nadir_time_unit = models.CharField(max_length=6, choices=TimeUnit.choices, blank=True)
    nadir_statistic = models.CharField(max_length=12, choices=Statistic.choices, blank=True)
    recovery_months_min = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    recovery_months_max = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    recovery_statistic = models.CharField(
        max_length=12,
        choices=Statistic.choices,
        blank=True,
        help_text="Which statistic the recovery months are (a range uses min and max).",
    )
    proportion_recovered = models.DecimalField(
        "proportion recovered (%)",
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="For a proportion: the percentage of patients recovered at the time point.",
    )
    recovery_definition = models.CharField(
        max_length=300,
        blank=True,
        help_text="What the source counts as recovery (e.g. return to baseline or to the "
        "lower limit of normal); empty when the source does not say.",
    )
    note = models.TextField(blank=True)
    source = models.ForeignKey("papers.Paper", on_delete=models.PROTECT, related_name="+")
    source_quote = models.TextField(
        blank=True, help_text="The sentence of the source's abstract the values come from."
    )

    class Meta:
        ordering = ["therapy", "position"]

    def __str__(self) -> str:
        return f"{self.therapy}: {self.cell_population}"

    def clean(self) -> None:
        errors = {}
        low, high = self.recovery_months_min, self.recovery_months_max
        if low is not None and not self.recovery_statistic:
            errors["recovery_statistic"] = "Say which statistic the recovery months are."
        if self.recovery_statistic == Statistic.RANGE and (
            high is None or low is None or high <= low
        ):
            errors["recovery_months_max"] = "A range needs a maximum above its minimum."
        if self.recovery_statistic != Statistic.RANGE and high is not None and high != low:
            errors["recovery_months_max"] = "Only a range has a maximum different from its minimum."
        if self.recovery_statistic == Statistic.PROPORTION and self.proportion_recovered is None:
            errors["proportion_recovered"] = "A proportion needs the percentage recovered."
        if self.nadir_time is not None and not (self.nadir_time_unit and self.nadir_statistic):
            errors["nadir_time_unit"] = "A nadir time needs its unit and its statistic."
        if errors:
            raise ValidationError(errors)

    @property
    def nadir_months(self) -> float | None:
        """The nadir time on a month scale, for placing it on the chart."""
        if self.nadir_time is None:
            return None
        if self.nadir_time_unit == TimeUnit.WEEKS:
            return float(self.nadir_time) / WEEKS_PER_MONTH
        return float(self.nadir_time)
