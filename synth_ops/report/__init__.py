"""Human-readable pages of a run: the HTML report, the model card and the catalog.

Every page is self-contained and opens offline: inline styles, inline SVG
charts and no scripts.
"""

from synth_ops.report.catalog_page import render_catalog
from synth_ops.report.formatting import format_number
from synth_ops.report.model_card import render_model_card
from synth_ops.report.report import render_report
from synth_ops.report.view import ReportView

__all__ = ["ReportView", "format_number", "render_catalog", "render_model_card", "render_report"]
