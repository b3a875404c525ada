"""The one way the project lays HTML out as PDF (the results report, the synopsis): xhtml2pdf,
pure Python on ReportLab. It may read the fonts and nothing else: no network, no other file."""

import io
from importlib.util import find_spec
from pathlib import Path


class PdfError(RuntimeError):
    """The PDF could not be made."""


def font_dir() -> Path:
    """Bitstream Vera, shipped with ReportLab: unlike the PDF's built-in Helvetica it draws
    the minus sign, ½ and Central European letters (Ł, Č, ő)."""
    return Path(find_spec("reportlab").origin).resolve().parent / "fonts"


def html_to_pdf(html: str) -> bytes:
    # Imported when a PDF is made, for memory: xhtml2pdf and ReportLab add about 50 MB to a
    # process, and every web and worker process imports this module (the exports, through
    # the URLs' views and the tasks) while few ever make a PDF.
    from xhtml2pdf import pisa
    from xhtml2pdf.config.resources import ResourceAccessPolicy

    out = io.BytesIO()
    policy = ResourceAccessPolicy.server(base_dir=font_dir(), allow_remote=False)
    status = pisa.CreatePDF(html, dest=out, encoding="utf-8", resource_policy=policy)
    if status.err:
        raise PdfError(f"The PDF could not be made ({status.err} error(s)).")
    return out.getvalue()
