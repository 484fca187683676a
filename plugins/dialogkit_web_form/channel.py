"""The web channel adapter: a prompt as the HTML of its form controls, a posted form body
(``application/x-www-form-urlencoded``) as a reply."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

import jinja2

from dialogkit.channels import Reply
from dialogkit.engine import Prompt
from dialogkit_web_form.forms import reply_from_form, values_from_answer
from dialogkit_web_form.messages import field_label, translator

_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("dialogkit_web_form", "templates"),
    autoescape=True, undefined=jinja2.StrictUndefined,
)


class WebFormChannel:
    """Renders prompts as HTML form controls and parses posted forms (see
    `dialogkit_web_form.forms` for the field names)."""

    name = "web"

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        self.config = dict(config or {})
        self.language = str(self.config.get("language", "en"))

    def render(self, prompt: Prompt) -> str:
        """The prompt's controls as an HTML fragment (everything from the script and the
        respondent escaped), filled in with the earlier answer if there is one."""
        return _TEMPLATES.get_template("fields.html").render(
            prompt=prompt, values=values_from_answer(prompt, self.language), error=None,
            error_field=None,
            t=translator(self.language),
            field_label=functools.partial(field_label, self.language))

    def parse(self, prompt: Prompt, reply: str) -> Reply:
        """A urlencoded form body as a `Reply`."""
        return reply_from_form(prompt, parse_qs(reply, keep_blank_values=True))
