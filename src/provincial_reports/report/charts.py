"""SVG charts drawn in Python, so that a report page needs no script and no network to show them.

Each chart is an <svg class="chart"> with a <title> and one labelled mark per figure, so that a
screen reader, a test and an auditor holding the page offline all see the same thing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape

BAR = 17
LABEL_WIDTH = 92
VALUE_WIDTH = 96


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    shown: str  # the value as the page prints it
    link: str = ""
    flagged: bool = False


@dataclass(frozen=True)
class Point:
    label: str
    value: float | None
    note: str = ""  # under the label, e.g. the coverage "30/31"
    flag: str = ""  # what the total holds out or includes under review; drawn as a warning mark
    covered: int = 0  # how many provinces the value covers
    missing: tuple[str, ...] = ()  # the provinces it does not: values compare only where these are the same


COVERAGE_LEGEND = (
    "Hollow points cover fewer provinces than the best-covered period ({label}, {covered} provinces); the line joins "
    "only neighbouring periods whose totals cover the same provinces, the only ones that compare. "
    "空心点：覆盖省份少于覆盖最全的报告期（{label}，{covered}个省份）；仅在覆盖省份相同、合计可比的相邻报告期之间连线。"
)


def bar_chart(title: str, bars: list[Bar], width: int = 460) -> str:
    """Horizontal bars, largest first; flagged bars are drawn in the warning colour."""
    if not bars:
        return _empty(title, width)
    top = max(b.value for b in bars) or 1.0
    room = width - LABEL_WIDTH - VALUE_WIDTH
    height = BAR * len(bars) + 8
    marks = []
    for i, bar in enumerate(sorted(bars, key=lambda b: -b.value)):
        y = 4 + i * BAR
        length = max(1.0, room * bar.value / top)
        css = "bar flagged" if bar.flagged else "bar"
        mark = (
            _text(LABEL_WIDTH - 6, y + 12, "end", "label", bar.label)
            + f'<rect x="{LABEL_WIDTH}" y="{y + 2}" width="{length:.1f}" height="{BAR - 5}" class="{css}">'
            + f"<title>{escape(bar.label)}: {escape(bar.shown)}</title></rect>"
            + _text(LABEL_WIDTH + length + 4, y + 12, "start", "value", bar.shown)
        )
        marks.append(f'<a href="{escape(bar.link)}">{mark}</a>' if bar.link else mark)
    return _svg(title, width, height, "".join(marks))


def line_chart(title: str, points: list[Point], shown: Callable[[float], str], width: int = 460) -> str:
    """The national figure across periods. A period nobody covered is a gap, not a zero; totals
    that cover different provinces are not comparable, so the line joins only neighbours of the same
    coverage, and a point covering fewer provinces than the best-covered period is hollow
    (`coverage_legend` says so under the chart). A point whose total holds out or includes figures
    under review is drawn in the warning colour, its value marked ⚑ and the reason in its tooltip."""
    known = [p.value for p in points if p.value is not None]
    if not known:
        return _empty(title, width)
    height, left, right, top, bottom = 170, 16, 16, 22, 40
    step = (width - left - right) / max(1, len(points) - 1) if len(points) > 1 else 0
    high = max(known) or 1.0
    best = max((p for p in points if p.value is not None), key=lambda p: p.covered)

    def xy(i: int, value: float) -> tuple[float, float]:
        x = left + (i * step if len(points) > 1 else (width - left - right) / 2)
        return x, top + (height - top - bottom) * (1 - value / high)

    base = height - bottom
    marks = [f'<line x1="{left}" x2="{width - right}" y1="{base}" y2="{base}" class="axis"/>']
    for run in comparable_runs(points):
        path = " ".join(
            f"{'M' if n == 0 else 'L'}{x:.1f},{y:.1f}" for n, (x, y) in enumerate(xy(i, p.value) for i, p in run)
        )
        marks.append(f'<path d="{path}" class="trend"/>')
    for i, point in enumerate(points):
        x, _ = xy(i, 0)
        marks.append(_text(x, base + 15, _anchor(i, len(points)), "label", point.label))
        marks.append(_text(x, base + 29, _anchor(i, len(points)), "note", point.note))
    for i, point in enumerate(points):
        if point.value is not None:
            x, y = xy(i, point.value)
            said = shown(point.value) + (" ⚑" if point.flag else "")
            marks.append(_dot(x, y, point, said, best) + _text(x, y - 8, _anchor(i, len(points)), "value", said))
    return _svg(title, width, height, "".join(marks))


def comparable_runs(points: list[Point]) -> list[list[tuple[int, Point]]]:
    """The runs of neighbouring periods with a figure and the same provinces covered, two or more
    long: what the trend line may join."""
    runs: list[list[tuple[int, Point]]] = []
    for i, point in enumerate(points):
        if point.value is None:
            continue
        previous = runs[-1][-1] if runs else None
        if previous and previous[0] == i - 1 and previous[1].missing == point.missing:
            runs[-1].append((i, point))
        else:
            runs.append([(i, point)])
    return [run for run in runs if len(run) > 1]


def _dot(x: float, y: float, point: Point, said: str, best: Point) -> str:
    """A period's mark: hollow when it covers fewer provinces than `best`, in the warning colour when
    flagged; the tooltip says why."""
    partial = point.covered < best.covered
    why = "; ".join(
        text
        for text in (point.flag, f"covers {point.covered} provinces, fewer than {best.label}" if partial else "")
        if text
    )
    tip = f"{point.label}: {said}" + (f" ({why})" if why else "")
    css = "dot" + (" partial" if partial else "") + (" flagged" if point.flag else "")
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" class="{css}"><title>{escape(tip)}</title></circle>'


def coverage_legend(points: list[Point]) -> str:
    """Under a trend whose periods cover different provinces: what the hollow points and the breaks
    in the line mean (our own wording); empty when every period covers the same provinces."""
    known = [p for p in points if p.value is not None]
    if len({p.missing for p in known}) < 2:
        return ""
    best = max(known, key=lambda p: p.covered)
    return COVERAGE_LEGEND.format(label=best.label, covered=best.covered)


def _anchor(i: int, count: int) -> str:
    """The first and last labels of a trend lean inwards, so that neither is cut at the edge."""
    if count > 1 and i == 0:
        return "start"
    return "end" if count > 1 and i == count - 1 else "middle"


def _text(x: float, y: float, anchor: str, css: str, text: str) -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" class="{css}">{escape(text)}</text>'


def _svg(title: str, width: int, height: int, body: str) -> str:
    return (
        f'<svg class="chart" role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>{body}</svg>'
    )


def _empty(title: str, width: int) -> str:
    return _svg(title, width, 40, '<text x="8" y="24" class="note">no figures reported (无数据)</text>')
