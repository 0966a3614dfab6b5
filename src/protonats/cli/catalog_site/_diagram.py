"""The diagram of events and the actors (durable consumers) that read them, drawn as SVG at
build time: events in one column, actors in the other, a curve per subscription. Both
columns are ordered by the mean position of what they link to (``_layout``), which keeps
curves short and rarely crossing with dozens of events; every event box links to its page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ._html import esc

__all__ = ["diagram"]

_ROW = 34
_BOX = 24
_CHAR = 7.4
"""Width of a character of the 12.5 px monospace labels, a little generously."""
_GAP = 220
_PAD = 12


def _width(labels: Sequence[str], minimum: float = 120) -> float:
    return max([minimum, *(len(label) * _CHAR + 24 for label in labels)])


def _mean(found: Sequence[str], at: Mapping[str, int]) -> float:
    return sum(at[x] for x in found) / len(found)


def _layout(
    readers: Mapping[str, Sequence[str]], rounds: int = 4
) -> tuple[list[str], list[str], dict[str, list[str]]]:
    """Events and actors in the order that keeps curves short: each column sorted by the
    mean position of what it is linked to in the other (the barycenter heuristic), a few
    rounds from the events' alphabetical order; events nobody reads come last."""
    events = sorted(readers)
    reads: dict[str, list[str]] = {}
    for event in events:
        for actor in readers[event]:
            reads.setdefault(actor, []).append(event)
    actors = sorted(reads)
    for _ in range(rounds):
        at = {name: i for i, name in enumerate(events)}
        actors.sort(key=lambda a: (_mean(reads[a], at), a))
        at = {name: i for i, name in enumerate(actors)}
        read = sorted((e for e in events if readers[e]), key=lambda e: (_mean(readers[e], at), e))
        events = read + [e for e in events if not readers[e]]
    return events, actors, reads


def diagram(readers: Mapping[str, Sequence[str]], pending: Mapping[tuple[str, str], int]) -> str:
    """An ``<svg>`` of event name -> the actors reading it (``pending``: messages waiting for
    an (event, actor)). Event boxes link to ``events/<name>.html``."""
    events, actors, reads = _layout(readers)
    actor_labels = {a: f"{a} · {sum(pending.get((e, a), 0) for e in reads[a]):,}" for a in actors}
    left = _width(events)
    right = _width(list(actor_labels.values()))
    rows = max(len(events), len(actors), 1)
    height = rows * _ROW + 2 * _PAD + 20
    width = left + _GAP + right + 2 * _PAD
    x_actor = _PAD + left + _GAP

    def y_of(index: int, count: int) -> float:  # the shorter column is centred
        return _PAD + 20 + (rows - count) * _ROW / 2 + index * _ROW

    parts = [
        f'<svg class="diagram" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} '
        f'{height:.0f}" width="{width:.0f}" height="{height:.0f}" role="img" '
        'aria-labelledby="diagram-title">',
        '<title id="diagram-title">Events and the actors that read them</title>',
        f'<text class="col" x="{_PAD}" y="{_PAD + 8}">EVENTS</text>',
        f'<text class="col" x="{x_actor:.0f}" y="{_PAD + 8}">ACTORS · PENDING</text>',
    ]
    # actors spread along the events that are read (those come first), each facing its own
    read = sum(1 for e in events if readers[e])
    if actors and read >= len(actors):
        step = read * _ROW / len(actors)
        top = y_of(0, len(events)) + (step - _ROW) / 2
        actor_y = {a: top + i * step for i, a in enumerate(actors)}
    else:
        actor_y = {a: y_of(i, len(actors)) for i, a in enumerate(actors)}
    for i, event in enumerate(events):
        y = y_of(i, len(events)) + _BOX / 2
        for actor in readers[event]:
            y2 = actor_y[actor] + _BOX / 2
            x1, x2 = _PAD + left, x_actor
            mid = (x1 + x2) / 2
            parts.append(
                f'<path class="edge" data-event="{esc(event)}" data-actor="{esc(actor)}" '
                f'd="M{x1:.0f},{y:.0f} C{mid:.0f},{y:.0f} {mid:.0f},{y2:.0f} {x2:.0f},{y2:.0f}"/>'
            )
    for i, event in enumerate(events):
        y = y_of(i, len(events))
        idle = "" if readers[event] else " idle"
        name = esc(event)
        parts.append(
            f'<a class="node event{idle}" href="events/{name}.html" data-event="{name}">'
            f'<rect x="{_PAD}" y="{y:.0f}" width="{left:.0f}" height="{_BOX}" rx="5"/>'
            f'<text x="{_PAD + 10}" y="{y + 16:.0f}">{esc(event)}</text></a>'
        )
    for actor in actors:
        y = actor_y[actor]
        parts.append(
            f'<g class="node actor" data-actor="{esc(actor)}">'
            f'<rect x="{x_actor:.0f}" y="{y:.0f}" width="{right:.0f}" height="{_BOX}" rx="12"/>'
            f'<text x="{x_actor + 12:.0f}" y="{y + 16:.0f}">{esc(actor_labels[actor])}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)
