"""Writes the measured numbers of CLI runs into a results card.

    python zoo/write_card.py zoo/vae/README.md runs/vae_digits [runs/... ...]
    python zoo/write_card.py --evaluation zoo/iwae/README.md runs/mnist_vae [...]
    python zoo/write_card.py --evaluation --raw-elsewhere zoo/vae/README.md runs/mnist_vae [...]
    python zoo/write_card.py --vq zoo/vq_vae/README.md runs/vq_vae_fashion_mnist
    python zoo/write_card.py --dequantization zoo/real_nvp/README.md runs/mnist_flow_uniform [...]

Everything between the RESULTS markers of the card (EVALUATION markers with
--evaluation) is replaced by a table built from each run's metrics.json
(written by `keras-vi train`) or evaluation.json (`keras-vi evaluate`), each row saying
when, on which backend and on which machine it was measured. Each run's raw results (its
JSON files and logs) are copied beside the card, into results/RUN/ (not with
--raw-elsewhere, for a table whose runs another card already keeps).
"""

import json
import math
import os
import shutil
import sys

BEGIN, END = "<!-- RESULTS:BEGIN -->", "<!-- RESULTS:END -->"
EVAL_BEGIN, EVAL_END = "<!-- EVALUATION:BEGIN -->", "<!-- EVALUATION:END -->"
COLUMNS = ("elbo", "reconstruction", "kl", "iwae_bound")


def read_run(run, name="metrics.json"):
    """One JSON file a `keras-vi` command wrote into `run`."""
    with open(os.path.join(run, name)) as f:
        return json.load(f)


def measured(*records):
    """"date, backend, machine" of a measurement, from the last record that has each field."""
    def field(key):
        return next((r[key] for r in reversed(records) if r.get(key)), "not recorded")

    return f"{field('date')}, {field('backend')}, {field('machine')}"


def copy_raw_results(card, run_dirs):
    """Each run's JSON files and logs (not its weights or pictures) into CARD_DIR/results/RUN/."""
    for run in run_dirs:
        target = os.path.join(os.path.dirname(card) or ".", "results", os.path.basename(os.path.normpath(run)))
        os.makedirs(target, exist_ok=True)
        for name in sorted(os.listdir(run)):
            if name.endswith((".json", ".jsonl", ".log")):
                shutil.copyfile(os.path.join(run, name), os.path.join(target, name))


def table(run_dirs):
    rows = [
        "| run | measured (date, backend, machine) | epochs | train s | test " + " | test ".join(COLUMNS) + " |",
        "|---" * (4 + len(COLUMNS)) + "|",
    ]
    for run in run_dirs:
        m = read_run(run)
        cells = [f"{m['test'][c]:.2f}" if c in m["test"] else "n/a" for c in COLUMNS]
        rows.append(
            f"| `{os.path.basename(os.path.normpath(run))}` | {measured(m)} | "
            f"{m['training']['epochs']} | {m['train_seconds']:.0f} | " + " | ".join(cells) + " |"
        )
    return "\n".join(rows)


def evaluation_table(run_dirs):
    rows = [
        "| run | objective | test NLL (nats, L_k) | ± s.e. over examples | bits/dim "
        "| k | test ELBO | KL | active units | I(x;z) | measured (date, backend, machine) |",
        "|---" * 11 + "|",
    ]
    for run in run_dirs:
        m, e = read_run(run), read_run(run, "evaluation.json")
        objective = m["model"] + (f" k={m['model_config']['num_samples']}" if m["model"] == "iwae" else "")
        rows.append(
            f"| `{os.path.basename(os.path.normpath(run))}` | {objective} | {e['nll_nats']:.2f} | "
            f"{e['nll_standard_error_over_examples']:.2f} | {e['bits_per_dim']:.4f} | "
            f"{e['num_samples']} | {e['elbo']:.2f} | {e['kl']:.2f} | "
            f"{e['active_units']} / {e['latent_dim']} | {e['mutual_information']:.2f} | {measured(m, e)} |"
        )
    return "\n".join(rows)


def vq_table(run_dirs):
    rows = [
        "| run | measured (date, backend, machine) | epochs (+ prior) | train s | test reconstruction MSE "
        "| test -log p(x \\| z_q) "
        "| codebook perplexity | codebook usage | prior NLL (nats / image) | prior bits/dim |",
        "|---" * 10 + "|",
    ]
    for run in run_dirs:
        m = read_run(run)
        t = m["test"]
        rows.append(
            f"| `{os.path.basename(os.path.normpath(run))}` | {measured(m)} | "
            f"{m['training']['epochs']} (+ {m['training']['prior_epochs']}) | {m['train_seconds']:.0f} | "
            f"{t['reconstruction_mse']:.4f} | {-t['reconstruction']:.1f} | {t['perplexity']:.1f} / "
            f"{m['model_config']['num_embeddings']} | {t['codebook_usage']:.2f} | "
            f"{t['prior_nll_nats_per_image']:.1f} | {t['prior_bits_per_dim']:.3f} |"
        )
    return "\n".join(rows)


def dequantization_table(run_dirs):
    """8-bit bits/dim: the one-draw bound (`keras-vi train`'s test loss) and L_k (`evaluate`)."""
    rows = [
        "| run | model | likelihood / dequantization | parameters | epochs | train s "
        "| test bits/dim, k = 1 | test bits/dim, L_k | k | ± s.e. over examples | mean ESS "
        "| measured (date, backend, machine) |",
        "|---" * 12 + "|",
    ]
    for run in run_dirs:
        m, e = read_run(run), read_run(run, "evaluation.json")
        config = m["model_config"]
        likelihood = config.get("likelihood")
        likelihood = likelihood if isinstance(likelihood, str) else None
        parts = " / ".join(str(p) for p in (likelihood, config.get("dequantization")) if p)
        scale = m["data_dims"] * math.log(2.0)
        rows.append(
            f"| `{os.path.basename(os.path.normpath(run))}` | {m['model']} | {parts} | "
            f"{m['num_params']:,} | {m['training']['epochs']} | {m['train_seconds']:.0f} | "
            f"{m['test']['loss'] / scale:.3f} | {e['bits_per_dim']:.3f} | {e['num_samples']} | "
            f"{e['nll_standard_error_over_examples'] / scale:.3f} | "
            f"{e['mean_effective_sample_size']:.1f} | {measured(m, e)} |"
        )
    return "\n".join(rows)


def replace_between(card, begin, end, body):
    text = open(card).read()
    head, rest = text.split(begin)
    _, tail = rest.split(end)
    with open(card, "w") as f:
        f.write(head + begin + "\n" + body + "\n" + end + tail)


def main(argv):
    copy = "--raw-elsewhere" not in argv  # another card holds these runs' raw results
    argv = [a for a in argv if a != "--raw-elsewhere"]
    if argv and argv[0] == "--vq":
        card, *run_dirs = argv[1:]
        replace_between(card, BEGIN, END, vq_table(run_dirs))
    elif argv and argv[0] == "--dequantization":
        card, *run_dirs = argv[1:]
        replace_between(card, BEGIN, END, dequantization_table(run_dirs))
    elif argv and argv[0] == "--evaluation":
        card, *run_dirs = argv[1:]
        replace_between(card, EVAL_BEGIN, EVAL_END, evaluation_table(run_dirs))
    else:
        card, *run_dirs = argv
        replace_between(card, BEGIN, END, table(run_dirs))
    if copy:
        copy_raw_results(card, run_dirs)


if __name__ == "__main__":
    main(sys.argv[1:])
