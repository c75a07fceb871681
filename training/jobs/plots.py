"""PNG figures of an evaluation: reliability diagram and 80% coverage by horizon step."""

from __future__ import annotations

from pathlib import Path

from training.jobs.evaluate import EvalResult

__all__ = ["write_plots"]


def write_plots(result: EvalResult, out: Path, title: str) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfectly calibrated")
    for name, rows in result.reliability.items():
        ax.plot(
            [r["forecast"] for r in rows],
            [r["observed"] for r in rows],
            marker="o",
            label=f"{name} (ECE {result.table[name]['ece']:.3f})",
        )
    ax.set(
        xlabel="forecast probability of reaching the target",
        ylabel="observed frequency",
        title=f"Target-probability reliability: {title}",
        xlim=(0, 1),
        ylim=(0, 1),
    )
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    written.append(out / "reliability.png")
    fig.savefig(written[-1], dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6.5, 4))
    for name, values in result.coverage_by_step.items():
        ax.plot(range(1, len(values) + 1), values, marker=".", label=name)
    ax.axhline(0.8, color="grey", linestyle=":", label="nominal 80%")
    ax.set(
        xlabel="horizon step",
        ylabel="share of actuals inside the 80% interval",
        ylim=(0, 1),
        title=f"80% interval coverage by horizon: {title}",
    )
    ax.legend(fontsize=8)
    fig.tight_layout()
    written.append(out / "coverage_by_horizon.png")
    fig.savefig(written[-1], dpi=110)
    plt.close(fig)
    return written
