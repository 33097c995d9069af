"""What a benchmark run found: figures beside their baselines, and curves to plot.

A stage adds ``Figure`` rows (a value, optionally the same measure of its baseline in the
same run, and the goal it is held to) and ``Curve`` points; ``Report.write`` saves them as
``results.json``, ``results.md`` (one Markdown table) and one PNG per plot.
"""

from __future__ import annotations

import json
import math
import os
import platform as host
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal


@dataclass(frozen=True)
class Goal:
    """A goal a figure is held to: its value (or its ratio to the baseline) ``op`` ``limit``."""

    op: Literal[">=", "<="]
    limit: float
    of: Literal["value", "ratio"] = "value"

    def met(self, figure: Figure) -> bool | None:
        """Whether ``figure`` meets it; None when there is nothing to judge."""
        measured = figure.ratio if self.of == "ratio" else figure.value
        if measured is None or math.isnan(measured):
            return None
        return measured >= self.limit if self.op == ">=" else measured <= self.limit

    def __str__(self) -> str:
        target = f"{self.limit:g}" if self.of == "value" else f"{self.limit:.0%} of baseline"
        return f"{self.op.replace('>=', '≥').replace('<=', '≤')} {target}"


@dataclass(frozen=True)
class Figure:
    """One measured figure; ``baseline`` is the same measure of the baseline, same run."""

    stage: str
    measure: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_name: str | None = None
    goal: Goal | None = None

    @property
    def ratio(self) -> float | None:
        """value ÷ baseline, when there is a baseline."""
        if self.baseline is None or self.baseline == 0:
            return None
        return self.value / self.baseline


@dataclass
class Curve:
    """Points of one labelled line of a plot; where x is a name (a consumer, say) rather
    than a number, the plot is drawn as bars, one group per name."""

    label: str
    points: list[tuple[float | str, float]] = field(default_factory=list)


@dataclass
class Plot:
    """One PNG: a title, axes and its curves (``log_x`` for sizes spanning decades)."""

    name: str
    title: str
    x_label: str
    y_label: str
    curves: list[Curve] = field(default_factory=list)
    log_x: bool = False

    def curve(self, label: str) -> Curve:
        """The curve labelled ``label``, made on first use."""
        for curve in self.curves:
            if curve.label == label:
                return curve
        self.curves.append(Curve(label))
        return self.curves[-1]


@dataclass
class Report:
    """Every figure and plot of one run, and the stages' wall times."""

    figures: list[Figure] = field(default_factory=list)
    plots: dict[str, Plot] = field(default_factory=dict)
    stage_seconds: dict[str, float] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)

    def add(self, figure: Figure) -> Figure:
        """Record ``figure`` and print it at once."""
        self.figures.append(figure)
        print("  " + describe(figure), flush=True)
        return figure

    def plot(
        self, name: str, title: str, x_label: str, y_label: str, *, log_x: bool = False
    ) -> Plot:
        """The plot called ``name``, made on first use."""
        if name not in self.plots:
            self.plots[name] = Plot(name, title, x_label, y_label, log_x=log_x)
        return self.plots[name]

    def document(self) -> dict[str, Any]:
        """Everything as one JSON-ready document."""
        return {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "python": host.python_version(),
            "machine": {"cpus": os.cpu_count(), "platform": host.platform()},
            "stage_seconds": {name: round(s, 1) for name, s in self.stage_seconds.items()},
            "notes": self.notes,
            "figures": [
                {
                    **{k: v for k, v in asdict(f).items() if k != "goal"},
                    "ratio": f.ratio,
                    "goal": str(f.goal) if f.goal else None,
                    "met": f.goal.met(f) if f.goal else None,
                }
                for f in self.figures
            ],
            "plots": {name: asdict(plot) for name, plot in self.plots.items()},
        }

    def write(self, folder: Path) -> list[Path]:
        """Write ``results.json``, ``results.md`` and the plots into ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        written = [folder / "results.json", folder / "results.md"]
        written[0].write_text(json.dumps(self.document(), indent=2, ensure_ascii=False) + "\n")
        written[1].write_text(markdown(self))
        written += draw(self, folder)
        return written


def number(value: float | None, unit: str = "") -> str:
    """A figure for people: three significant digits, thousands grouped."""
    if value is None or math.isnan(value):
        return "–"
    if abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.3g}"
    return f"{text} {unit}".strip()


def describe(figure: Figure) -> str:
    """One line: the measure, its value, the baseline and ratio, the goal's verdict."""
    line = f"{figure.stage} · {figure.measure}: {number(figure.value, figure.unit)}"
    if figure.baseline is not None:
        line += f"  (baseline {figure.baseline_name or ''} {number(figure.baseline, figure.unit)}"
        line += f", ratio {number(figure.ratio)})" if figure.ratio is not None else ")"
    if figure.goal:
        met = figure.goal.met(figure)
        line += f"  goal {figure.goal}: {'met' if met else 'NOT met' if met is False else '–'}"
    return line


