"""The benchmark report: ratios, goals, the Markdown table and the files written."""

from __future__ import annotations

import json
from pathlib import Path

from bench.report import Figure, Goal, Report, bars, markdown


def test_ratio_and_goals() -> None:
    relay = Figure(
        "relay", "events/s", 800, "ev/s", 1000, "bare producer", Goal(">=", 0.8, "ratio")
    )
    slow = Figure("relay", "events/s", 700, "ev/s", 1000, "bare producer", Goal(">=", 0.8, "ratio"))
    latency = Figure("end to end", "p99", 300, "ms", goal=Goal("<=", 250))
    assert relay.ratio == 0.8 and relay.goal and relay.goal.met(relay) is True
    assert slow.goal and slow.goal.met(slow) is False
    assert latency.ratio is None and latency.goal and latency.goal.met(latency) is False
    assert str(Goal(">=", 0.8, "ratio")) == "≥ 80% of baseline"


def test_markdown_has_one_row_per_figure_with_its_verdict() -> None:
    report = Report()
    report.add(
        Figure("domain", "1 writer", 900, "ev/s", 1000, "bare library", Goal(">=", 0.8, "ratio"))
    )
    report.add(Figure("growth", "rebuild 1M", 42.5, "s"))
    rows = [line for line in markdown(report).splitlines() if line.startswith("| ")][1:]
    assert rows == [
        "| domain | 1 writer | 900 ev/s | 1,000 ev/s (bare library) | 0.9 | ≥ 80% of baseline ✅ |",
        "| growth | rebuild 1M | 42.5 s |  |  |  |",
    ]


def test_write_saves_json_markdown_and_plots(tmp_path: Path) -> None:
    report = Report()
    report.add(Figure("relay", "events/s", 800, "ev/s", 1000, "bare producer"))
    plot = report.plot("e2e", "Command → public view", "offered ev/s", "ms")
    plot.curve("p99").points += [(50, 40.0), (200, 60.0)]
    report.plot("empty", "nothing measured", "x", "y")
    written = {path.name for path in report.write(tmp_path)}
    assert written == {"results.json", "results.md", "e2e.png", "ratios.png"}
    document = json.loads((tmp_path / "results.json").read_text())
    assert document["figures"][0]["ratio"] == 0.8
    assert (tmp_path / "e2e.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_plot_of_named_things_is_drawn_as_bars(tmp_path: Path) -> None:
    """Names on x (consumers, say) give one bar per curve and name, not a line."""
    report = Report()
    plot = report.plot("consumers", "Each consumer's rate", "consumer", "events/s")
    plot.curve("rebuild").points += [("relay", 5000.0), ("exporter", 3000.0)]
    plot.curve("bare").points += [("relay", 9000.0), ("exporter", 9000.0)]
    report.write(tmp_path)
    assert (tmp_path / "consumers.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    _, axes = bars(plot)
    assert [t.get_text() for t in axes.get_yticklabels()] == ["relay", "exporter"]
    assert len(axes.patches) == 4
    assert axes.get_xlabel() == "events/s"
