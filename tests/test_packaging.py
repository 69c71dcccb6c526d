"""``pip install .`` ships the whole addon into the ``odoo.addons`` namespace."""

import ast
import pathlib
import subprocess
import sys
import zipfile

REPO = pathlib.Path(__file__).resolve().parent.parent


def test_wheel_contains_every_file_of_the_addon(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(REPO)],
        check=True, capture_output=True,
    )
    wheel = next(tmp_path.glob("*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        shipped = {name for name in archive.namelist() if name.startswith("odoo/addons/")}
        metadata = next(n for n in archive.namelist() if n.endswith("METADATA"))
        requires = archive.read(metadata).decode()
    tracked = subprocess.run(
        ["git", "ls-files", "kpi_management"], cwd=REPO, check=True, capture_output=True,
        text=True,
    ).stdout.split()
    if not tracked:  # not a git checkout: compare with the files on disk
        tracked = [str(p.relative_to(REPO)) for p in (REPO / "kpi_management").rglob("*")
                   if p.is_file() and "__pycache__" not in p.parts]
    expected = {"odoo/addons/" + path for path in tracked}
    missing = sorted(expected - shipped)
    assert not missing, "files left out of the wheel: %s" % missing
    assert "odoo/addons/kpi_management/__manifest__.py" in shipped
    assert "Requires-Dist: xlsxwriter" in requires
    # the wheel's version is the manifest's (setup.py reads it: it went stale when copied)
    manifest = ast.literal_eval((REPO / "kpi_management" / "__manifest__.py").read_text())
    assert "\nVersion: %s\n" % manifest["version"] in requires
