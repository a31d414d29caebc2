"""Writes the measured numbers of CLI runs into a results card.

    python zoo/write_card.py zoo/vae/README.md runs/vae_digits [runs/... ...]

Everything between the RESULTS markers of the card is replaced by a table
built from each run's metrics.json (written by `keras-vi train`).
"""

import json
import os
import sys

BEGIN, END = "<!-- RESULTS:BEGIN -->", "<!-- RESULTS:END -->"
COLUMNS = ("elbo", "reconstruction", "kl", "iwae_bound")


def table(run_dirs):
    rows = [
        "| run | backend | epochs | train s | test " + " | test ".join(COLUMNS) + " |",
        "|---" * (4 + len(COLUMNS)) + "|",
    ]
    for run in run_dirs:
        with open(os.path.join(run, "metrics.json")) as f:
            m = json.load(f)
        cells = [f"{m['test'][c]:.2f}" if c in m["test"] else "n/a" for c in COLUMNS]
        rows.append(
            f"| `{os.path.basename(os.path.normpath(run))}` | {m['backend']} | "
            f"{m['args']['epochs']} | {m['train_seconds']:.0f} | " + " | ".join(cells) + " |"
        )
    return "\n".join(rows)


def main(card, *run_dirs):
    text = open(card).read()
    head, rest = text.split(BEGIN)
    _, tail = rest.split(END)
    with open(card, "w") as f:
        f.write(head + BEGIN + "\n" + table(run_dirs) + "\n" + END + tail)


if __name__ == "__main__":
    main(*sys.argv[1:])
