"""A server-rendered Gantt chart (SVG, no JavaScript): one bar per task from start to deadline, filled to
its progress, coloured by status, with milestones as diamonds, month ticks and a line for today."""
from __future__ import annotations

import datetime
from html import escape

from django.utils.safestring import mark_safe

LABEL_WIDTH = 300
CHART_WIDTH = 760
ROW_HEIGHT = 26
HEADER = 30
COLOURS = {
    "done": "#1a7f37", "done_late": "#8a6d00", "overdue": "#b71c1c", "stalled": "#c2410c",
    "in_progress": "#0b57d0", "not_started": "#98a2b3",
}


def _months(first: datetime.date, last: datetime.date):
    day = first.replace(day=1)
    while day <= last:
        yield day
        day = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def render(rows: list[dict], milestones: dict, today: datetime.date) -> str:
    if not rows:
        return ""
    days = [r["task"].start_on for r in rows] + [r["task"].deadline for r in rows]
    days += [m.due_on for items in milestones.values() for m in items]
    first, last = min(days), max(days)
    span = max((last - first).days, 1)

    def x(day: datetime.date) -> float:
        return LABEL_WIDTH + (day - first).days / span * CHART_WIDTH

    height = HEADER + ROW_HEIGHT * len(rows) + 10
    width = LABEL_WIDTH + CHART_WIDTH + 20
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="gantt" role="img" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="system-ui, sans-serif" font-size="12">']
    months = list(_months(first, last))
    step = max(1, len(months) // 12)
    for index, month in enumerate(months):
        if month < first:
            continue
        mx = x(month)
        parts.append(f'<line x1="{mx:.1f}" y1="{HEADER - 6}" x2="{mx:.1f}" y2="{height}" stroke="#e4e7ec"/>')
        if index % step == 0:
            parts.append(f'<text x="{mx + 2:.1f}" y="{HEADER - 10}" fill="#667085">{month:%m/%Y}</text>')
    for index, row in enumerate(rows):
        task, state = row["task"], row["state"]
        y = HEADER + index * ROW_HEIGHT
        label = escape(("  " * row["level"]) + task.title[:60])
        parts.append(f'<text x="{4 + 12 * row["level"]}" y="{y + 17}" fill="#1f2328">{label[:70]}</text>')
        bx, bw = x(task.start_on), max(x(task.deadline) - x(task.start_on), 3)
        colour = COLOURS.get(state.status, "#0b57d0")
        fill = bw * float(state.progress) / 100
        title = escape(f"{task.title} · {task.start_on:%d/%m/%Y}–{task.deadline:%d/%m/%Y} · {state.progress}%")
        parts.append(f'<g><title>{title}</title>'
                     f'<rect x="{bx:.1f}" y="{y + 6}" width="{bw:.1f}" height="14" rx="3" fill="{colour}" '
                     f'fill-opacity="0.25" stroke="{colour}"/>'
                     f'<rect x="{bx:.1f}" y="{y + 6}" width="{fill:.1f}" height="14" rx="3" fill="{colour}"/></g>')
        for milestone in milestones.get(task.pk, []):
            mx, my = x(milestone.due_on), y + 13
            tip = escape(f"{milestone.title} · {milestone.due_on:%d/%m/%Y}")
            parts.append(f'<g class="milestone"><title>{tip}</title><polygon points="{mx:.1f},{my - 7} {mx + 6:.1f},{my} '
                         f'{mx:.1f},{my + 7} {mx - 6:.1f},{my}" fill="#1f2328"/></g>')
    if first <= today <= last:
        tx = x(today)
        parts.append(f'<line x1="{tx:.1f}" y1="{HEADER - 6}" x2="{tx:.1f}" y2="{height}" stroke="#b71c1c" '
                     f'stroke-dasharray="4 3"/>')
    parts.append("</svg>")
    return mark_safe("".join(parts))
