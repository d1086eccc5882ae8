"""The Markdown report."""

from pathlib import Path

from .common import BUSY_MACHINE, OURS
from .partial_fit import PARTIAL_FIT, PARTIAL_FIT_CLASSES


def fmt(value, spec):
    """``format(value, spec)``, or ``n/a`` for a missing value."""
    return "n/a" if value is None else format(value, spec)


def markdown_table(headers, rows, align):
    """A Markdown table; ``align`` holds ``'l'`` or ``'r'`` per column."""
    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join({"l": "---", "r": "--:"}[a] for a in align) + "|",
    ]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def describe_pool(pool):
    """One threadpoolctl pool, e.g. ``openblas 0.3.31 (SkylakeX, pthreads) ...``.

    The directory of the library (``numpy.libs``, ``torch/lib``) tells
    apart the copies that several packages bundle.
    """
    name = " ".join(str(pool[k]) for k in ("internal_api", "version") if pool[k])
    details = [str(pool[k]) for k in ("architecture", "threading_layer") if pool[k]]
    details = f" ({', '.join(details)})" if details else ""
    where = Path(pool["filepath"]).parent
    where = where.name if where.name != "lib" else f"{where.parent.name}/lib"
    return f"{name}{details} in {where}: {pool['num_threads']} threads"


def describe_others(share):
    return "unknown" if share is None else f"{share:.0%} of the CPUs"


def render_header(result):
    env, settings = result["environment"], result["settings"]
    torch_version = (
        f"{env['torch']} (torch.get_num_threads() = {env['torch_num_threads']})"
        if env["torch"]
        else "not installed"
    )
    limits = settings["blas_threads"]
    load = " ".join(f"{x:.2f}" for x in env["load_average"] or [])
    lines = [
        "# skbackprop benchmark" + (" (quick)" if settings["quick"] else ""),
        "",
        f"- date: {env['date']}",
        f"- machine: {env['platform']}, {env['cpu']}, os.cpu_count() = "
        f"{env['cpu_count']} (usable: {env['usable_cpus']})",
        f"- Python {env['python']}, numpy {env['numpy']}, scipy {env['scipy']}, "
        f"scikit-learn {env['sklearn']}, torch {torch_version}, "
        f"skbackprop {env['skbackprop']} (git {env['git']})",
        "- thread pools (threadpoolctl): "
        + "; ".join(describe_pool(pool) for pool in env["threadpools"])
        + (f" (limited by --blas-threads {limits})" if limits else ""),
        f"- command: `{env['command']}`",
        f"- each time is the median of {settings['repeats']} interleaved repeats; "
        f"run time {result['run_seconds']:.1f} s; load average at start: {load}; "
        f"other processes used {describe_others(result['others_cpu_share'])} "
        "during the run",
    ]
    share = result["others_cpu_share"]
    if share is not None and share > BUSY_MACHINE:
        lines += [
            "",
            f"**Warning: other processes used {share:.0%} of the CPUs during this "
            "run; its timings are not reliable.**",
        ]
    return "\n".join(lines) + "\n"


TRAINING_COLUMNS = (
    "workload", "solver", "dtype", "system", "s/epoch (median)", "spread",
    "ours / system", "peak MiB",
)  # fmt: skip
MEMORY_MARKS = {"tracemalloc": "", "rss": " †"}


def training_row(entry, name):
    """One row of a training table: a system on a workload and solver."""
    timing, memory = entry["timings"][name], entry["memory"].get(name)
    cells = [entry["workload"], entry["solver"], entry["dtype"], name]
    if timing is None:
        return cells + ["n/a"] * 4
    ratio = 1.0 if name == OURS else entry["ratios"].get(name)
    peak = (
        fmt(memory["peak_mib"], ".1f") + MEMORY_MARKS[memory["method"]]
        if memory
        else "–"
    )
    spread = (timing["max"] - timing["min"]) / timing["median"]
    return cells + [f"{timing['median']:.4g}", f"{spread:.0%}", fmt(ratio, ".2f"), peak]


def _compact_over_floor(entry):
    """The compact NumPy loop's time over the floor's, from the same run."""
    ratios = entry["ratios"]
    if "compact" not in ratios or "floor" not in ratios:
        return None
    return ratios["floor"] / ratios["compact"]


