"""benchmarks/gpu_check.py runs: on the CPU here, so it is ready for a GPU."""

import json
import runpy
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch", reason="needs the [test] extra: pip install -e '.[test]'")

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "gpu_check.py"


def test_gpu_check_runs_on_the_cpu_and_reports_both_ratios(
    tmp_path, monkeypatch, capsys
):
    argv = ["gpu_check.py", "--device", "cpu", "--rows", "1024", "--epochs", "1"]
    monkeypatch.setattr(sys, "argv", [*argv, "--out", str(tmp_path)])
    namespace = runpy.run_path(str(SCRIPT), run_name="gpu_check")
    results = namespace["main"]()
    assert (results["device"], results["rows"]) == ("cpu", 1024)
    times = results["seconds_per_epoch"]
    assert set(times) >= {"skbackprop torch", "torch loop", "skbackprop numpy (cpu)"}
    assert all(seconds > 0 for seconds in times.values())
    # The two ratios of the aims, each of the right pair of times.
    assert results["ours_over_torch_loop"] == (
        times["skbackprop torch"] / times["torch loop"]
    )
    assert results["numpy_cpu_over_ours"] == (
        times["skbackprop numpy (cpu)"] / times["skbackprop torch"]
    )
    printed = capsys.readouterr().out
    assert f"torch loop: {results['ours_over_torch_loop']:.2f} (aim" in printed
    assert f"skbackprop torch: {results['numpy_cpu_over_ours']:.1f} (aim" in printed
    # What the performance page reads is what the run returned.
    assert json.loads((tmp_path / "gpu_check.json").read_text()) == results