def markdown(report: Report) -> str:
    """The figures as one Markdown table, with the plots listed after it."""
    lines = [
        "| stage | measure | value | baseline | ratio | goal |",
        "|---|---|---|---|---|---|",
    ]
    for f in report.figures:
        verdict = ""
        if f.goal:
            met = f.goal.met(f)
            verdict = f"{f.goal} {'✅' if met else '❌' if met is False else ''}".strip()
        baseline = ""
        if f.baseline is not None:
            baseline = (
                f"{number(f.baseline, f.unit)} ({f.baseline_name})"
                if f.baseline_name
                else number(f.baseline, f.unit)
            )
        lines.append(
            f"| {f.stage} | {f.measure} | {number(f.value, f.unit)} | {baseline} "
            f"| {number(f.ratio) if f.ratio is not None else ''} | {verdict} |"
        )
    lines.append("")
    if any(f.ratio is not None and f.unit.endswith("/s") for f in report.figures):
        lines.append("![Each stage beside its baseline](ratios.png)")
    for plot in report.plots.values():
        lines.append(f"![{plot.title}]({plot.name}.png)")
    return "\n".join(lines) + "\n"


def draw(report: Report, folder: Path) -> list[Path]:
    """One PNG per plot that has points."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    written = []
    for plot in report.plots.values():
        if not any(curve.points for curve in plot.curves):
            continue
        if any(isinstance(x, str) for curve in plot.curves for x, _ in curve.points):
            figure, axes = bars(plot)
        else:
            figure, axes = pyplot.subplots(figsize=(7, 4), dpi=110)
            for curve in plot.curves:
                xs, ys = zip(*sorted(curve.points), strict=True) if curve.points else ((), ())
                axes.plot(xs, ys, marker="o", label=curve.label)
            axes.set_xlabel(plot.x_label)
            axes.set_ylabel(plot.y_label)
            if plot.log_x:
                axes.set_xscale("log")
        axes.set_title(plot.title)
        axes.grid(True, alpha=0.3)
        axes.legend()
        figure.tight_layout()
        path = folder / f"{plot.name}.png"
        figure.savefig(path, bbox_inches="tight")
        pyplot.close(figure)
        written.append(path)
    rated = [f for f in report.figures if f.ratio is not None and f.unit.endswith("/s")]
    if rated:
        figure, axes = pyplot.subplots(figsize=(8, 0.35 * len(rated) + 1.4), dpi=110)
        labels = [f"{f.stage} · {f.measure}" for f in rated]
        verdicts = [f.goal.met(f) if f.goal else None for f in rated]
        colours = [{True: "#54a24b", False: "#e45756", None: "#4c78a8"}[v] for v in verdicts]
        axes.barh(labels, [f.ratio or 0.0 for f in rated], color=colours)
        axes.axvline(1.0, color="black", linewidth=0.8)
        axes.set_xscale("log")
        axes.invert_yaxis()
        axes.set_xlabel("throughput ÷ its baseline's, same run (log; green: goal met, red: not)")
        axes.set_title("Each stage beside its baseline")
        figure.tight_layout()
        path = folder / "ratios.png"
        figure.savefig(path, bbox_inches="tight")
        pyplot.close(figure)
        written.append(path)
    return written


def bars(plot: Plot) -> tuple[Any, Any]:
    """``plot`` as horizontal bars: one group per name, one bar per curve, in the order
    the names first appear."""
    from matplotlib import pyplot

    names = list(dict.fromkeys(str(x) for curve in plot.curves for x, _ in curve.points))
    height = 0.8 / len(plot.curves)
    figure, axes = pyplot.subplots(figsize=(8, 0.45 * len(names) + 1.4), dpi=110)
    for index, curve in enumerate(plot.curves):
        values = dict(curve.points)
        axes.barh(
            [names.index(str(x)) + index * height for x in values],
            list(values.values()),
            height=height,
            label=curve.label,
        )
    axes.set_yticks([n + 0.4 - height / 2 for n in range(len(names))], names)
    axes.set_xlabel(plot.y_label)  # the values run along the bars
    axes.set_ylabel(plot.x_label)
    axes.invert_yaxis()
    return figure, axes
