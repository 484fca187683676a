"""The interviewer's printed script: any compiled script as a guide for a telephone interview
(read-aloud text, instructions, answer codes, probes and every branch in words), rendered as
Markdown, as a printable HTML page, or as PDF through headless Chromium."""

from dialogkit_phone_script.guide.html import render_html
from dialogkit_phone_script.guide.markdown import render_markdown
from dialogkit_phone_script.guide.outline import build_guide
from dialogkit_phone_script.guide.pdf import PdfError, render_pdf

__all__ = ["PdfError", "build_guide", "render_html", "render_markdown", "render_pdf"]
