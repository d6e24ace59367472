"""Placeholder: the follow-up PDF (replaced below)."""
def render_follow_up_pdf(con, path, figs, show_phi=False):
    return {"pages": 0, "seconds": 0}
