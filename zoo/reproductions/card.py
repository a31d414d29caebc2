"""Writes the reproduction card's table from the raw results committed beside it.

    python zoo/reproductions/card.py            # rewrites zoo/reproductions/README.md's table
    python zoo/reproductions/card.py --collect runs/reproductions   # first copies each run's
                                                # log.jsonl and results.json into results/

Each row of `rows.py`'s ROWS gets a line: measured (results/ROW/results.json), in
progress (results/ROW/log.jsonl only: the epochs run so far), or not run.
"""

import json
import os
import shutil
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from run import ROWS  # noqa: E402

CARD = os.path.join(HERE, "README.md")
RESULTS = os.path.join(HERE, "results")
BEGIN, END = "<!-- REPRODUCTIONS:BEGIN -->", "<!-- REPRODUCTIONS:END -->"
CROSS_BEGIN, CROSS_END = "<!-- CROSS_BACKEND:BEGIN -->", "<!-- CROSS_BACKEND:END -->"
HEADER = ("| model | published (source) | pythae | ours: test L_5000 ± s.e. | ours − published "
          "| active units | epochs (best) | train time | backend | machine |")


def _read(row, name):
    path = os.path.join(RESULTS, row, name)
    if not os.path.isfile(path):
        return None
    with open(path) as f:
        return json.load(f) if name.endswith(".json") else [json.loads(line) for line in f]


def _hours(seconds):
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.0f} min"


def line(name, row):
    published = "not found yet" if row["published"] is None else f"{row['published']:.2f}"
    cells = [row["title"], f"{published} ({row['source']})",
             "–" if row["pythae"] is None else f"{row['pythae']:.2f}"]
    results, log, cost = (_read(name, f) for f in ("results.json", "log.jsonl", "cost.jsonl"))
    if results is not None:
        test = results["test"]
        gap = "–" if row["published"] is None else f"{test['nll_nats'] - row['published']:+.2f}"
        cut = " (cut short)" if results["cut_short"] else ""
        cells += [f"**{test['nll_nats']:.2f}** ± {test['nll_standard_error_over_examples']:.2f}", gap,
                  f"{test['active_units']} / {test['latent_dim']}",
                  f"{results['epochs_run']}{cut} ({results['best_epoch']})",
                  _hours(results["train_seconds"]), results["backend"], results["machine"]]
    elif log:
        # the median: an epoch that spanned a pause (SIGSTOP while the machine ran the tests) is not its cost
        per_epoch = statistics.median(entry["seconds"] for entry in log)
        best = max(log, key=lambda entry: entry["val_elbo"])
        cells += [f"running: {len(log)} of up to {row['epochs']} epochs, best validation ELBO "
                  f"{best['val_elbo']:.2f} (epoch {best['epoch'] + 1}); {per_epoch:.0f} s an epoch (median) so far, "
                  "on a CPU shared with other runs",
                  "–", "–", "–", "–", "–", "–"]
    elif cost:  # one epoch measured here: a row for a GPU machine
        seconds = cost[0]["seconds"]
        cells += [f"not run: one epoch took {seconds:.0f} s on this CPU (`cost.jsonl`), so "
                  f"{row['epochs']} epochs ≈ {_hours(seconds * row['epochs'])}; a GPU row",
                  "–", "–", "–", "–", "–", "–"]
    else:
        cells += ["not run", "–", "–", "–", "–", "–", "–"]
    return "| " + " | ".join(cells) + " |"


def cross_backend_table():
    """The VAE row's saved model, its L_5000 under each backend (`--stage cross_backend`)."""
    results = _read("vae", "results.json")
    rows = {}
    if results is not None:
        rows[results["backend"]] = (results["test"]["nll_nats"],
                                    results["test"]["nll_standard_error_over_examples"],
                                    results["test"]["mean_monte_carlo_standard_error"])
    for backend in ("tensorflow", "jax", "torch"):
        other = _read("vae", f"cross_backend_{backend}.json")
        if other is not None:
            rows[backend] = (other["nll_nats"], other["nll_standard_error_over_examples"],
                             other["mean_monte_carlo_standard_error"])
    lines = ["| backend | test L_5000 | ± s.e. over images | mean Monte Carlo s.e. of one image's L_5000 |",
             "|---|---|---|---|"]
    lines += [f"| {b} | {v[0]:.3f} | {v[1]:.2f} | {v[2]:.2f} |" for b, v in sorted(rows.items())]
    values = [v[0] for v in rows.values()]
    if len(values) > 1:
        lines.append(f"\nLargest difference between backends: {max(values) - min(values):.3f} nats "
                     f"({len(values)} backends).")
    else:
        lines.append("\nOnly one backend measured so far.")
    return "\n".join(lines)


def collect(runs):
    """Copies each run's raw results (log, results, best epoch) into results/ROW/."""
    names = [n for n in os.listdir(runs) if os.path.isdir(os.path.join(runs, n))
             and n.split("__")[0] in ROWS]  # rows and their variants (ROW__VARIANT)
    for name in names:
        for file in ("log.jsonl", "results.json", "best.json", "cross_backend_tensorflow.json",
                     "cross_backend_jax.json", "cross_backend_torch.json"):
            src = os.path.join(runs, name, file)
            if os.path.isfile(src):
                os.makedirs(os.path.join(RESULTS, name), exist_ok=True)
                shutil.copy(src, os.path.join(RESULTS, name, file))


def main(argv):
    if argv[:1] == ["--collect"]:
        collect(argv[1])
    table = "\n".join([HEADER, "|---" * HEADER.count(" | ") + "|---|"]
                      + [line(name, row) for name, row in ROWS.items()])
    with open(CARD) as f:
        text = f.read()
    for begin, end, body in ((BEGIN, END, table), (CROSS_BEGIN, CROSS_END, cross_backend_table())):
        start, stop = text.index(begin) + len(begin), text.index(end)
        text = text[:start] + "\n" + body + "\n" + text[stop:]
    with open(CARD, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main(sys.argv[1:])
