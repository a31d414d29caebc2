"""Writes the reproduction card's table from the raw results committed beside it.

    python zoo/reproductions/card.py            # rewrites zoo/reproductions/README.md's table
    python zoo/reproductions/card.py --collect runs/reproductions   # first copies each run's
                                                # log.jsonl and results.json into results/

Each row of `run.py`'s ROWS gets a line: measured (results/ROW/results.json), in
progress (results/ROW/log.jsonl only: the epochs run so far), or not run.
"""

import json
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from run import ROWS  # noqa: E402

CARD = os.path.join(HERE, "README.md")
RESULTS = os.path.join(HERE, "results")
BEGIN, END = "<!-- REPRODUCTIONS:BEGIN -->", "<!-- REPRODUCTIONS:END -->"
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
        per_epoch = sum(entry["seconds"] for entry in log) / len(log)
        best = max(log, key=lambda entry: entry["val_elbo"])
        cells += [f"running: {len(log)} of up to {row['epochs']} epochs, best validation ELBO "
                  f"{best['val_elbo']:.2f} (epoch {best['epoch'] + 1}); {per_epoch:.0f} s/epoch here",
                  "–", "–", "–", "–", "–", "–"]
    elif cost:  # one epoch measured here: a row for a GPU machine
        seconds = cost[0]["seconds"]
        cells += [f"not run: one epoch took {seconds:.0f} s on this CPU (`cost.jsonl`), so "
                  f"{row['epochs']} epochs ≈ {_hours(seconds * row['epochs'])}; a GPU row",
                  "–", "–", "–", "–", "–", "–"]
    else:
        cells += ["not run", "–", "–", "–", "–", "–", "–"]
    return "| " + " | ".join(cells) + " |"


def collect(runs):
    """Copies each run's raw results (log, results, best epoch) into results/ROW/."""
    for name in ROWS:
        for file in ("log.jsonl", "results.json", "best.json"):
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
    start, stop = text.index(BEGIN) + len(BEGIN), text.index(END)
    with open(CARD, "w") as f:
        f.write(text[:start] + "\n" + table + "\n" + text[stop:])


if __name__ == "__main__":
    main(sys.argv[1:])
