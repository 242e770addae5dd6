"""The one table of `make bench`: every benchmark's headline figures, targets and ratios.

    BENCH_SUMMARY=bench/.data/summary.jsonl .venv/bin/python bench/summary.py

Reads the JSON lines the benchmarks appended through harness.record() (the file
named by BENCH_SUMMARY, or the first argument) and prints them in the order
they ran: benchmark | measure | value | target | ratio | verdict, with the
machine and the date. The verdict is "ok" when the figure meets its target,
"over" when a ceiling (≤) is missed, "under" when a floor (≥) is missed, and
"—" when the figure has no target. Exits non-zero when the file is missing or
holds no figures (a run that measured nothing must not look fine), never
because a target is missed: the verdict column says that.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from harness import machine, table


def number(value: float, unit: str) -> str:
    if unit == "count" or abs(value) >= 1000 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:.2f}" if unit == "×" else f"{value:,.1f}"


def with_unit(value: float, unit: str) -> str:
    text = number(value, unit)
    if unit == "count":
        return text
    return f"{text}{unit}" if unit in ("×", "/s") else f"{text} {unit}"


def meets(value: float, target: float, direction: str) -> bool:
    return value >= target if direction == "≥" else value <= target


def row(figure: dict[str, Any]) -> tuple[str, ...]:
    value, unit = float(figure["value"]), str(figure["unit"])
    target, direction = figure.get("target"), figure.get("direction") or "≤"
    ratio, ratio_target = figure.get("ratio"), figure.get("ratio_target")
    targets: list[str] = []
    verdict = "—"
    if target is not None:
        limit = with_unit(float(target), unit)
        targets.append(f"= {limit}" if target == 0 and direction == "≤" else f"{direction} {limit}")
        if meets(value, float(target), direction):
            verdict = "ok"
        else:
            verdict = "under" if direction == "≥" else "over"
    if ratio_target is not None and ratio is not None:
        targets.append(f"≤ {float(ratio_target):g}× SQL")
        if float(ratio) > float(ratio_target):
            verdict = "over"
        elif verdict == "—":
            verdict = "ok"
    return (
        str(figure["benchmark"]),
        str(figure["measure"]),
        with_unit(value, unit),
        ", ".join(targets) or "—",
        "—" if ratio is None else f"{float(ratio):.2f}",
        verdict,
    )


def read(path: Path) -> list[dict[str, Any]]:
    figures = []
    for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not text.strip():
            continue
        try:
            figure = json.loads(text)
            float(figure["value"])
        except (ValueError, KeyError, TypeError) as error:
            raise SystemExit(f"{path}:{n}: not a figure of harness.record(): {error}") from None
        figures.append(figure)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", nargs="?", default=os.environ.get("BENCH_SUMMARY", ""))
    args = parser.parse_args()
    if not args.path:
        raise SystemExit("Name the figures file: BENCH_SUMMARY=... or an argument.")
    path = Path(args.path)
    if not path.is_file():
        raise SystemExit(f"No figures: {path} does not exist (did the benchmarks run?).")
    figures = read(path)
    if not figures:
        raise SystemExit(f"No figures in {path}: the benchmarks measured nothing.")
    times = sorted(str(f.get("at", "")) for f in figures if f.get("at"))
    when = f"{times[0]} to {times[-1]} (UTC)" if times else "unknown"
    rows = [row(f) for f in figures]
    missed = sum(r[-1] in ("over", "under") for r in rows)
    benchmarks = len({r[0] for r in rows})
    print(f"Summary of {len(rows)} figures from {benchmarks} benchmarks; {machine()}")
    print(f"Run {when}")
    print(table(rows, ("benchmark", "measure", "value", "target", "ratio", "verdict")))
    checked = sum(r[-1] != "—" for r in rows)
    print(f"{checked - missed} of {checked} targets met; ratio = ours / hand-written SQL.")


if __name__ == "__main__":
    main()
