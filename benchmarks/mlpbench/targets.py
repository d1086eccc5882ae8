"""The measured figures against the project's performance targets."""

from .common import OURS


def evaluate_targets(result):
    """The measured figures against the project's performance targets.

    Returns
    -------
    targets : list of dict
        ``target``, ``where``, ``value``, ``required``, ``status`` (``met``
        or ``NOT met``); a target without a measurement is left out.
    """
    targets = []

    def check(target, where, value, bound, strict=False):
        if value is None:
            return
        met = value < bound if strict else value <= bound
        targets.append(
            {
                "target": target,
                "where": where,
                "value": value,
                "required": f"{'<' if strict else '<='} {bound}",
                "status": "met" if met else "NOT met",
            }
        )

    for entry in result["training"]:
        where = f"{entry['workload']} {entry['solver']}"
        ratios = entry["ratios"]
        if entry["workload"] == "digits":
            check("2x faster than sklearn", where, ratios.get("sklearn"), 0.5)
        # As fast as a plain NumPy loop of the same model (same run).
        check(
            "no slower than the compact NumPy loop", where, ratios.get("compact"), 1.0
        )
        # On the workloads whose X outweighs the model: a copy of X in fit
        # would make the added peak at least the size of X.
        memory = entry["memory"].get(OURS)
        if memory and entry["workload"] in ("mnist-f32", "mnist-f64", "regression"):
            value = memory["peak_mib"] / entry["x_mib"]
            check("fit adds no copy of X (peak / X)", where, value, 1.0, strict=True)
    for entry in result["partial_fit"]:
        operation = entry["operation"]
        if operation == "partial_fit":
            check(
                "one-row partial_fit 10x cheaper than sklearn",
                entry["solver"],
                entry["ratios"].get("sklearn"),
                0.1,
            )
        else:
            check(
                f"one-row {operation} 5x cheaper than sklearn",
                entry["solver"],
                entry["ratios"].get("sklearn"),
                0.2,
            )
    return targets
