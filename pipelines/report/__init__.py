"""Report stage: prioritization, the PDF report and the billers' worklist.

    prioritize(con)                           -> creates/replaces `recommendations`, sets findings.priority_rank
    render_pdf(con, out_pdf, show_phi=False)  -> {'pages': n, 'seconds': t}
    write_worklist(con, out_xlsx, show_phi=False) -> rows written
"""
from .pdf import render_pdf
from .prioritize import prioritize
from .worklist import write_worklist

__all__ = ["prioritize", "render_pdf", "write_worklist"]
