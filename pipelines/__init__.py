"""rcm-audit: revenue-cycle audit of an OT practice's billing files.

Pipeline: ingest (pipelines.ingest) -> stage (sql/staging) -> check (sql/rules, pipelines.checks)
-> prioritize and report (pipelines.report).
"""
__version__ = "0.1.0"
