"""PDF from a Django template, through WeasyPrint (the one PDF writer, like core/excel.py for Excel).

The template is plain HTML with its own print CSS (templates/pdf/base.html); text is set in Debian's
fonts-noto-cjk ("Noto Sans CJK SC"), which must be installed on the server (docs/operator.md). No URL is
fetched while rendering: the template carries its CSS inline and the URL fetcher refuses everything.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.encoding import escape_uri_path

PDF_MIME = "application/pdf"


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"PDF rendering fetches nothing: {url[:80]}")


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported here: loading Pango takes a moment, only PDF views need it

    return bytes(HTML(string=html, url_fetcher=_no_fetch, base_url="about:blank").write_pdf())


def render_pdf(template: str, context: dict[str, Any], request: HttpRequest | None = None) -> bytes:
    return html_to_pdf(render_to_string(template, context, request=request))


def pdf_response(template: str, context: dict[str, Any], filename: str, request: HttpRequest) -> HttpResponse:
    response = HttpResponse(render_pdf(template, context, request), content_type=PDF_MIME)
    # inline: the browser shows it (and offers to save or print it) instead of only downloading it
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{escape_uri_path(filename)}"
    return response
