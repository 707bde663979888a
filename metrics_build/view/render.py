"""HTML out of the page model: Jinja2 templates with autoescaping, plotly.js and the page script
inlined, a Content-Security-Policy that allows exactly those two scripts (by hash), and chart data as
JSON that cannot close its <script> element."""

from __future__ import annotations

import base64
import functools
import hashlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import orjson
from markupsafe import Markup

from metrics_build import __version__
from metrics_build.errors import InputError
from metrics_build.view import status as st
from metrics_build.view.page import Figures, Section


@dataclass(frozen=True)
class TestRow:
    """One test of a batch overview."""

    name: str
    label: str
    css: str
    why: str = ""
    href: str = ""
    log_href: str = ""


@dataclass
class Overview:
    """The top of a batch page: counts per outcome and a row per test."""

    counts: list[tuple[str, str, int]]
    rows: list[TestRow]
    notes: list[str] = field(default_factory=list)


@functools.cache
def plotly_js() -> str:
    """plotly.js from the installed `plotly` package (the minified bundle it ships)."""
    from plotly.offline import get_plotlyjs

    # It holds no "</script"; if a future bundle did, the page would break, so make sure.
    return str(get_plotlyjs()).replace("</script", "<\\/script")


@functools.cache
def _asset(name: str) -> str:
    return resources.files("metrics_build.view").joinpath("static").joinpath(name).read_text(encoding="utf-8")


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("metrics_build.view", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True)
    env.filters["status_label"] = st.label
    env.filters["status_css"] = st.css
    return env


def _source_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def _default(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot put {type(value).__name__} in a figure")


def script_json(value: Any) -> str:
    """JSON safe inside <script type="application/json">: no '<', '>' or '&' appear raw, so no
    "</script>" or "<!--" can end or bend the element; NaN and infinities become null."""
    raw = orjson.dumps(value, default=_default, option=orjson.OPT_SERIALIZE_NUMPY)
    return (raw.replace(b"<", b"\\u003c").replace(b">", b"\\u003e").replace(b"&", b"\\u0026")
            .replace("\u2028".encode(), b"\\u2028").replace("\u2029".encode(), b"\\u2029").decode("utf-8"))


def render_page(title: str, sections: Sequence[Section], figures: Figures, *, overview: Overview | None = None,
                back: tuple[str, str] | None = None) -> str:
    """The whole HTML document.

    Args:
        title: the page title.
        sections: one per metrics file, in order.
        figures: the charts the sections refer to.
        overview: a batch overview shown before the sections.
        back: (href, text) of a link shown above the title.
    """
    view_js = _asset("view.js")
    scripts = [view_js]
    plotly = plotly_js() if figures.figures else ""
    if plotly:
        scripts.insert(0, plotly)
    # No 'unsafe-inline' for scripts: only these exact two run, so injected markup could not run code
    # even if escaping failed. Plotly adds <style> elements as it draws, hence inline styles.
    csp = ("default-src 'none'; script-src " + " ".join(_source_hash(s) for s in scripts)
           + "; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'")
    template = _environment().get_template("page.html.j2")
    return template.render(
        title=title, sections=sections, overview=overview, back=back, csp=csp, version=__version__,
        css=Markup(_asset("view.css")), plotly_js=Markup(plotly), view_js=Markup(view_js),
        figures_json=Markup(script_json(figures.figures)),
    )


def write_page(path: Path, html: str) -> None:
    """Write `html` to `path` atomically (a reader sees the old page or the new one, never half).

    Raises:
        InputError: the directory does not exist or cannot be written.
    """
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or type(exc).__name__}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(html)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise InputError(f"cannot write {path}: {exc.strerror or type(exc).__name__}") from None
