"""What reading one input file produced: counts that reconcile (seen = loaded + rejected, and for an
export rows read = loaded + rejected + skipped) and the problems found, each with its place in the file."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Issue:
    place: str          # 'segment 123 (CLP)', 'row 17', 'sheet Visits'
    reason: str
    severity: str = "error"   # error: data not loaded; warning: loaded anyway; info: how it was read


@dataclass
class FileResult:
    source_file: str
    kind: str                       # 837P | 835 | visits | plans_of_care | authorizations | unknown
    status: str = "loaded"          # loaded | partial | rejected | duplicate | skipped
    claims_loaded: int = 0          # 837P CLM / 835 CLP
    claims_rejected: int = 0
    lines_loaded: int = 0           # 837P SV1 / 835 SVC / export rows
    lines_rejected: int = 0
    lines_skipped: int = 0          # export rows that are not data: totals, page headers, notes, void rows
    segments: int = 0               # X12 segments read (for the benchmark and the log)
    message: str = ""
    issues: list[Issue] = field(default_factory=list)
    file_id: str | None = None

    def finish(self) -> "FileResult":
        """Derive status and a one-line message from the counts when the reader did not set them."""
        errors = [i for i in self.issues if i.severity == "error"]
        loaded = self.claims_loaded + self.lines_loaded
        if self.status == "loaded":
            if loaded == 0 and errors:
                self.status = "rejected"
            elif self.claims_rejected or self.lines_rejected or errors:
                self.status = "partial"
        if not self.message:
            if self.status == "rejected" and errors:
                self.message = f"{errors[0].place}: {errors[0].reason}"
            else:
                bits = []
                if self.kind in ("837P", "835"):
                    bits.append(f"{self.claims_loaded} claims, {self.lines_loaded} lines loaded")
                else:
                    bits.append(f"{self.lines_loaded} rows loaded")
                if self.claims_rejected or self.lines_rejected:
                    bits.append(f"{self.claims_rejected} claims, {self.lines_rejected} lines/rows rejected")
                if self.lines_skipped:
                    bits.append(f"{self.lines_skipped} rows skipped (totals, page headers, notes or void rows)")
                if errors:
                    bits.append(f"first problem at {errors[0].place}: {errors[0].reason}")
                warnings = [i for i in self.issues if i.severity == "warning"]
                if warnings:
                    bits.append(f"{len(warnings)} warning(s), first at {warnings[0].place}: {warnings[0].reason}")
                self.message = "; ".join(bits)
        return self
