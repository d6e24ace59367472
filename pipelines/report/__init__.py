"""Report stage: the PDF report, the billers' worklist and the analyst's assumptions.csv, read from a
staged, checked and prioritized database (the report never writes findings or recommendations).

    render_pdf(con, out_pdf, show_phi=False)      -> {'pages': n, 'seconds': t}
    write_worklist(con, out_xlsx, show_phi=False) -> open items written (first sheet)
    write_assumptions_csv(con, out_csv)           -> rows written
"""
from .data import write_assumptions_csv
from .pdf import render_pdf
from .worklist import write_worklist

__all__ = ["render_pdf", "write_assumptions_csv", "write_worklist"]
