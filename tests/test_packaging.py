"""``pip install .`` ships the whole addon into the ``odoo.addons`` namespace."""

import ast
import pathlib
import subprocess
import sys
import zipfile

REPO = pathlib.Path(__file__).resolve().parent.parent


def build_wheel(tmp_path):
    """``(files shipped under odoo/addons/, METADATA)`` of the repository's wheel."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(REPO)],
        check=True, capture_output=True,
    )
    wheel = next(tmp_path.glob("*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        shipped = {name for name in archive.namelist() if name.startswith("odoo/addons/")}
        metadata = next(n for n in archive.namelist() if n.endswith("METADATA"))
        return shipped, archive.read(metadata).decode()


def missing_files(shipped, addon):
    tracked = subprocess.run(
        ["git", "ls-files", addon], cwd=REPO, check=True, capture_output=True,
        text=True,
    ).stdout.split()
    if not tracked:  # not a git checkout: compare with the files on disk
        tracked = [str(p.relative_to(REPO)) for p in (REPO / addon).rglob("*")
                   if p.is_file() and "__pycache__" not in p.parts]
    expected = {"odoo/addons/" + path for path in tracked}
    return sorted(expected - shipped)


def test_wheel_contains_every_file_of_the_addon(tmp_path):
    shipped, requires = build_wheel(tmp_path)
    missing = missing_files(shipped, "kpi_management")
    assert not missing, "files left out of the wheel: %s" % missing
    assert "odoo/addons/kpi_management/__manifest__.py" in shipped
    assert "Requires-Dist: xlsxwriter" in requires
    # the wheel's version is the manifest's (setup.py reads it: it went stale when copied)
    manifest = ast.literal_eval((REPO / "kpi_management" / "__manifest__.py").read_text())
    assert "\nVersion: %s\n" % manifest["version"] in requires


def test_wheel_contains_the_queue_bridge_and_its_extra(tmp_path):
    """kpi_management_queue ships in the same wheel; queue_job is the extra ``queue``."""
    shipped, requires = build_wheel(tmp_path)
    missing = missing_files(shipped, "kpi_management_queue")
    assert not missing, "files left out of the wheel: %s" % missing
    assert "Provides-Extra: queue" in requires
    assert 'odoo-addon-queue-job<19.1,>=19.0; extra == "queue"' in requires


def test_wheel_contains_every_bridge(tmp_path):
    """Every addon of the repository (a ``kpi_management*`` directory with a manifest) ships in
    the wheel, the sales and delivery bridges included: setup.py finds them itself."""
    shipped, _requires = build_wheel(tmp_path)
    addons = sorted(p.parent.name for p in REPO.glob("kpi_management*/__manifest__.py"))
    assert {"kpi_management", "kpi_management_queue", "kpi_management_sale",
            "kpi_management_sale_margin", "kpi_management_sale_stock"} <= set(addons)
    for addon in addons:
        missing = missing_files(shipped, addon)
        assert not missing, "files of %s left out of the wheel: %s" % (addon, missing)