def render_training(result):
    out = ["## Seconds per epoch", ""]
    groups = {}
    for entry in result["training"]:
        groups.setdefault(entry["group"], []).append(entry)
    for entries in groups.values():
        sizes = {e["workload"]: f"{e['dtype']} {e['x_mib']:.1f} MiB" for e in entries}
        others = max(
            (e["others_cpu_share"] for e in entries if e["others_cpu_share"]),
            default=None,
        )
        out += [
            f"### {entries[0]['group']}: {entries[0]['description']}",
            "",
            f"X: {', '.join(sizes.values())}. Other processes: up to "
            f"{describe_others(others)}.",
            "",
        ]
        rows = [training_row(e, name) for e in entries for name in e["timings"]]
        out += [markdown_table(TRAINING_COLUMNS, rows, "llllrrrr"), ""]
    out += ["### Summary: ours / other (below 1: skbackprop is faster)", ""]
    rows = [
        [e["workload"], e["solver"], e["dtype"]]
        + [
            fmt(e["ratios"].get(name), ".2f")
            for name in ("sklearn", "torch", "compact", "floor")
        ]
        + [fmt(_compact_over_floor(e), ".2f")]
        for e in result["training"]
    ]
    columns = (
        "workload",
        "solver",
        "dtype",
        "ours/sklearn",
        "ours/torch",
        "ours/compact",
        "ours/floor",
        "compact/floor",
    )
    out += [
        markdown_table(columns, rows, "lllrrrrr"),
        "",
        "s/epoch: seconds per epoch of a whole `fit` (validation and "
        "initialisation included) divided by its epochs. spread: (max - min) / "
        "median over the repeats. peak MiB: memory a one-epoch fit adds beyond "
        "the data (MiB = 2^20 bytes), measured with `tracemalloc`, or, marked †, "
        "as the growth of the peak resident set size in a fresh subprocess "
        "(PyTorch's allocations are invisible to `tracemalloc`; RSS also counts "
        "library workspaces and whole pages, so the two compare only roughly).",
        "",
    ]
    return "\n".join(out)


def render_partial_fit(result):
    entries = result["partial_fit"]
    out = [
        "## One-row partial_fit",
        "",
        f"A binary classifier ({PARTIAL_FIT['n_features']} features, hidden "
        f"{PARTIAL_FIT['hidden']}), after `partial_fit` on "
        f"{PARTIAL_FIT['first_chunk']} rows, makes {entries[0]['n_calls']} calls "
        f"on one row each, `classes={PARTIAL_FIT_CLASSES}` passed on every call.",
        "",
    ]
    rows = []
    for entry in entries:
        solver = entry["solver"] if entry["operation"] == "partial_fit" else "–"
        for name, timing in entry["microseconds_per_call"].items():
            ratio = 1.0 if name == OURS else entry["ratios"].get(name)
            rows.append(
                [
                    f"`{entry['operation']}`",
                    solver,
                    name,
                    f"{timing['median']:.1f}",
                    fmt(ratio, ".3f"),
                ]
            )
    columns = ("call", "solver", "system", "µs/call (median)", "ours / system")
    out += [markdown_table(columns, rows, "lllrr"), ""]
    return "\n".join(out)


def render_river(result):
    rows = result["river"]
    ours = next(r for r in rows if r["model"] == "skbackprop")["seconds"]["median"]
    out = [
        "## A river stream",
        "",
        "`river.evaluate.progressive_val_score` on river's Phishing data (1,250 "
        "rows): each row predicted, then learnt, after river's online "
        "`StandardScaler`. The MLPs (scikit-learn's defaults, hidden (100,)) run "
        "through `river.compat`; river's own models for scale.",
        "",
    ]
    table_rows = [
        [
            r["model"],
            f"{r['seconds']['median']:.3f}",
            f"{ours / r['seconds']['median']:.3f}",
            f"{100 * r['accuracy']:.1f}%",
        ]
        for r in rows
    ]
    columns = ("model", "seconds (median)", "skbackprop / model", "accuracy")
    out += [markdown_table(columns, table_rows, "lrrr"), ""]
    return "\n".join(out)


def render_scaling(result):
    scaling = result["scaling"]
    out = [
        "## Linear scaling",
        "",
        f"skbackprop on `{scaling['workload']}` ({scaling['solver']}, "
        f"{scaling['dtype']}, batch {scaling['batch_size']}) at three sizes; the "
        "time per sample should not grow with the number of samples.",
        "",
    ]
    rows = [
        [
            row["n_samples"],
            f"{row['seconds_per_epoch']['median']:.4g}",
            f"{row['microseconds_per_sample']:.2f}",
            f"{row['relative_to_smallest']:.2f}",
        ]
        for row in scaling["rows"]
    ]
    columns = ("n_samples", "s/epoch (median)", "µs/sample", "relative to smallest")
    out += [markdown_table(columns, rows, "rrrr"), ""]
    return "\n".join(out)


def render_targets(result):
    rows = [
        [t["target"], t["where"], f"{t['value']:.3f}", t["required"], t["status"]]
        for t in result["targets"]
    ]
    columns = ("target", "where", "measured", "required", "status")
    return "\n".join(["## Targets", "", markdown_table(columns, rows, "llrll"), ""])


def render_markdown(result):
    """The whole report: header, then each section that was run."""
    parts = [render_header(result)]
    if result["training"]:
        parts.append(render_training(result))
    if result["partial_fit"]:
        parts.append(render_partial_fit(result))
    if result.get("river"):
        parts.append(render_river(result))
    if result["scaling"]:
        parts.append(render_scaling(result))
    if result["targets"]:
        parts.append(render_targets(result))
    return "\n".join(parts).rstrip() + "\n"
