"""The guide as one self-contained, printable HTML page (Jinja2, everything escaped)."""

from __future__ import annotations

from importlib import resources

import jinja2
from markupsafe import Markup

from dialogkit_phone_script.guide.parts import Guide
from dialogkit_phone_script.guide.wording import flatten, paragraphs

__all__ = ["render_html"]

_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.PackageLoader("dialogkit_phone_script.guide", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENVIRONMENT.filters["paragraphs"] = paragraphs
_ENVIRONMENT.filters["flatten"] = flatten


def render_html(guide: Guide) -> str:
    """The guide as an HTML document with its stylesheet inline (for screen and print)."""
    css = resources.files(__package__).joinpath("guide.css").read_text(encoding="utf-8")
    template = _ENVIRONMENT.get_template("guide.html")
    return template.render(guide=guide, css=Markup(css))  # the stylesheet is our own file
