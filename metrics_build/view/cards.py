"""The shown form of one metric (a card) and of an in-page link, shared by the page and its events."""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup

from metrics_build.view import status as st
from metrics_build.view import values
from metrics_build.view.images import Image


@dataclass(frozen=True)
class Link:
    """An in-page link: the target's anchor and the text shown."""

    anchor: str
    text: str


@dataclass
class Card(st.Shows):
    """One metric as shown: its header, one kind of body (chart, value, text or images) and links."""

    anchor: str
    name: str
    type: str
    status: int
    importance: str
    description: str = ""
    tags: list[tuple[str, str]] = field(default_factory=list)
    event_metric: bool = False
    chart_id: str = ""
    value: values.Value | None = None
    text: Markup | None = None
    images: list[Image] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    events: list[Link] = field(default_factory=list)


__all__ = ["Card", "Link"]
