"""Reliability on the file-system side, through the command line.

Output: an output folder that cannot be written — `-o` below a regular file, an existing file where the
folder should be, no permission, a full disk — is one line and exit 2, no traceback, and (where it can be
checked up front) before any work: no database is created. With --show-phi every output is 0600, even under
umask 000; the database always is.

Input: symbolic links in the input folder are followed once (a link to a file outside is read; a link to a
folder is walked, never twice: no loop), or logged as skipped with the reason (a dangling link, a link loop,
a link back to a folder already read), like a named pipe — never silently left out, never hanging."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from hostile_inputs import phi_835, phi_837
from pipelines.ingest import discover, ingest_paths
from pipelines.warehouse import connect

OUTPUTS = ("audit-report.pdf", "findings.csv", "worklist.xlsx", "ingest-log.csv", "audit.duckdb")


def rcm_audit(*args: str, umask: int | None = None) -> subprocess.CompletedProcess:
    def preexec():
        if umask is not None:
            os.umask(umask)
    return subprocess.run([sys.executable, "-m", "pipelines.cli", *args], capture_output=True, text=True,
                          timeout=600, preexec_fn=preexec)


@pytest.fixture
def input_folder(tmp_path):
    """A small valid input: one 837P and its 835."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "claims.837").write_text(phi_837())
    (folder / "remits.835").write_text(phi_835())
    return folder


