"""The therapy page's reconstitution chart, drawn on the server as SVG geometry.

One row per cell population that has a nadir time or a recovery value. A recovery bar runs
from treatment to the value its source reports, labelled with the statistic that value is
(a mean is called a mean, never an "earliest return"); a range adds a lighter segment to its
end; a nadir is a marker at the time counts were lowest. The template draws the rows with
classes only, so the chart needs no script and no inline style (the page runs under a CSP).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from papers.models import ReconstitutionPoint, Therapy
from papers.models.therapy import Statistic, TimeUnit

# SVG user units; the figure scales to its container through the viewBox.
WIDTH = 760
LABEL_WIDTH = 200
VALUE_LABEL_WIDTH = 170
ROW_HEIGHT = 34
BAR_HEIGHT = 14
TOP = 12
AXIS_HEIGHT = 40
PLOT_LEFT = LABEL_WIDTH
PLOT_WIDTH = WIDTH - LABEL_WIDTH - VALUE_LABEL_WIDTH
# Value-less statistics when a point's recovery months were saved before statistics existed.
UNSTATED = "statistic not recorded"


def recovery_statistic(point: ReconstitutionPoint) -> str:
    """Return which statistic a point's recovery months are, as words ("mean", "range", ...)."""
    if point.recovery_statistic:
        return Statistic(point.recovery_statistic).label
    return UNSTATED if point.recovery_months_min is not None else ""


def nadir_statistic(point: ReconstitutionPoint) -> str:
    """Return which statistic a point's nadir time is, as words."""
    return Statistic(point.nadir_statistic).label if point.nadir_statistic else ""


def _number(value) -> str:
    """Return ``value`` without a trailing ".0" (6.0 -> "6", 2.5 -> "2.5")."""
    return f"{float(value):g}"


def _months(value) -> str:
    """Return "1 month" or "6 months"."""
    return f"{_number(value)} month" if float(value) == 1 else f"{_number(value)} months"


def recovery_text(point: ReconstitutionPoint) -> str:
    """Return the recovery value as the chart and the table say it, e.g. "mean 36 months"."""
    low, high = point.recovery_months_min, point.recovery_months_max
    if low is None:
        return ""
    if point.recovery_statistic == Statistic.RANGE and high is not None:
        return f"range {_number(low)}–{_months(high)}"
    if point.recovery_statistic == Statistic.PROPORTION and point.proportion_recovered is not None:
        return f"{_number(point.proportion_recovered)}% recovered at {_months(low)}"
    if point.recovery_statistic == Statistic.TIME_POINT:
        return f"at {_months(low)}"
    statistic = recovery_statistic(point)
    return f"{statistic} {_months(low)}" if statistic != UNSTATED else _months(low)


def nadir_text(point: ReconstitutionPoint) -> str:
    """Return the depletion time as the source gives it: "nadir at week 13" where the source
    names the visit with the lowest counts, else "depleted at week 24" (one visit where
    depletion was seen, which need not be the lowest point)."""
    if point.nadir_time is None:
        return ""
    what = "nadir" if point.nadir_statistic == Statistic.LOWEST_VISIT else "depleted"
    if point.nadir_time_unit == TimeUnit.WEEKS:
        return f"{what} at week {_number(point.nadir_time)}"
    return f"{what} at month {_number(point.nadir_time)}"


@dataclass
class Row:
    label: str
    y: float
    url: str
    title: str
    bar_width: float | None = None
    range_x: float | None = None
    range_width: float | None = None
    nadir_x: float | None = None
    statistic: str = ""
    text: str = ""
    classes: str = ""


@dataclass
class Tick:
    x: float
    label: str


@dataclass
class Chart:
    title: str
    height: int
    width: int = WIDTH
    plot_left: int = PLOT_LEFT
    plot_right: int = PLOT_LEFT + PLOT_WIDTH
    axis_y: int = 0
    rows: list[Row] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    has_ranges: bool = False
    has_nadirs: bool = False
    has_recovery: bool = False


def _tick_step(largest: float) -> int:
    """Return the axis tick spacing in months: 3 up to a year, 6 up to two, then 12."""
    return 3 if largest <= 12 else 6 if largest <= 24 else 12


def _scale_end(months: list[float]) -> int:
    """Return the axis end: the largest value rounded up to a whole tick."""
    largest = max(months, default=0) or 6
    step = _tick_step(largest)
    return int(math.ceil(largest / step) * step)


def build_chart(therapy: Therapy, points: list[ReconstitutionPoint]) -> Chart | None:
    """Return the chart of ``points``, or None when no point has a time to draw."""
    charted = [p for p in points if p.recovery_months_min is not None or p.nadir_time is not None]
    if not charted:
        return None
    months = [float(p.recovery_months_max or p.recovery_months_min or 0) for p in charted]
    months += [p.nadir_months or 0 for p in charted]
    end = _scale_end(months)

    def x(value: float) -> float:
        return round(PLOT_LEFT + PLOT_WIDTH * value / end, 1)

    height = TOP + ROW_HEIGHT * len(charted) + AXIS_HEIGHT
    chart = Chart(
        title=f"Depletion and recovery after {therapy.name} (months after treatment)",
        height=height,
        axis_y=TOP + ROW_HEIGHT * len(charted),
    )
    step = _tick_step(end)
    chart.ticks = [Tick(x=x(m), label=str(m)) for m in range(0, end + 1, step)]
    for index, point in enumerate(charted):
        row = Row(
            label=point.cell_population,
            y=TOP + ROW_HEIGHT * index,
            url=point.source.get_absolute_url(),
            title=point.source.title_text[:160],
        )
        texts = []
        if point.nadir_time is not None:
            row.nadir_x = x(point.nadir_months or 0)
            texts.append(nadir_text(point))
            chart.has_nadirs = True
        if point.recovery_months_min is not None:
            row.statistic = recovery_statistic(point)
            row.bar_width = round(x(float(point.recovery_months_min)) - PLOT_LEFT, 1)
            row.classes = f"statistic-{point.recovery_statistic or 'unstated'}"
            if (
                point.recovery_statistic == Statistic.RANGE
                and point.recovery_months_max is not None
            ):
                row.range_x = x(float(point.recovery_months_min))
                row.range_width = round(x(float(point.recovery_months_max)) - row.range_x, 1)
                chart.has_ranges = True
            texts.append(recovery_text(point))
            chart.has_recovery = True
        row.text = "; ".join(texts)
        chart.rows.append(row)
    return chart
