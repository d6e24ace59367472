"""Report stage: the PDF report and the billers' worklist, read from a checked and prioritized database
(the report never writes findings or recommendations).

    render_pdf(con, out_pdf, show_phi=False)  -> {'pages': n, 'seconds': t}
    write_worklist(con, out_xlsx, show_phi=False) -> rows written
"""
from .pdf import render_pdf
from .worklist import write_worklist

__all__ = ["render_pdf", "write_worklist"]