def assert_one_line_exit_2(run: subprocess.CompletedProcess, *words: str) -> str:
    assert run.returncode == 2, run.stdout + run.stderr
    lines = [ln for ln in run.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


# --- the output folder ------------------------------------------------------------------------------

def test_output_below_a_regular_file(input_folder, tmp_path):
    blocker = tmp_path / "report.txt"
    blocker.write_text("not a folder")
    run = rcm_audit("audit", str(input_folder), "-o", str(blocker / "out"))
    assert_one_line_exit_2(run, "report.txt is a file, not a folder")
    assert run.stdout == ""                                      # nothing was read: checked up front


def test_output_is_an_existing_file(input_folder, tmp_path):
    target = tmp_path / "audit-out"
    target.write_text("a file")
    run = rcm_audit("audit", str(input_folder), "-o", str(target))
    assert_one_line_exit_2(run, "it is a file, not a folder")
    assert target.read_text() == "a file"


def test_an_output_name_taken_by_a_folder(input_folder, tmp_path):
    out = tmp_path / "out"
    (out / "findings.csv").mkdir(parents=True)
    run = rcm_audit("audit", str(input_folder), "-o", str(out))
    assert_one_line_exit_2(run, "cannot write findings.csv")
    assert not (out / "audit.duckdb").exists()


def test_output_folder_without_permission(input_folder, tmp_path):
    if os.geteuid() == 0:          # root writes anywhere a mode allows nothing: use a place the kernel refuses
        if not Path("/sys/kernel").is_dir():
            pytest.skip("needs /sys to test permissions as root")
        cases = [("/sys/kernel", "permission denied"), ("/sys/rcm-audit-test/out", "operation not permitted")]
    else:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        cases = [(str(locked), "permission denied"), (str(locked / "out"), "permission denied")]
    for out, why in cases:
        run = rcm_audit("audit", str(input_folder), "-o", out)
        assert_one_line_exit_2(run, why)


def test_a_full_disk_is_one_line(input_folder, tmp_path):
    """The disk fills while the outputs are written (an output that is a link to /dev/full: every write
    fails with ENOSPC, as on a full disk)."""
    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full")
    out = tmp_path / "out"
    out.mkdir()
    (out / "ingest-log.csv").symlink_to("/dev/full")
    run = rcm_audit("audit", str(input_folder), "-o", str(out))
    assert_one_line_exit_2(run, "no space left on the device")


def test_other_commands_check_their_output_too(input_folder, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert_one_line_exit_2(rcm_audit("ingest", str(input_folder), "--db", str(blocker / "a.duckdb")),
                           "is a file, not a folder")
    db = tmp_path / "ok" / "a.duckdb"
    assert rcm_audit("ingest", str(input_folder), "--db", str(db)).returncode == 0
    assert rcm_audit("check", "--db", str(db)).returncode == 0
    assert_one_line_exit_2(rcm_audit("report", "--db", str(db), "-o", str(blocker / "r.pdf")), "is a file")


# --- private outputs --------------------------------------------------------------------------------

def test_show_phi_outputs_are_0600_even_under_umask_000(input_folder, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "findings.csv").write_text("an old run's file, world-readable")
    (out / "findings.csv").chmod(0o644)
    run = rcm_audit("audit", str(input_folder), "-o", str(out), "--show-phi", umask=0)
    assert run.returncode == 0, run.stderr
    for name in OUTPUTS:
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o600, name


def test_without_show_phi_the_database_is_still_0600(input_folder, tmp_path):
    out = tmp_path / "out"
    run = rcm_audit("audit", str(input_folder), "-o", str(out), umask=0)
    assert run.returncode == 0, run.stderr
    assert stat.S_IMODE((out / "audit.duckdb").stat().st_mode) == 0o600
    assert stat.S_IMODE((out / "findings.csv").stat().st_mode) == 0o666      # no PHI in it: the umask's


# --- symbolic links in the input ----------------------------------------------------------------------

@pytest.fixture
def linked_folder(tmp_path):
    """An input folder with a file, a link to a file outside it, a link to a folder outside it, a link back
    to the folder itself (a loop through folders), two links pointing at each other, a dangling link and a
    named pipe."""
    outside = tmp_path / "outside"
    (outside / "more").mkdir(parents=True)
    (outside / "remits.835").write_text(phi_835())
    (outside / "more" / "other.837").write_text(phi_837().replace("CLM00", "OUT00"))
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "claims.837").write_text(phi_837())
    (folder / "remits_link.835").symlink_to(outside / "remits.835")
    (folder / "outside_dir").symlink_to(outside / "more")
    (folder / "sub" / "up").symlink_to(folder)
    (folder / "loop_a").symlink_to(folder / "loop_b")
    (folder / "loop_b").symlink_to(folder / "loop_a")
    (folder / "dangling.837").symlink_to(tmp_path / "gone.837")
    os.mkfifo(folder / "pipe.835")
    return folder


def test_symlinks_are_followed_once_or_logged_as_skipped(linked_folder):
    con = connect(":memory:")
    results = {r.source_file: r for r in ingest_paths(con, [linked_folder])}
    assert {k: (r.kind, r.status) for k, r in results.items()} == {
        "claims.837": ("837P", "loaded"),
        "remits_link.835": ("835", "loaded"),                 # a link to a file outside: read
        "outside_dir/other.837": ("837P", "loaded"),          # a link to a folder outside: walked
        "dangling.837": ("link", "skipped"),
        "loop_a": ("link", "skipped"),
        "loop_b": ("link", "skipped"),
        "sub/up": ("link", "skipped"),                         # back to the input folder: not walked again
        "pipe.835": ("unknown", "skipped"),
    }
    assert "does not exist" in results["dangling.837"].message
    assert "loop" in results["loop_a"].message
    assert "already read" in results["sub/up"].message
    assert "named pipe" in results["pipe.835"].message
    logged = dict(con.execute("select source_file, status from ingest_log").fetchall())
    assert logged == {k: r.status for k, r in results.items()}         # every one has its ingest-log row
    assert con.execute("select count(*) from claims").fetchone()[0] == 4


def test_discover_lists_every_entry_once_in_path_order(linked_folder):
    found = [p.relative_to(root).as_posix() for p, root in discover([linked_folder])]
    assert found == sorted(found, key=lambda s: s.split("/"))
    assert len(found) == len(set(found)) == 8
