"""Writes the VQ-VAE card's speech, video and prior-comparison tables from their recipes' results.json.

    python zoo/vq_vae/write_sections.py [--speech runs/vq_vae_speech [runs/vq_vae_speech_spectrogram]]
                                        [--video runs/vq_vae_video]
                                        [--priors runs/vq_vae_priors]

Each table replaces what lies between its markers in zoo/vq_vae/README.md
(<!-- SPEECH:BEGIN --> ... <!-- SPEECH:END -->, VIDEO, PRIORS); the results.json, the
log and the media of each run are copied into zoo/vq_vae/results/NAME/ (a spectral
speech run into results/speech_log_spectrogram/).
"""

import argparse
import json
import os
import shutil

CARD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "README.md")
RESULTS = os.path.join(os.path.dirname(CARD), "results")


# what recipe_speech.sh runs where, beside the backend results.json names (the last stage's)
AUTOENCODER_BACKEND = {"mu_law": "the prior and the measurements; the autoencoder on PyTorch",
                       "log_spectrogram": "every stage"}
SPEECH_COLUMNS = {"mu_law": "μ-law waveform, 256-way categorical",
                  "log_spectrogram": "log spectrogram, Gaussian; Griffin-Lim"}


def speech_table(runs):
    """One column per run (its representation), one row per measure."""
    def row(name, cell):
        return f"| {name} | " + " | ".join(cell(r["test"], r) for r in runs) + " |"

    def per_digit(t, r):
        return " · ".join(f"{d}: {100 * a:.0f}%" for d, a in sorted(t["classifier_accuracy_samples_per_digit"].items()))

    lines = [
        "| measure (300 test recordings) | "
        + " | ".join(SPEECH_COLUMNS[r["model"].get("representation", "mu_law")] for r in runs) + " |",
        "|---|" + "---|" * len(runs),
        row("reconstruction SNR (dB, mean ± s.e.)", lambda t, r: f"{t['snr_db_mean']:.2f} ± {t['snr_db_se']:.2f}"),
        row("log-spectral distance (dB, mean ± s.e.)", lambda t, r: f"{t['lsd_db_mean']:.2f} ± {t['lsd_db_se']:.2f}"),
        row("codebook perplexity / usage", lambda t, r: f"{t['perplexity']:.1f} of {r['model']['num_embeddings']} / "
            f"{t['codebook_usage']:.2f}"),
        row("codes per second; kbit/s at log2 K bits each", lambda t, r: f"{t['codes_per_second']:g}; "
            f"{t['bit_rate_kbps']:.2f}"),
        row("kbit/s under the prior (bits per code)", lambda t, r: f"{t['prior_bit_rate_kbps']:.2f} "
            f"({t['prior_bits_per_code']:.2f})"),
        row("classifier accuracy: original recordings", lambda t, r: f"{100 * t['classifier_accuracy_originals']:.1f}%"),
        row("classifier accuracy: reconstructions",
            lambda t, r: f"{100 * t['classifier_accuracy_reconstructions']:.1f}%"),
        row(f"classifier accuracy: conditional samples ({runs[0]['test']['samples_per_digit']} per digit)",
            lambda t, r: f"{100 * t['classifier_accuracy_samples']:.1f}%"),
        row("per digit", per_digit),
        "",
        f"The input: {runs[0]['test']['input_bit_rate_kbps']:.0f} kbit/s (16-bit samples at 8 kHz); "
        f"{runs[0]['data']['test_recordings_cropped']} test recordings longer than {runs[0]['data']['length']} "
        "samples measured on their first part.",
    ]
    for r in runs:
        lines += ["", f"Run of the {SPEECH_COLUMNS[r['model'].get('representation', 'mu_law')]} column: "
                  f"{r['backend']} ({AUTOENCODER_BACKEND.get(r['model'].get('representation', 'mu_law'), 'all stages')}), "
                  f"Keras "
                  f"{r['keras_version']}, {r['machine']}, {r['date']}; {r['training']['epochs']} epochs of the VQ-VAE, "
                  f"{r['training']['prior_epochs']} of the prior, {r['training']['classifier_epochs']} of the classifier; "
                  f"{r['model']['num_params']:,} parameters (with the prior)."]
    return "\n".join(lines)


def video_table(r):
    t = r["test"]
    return "\n".join([
        f"| measure ({r['data']['test_videos']} test videos of {r['data']['frames']} frames) | value |",
        "|---|---|",
        f"| reconstruction MSE (grey levels in [0, 1]) | {t['reconstruction_mse']:.4f} |",
        f"| -log p(x \\| z_q) (nats per frame) | {t['nll_x_given_z_nats_per_frame']:.1f} |",
        f"| codebook perplexity / usage | {t['perplexity']:.1f} of {r['model']['num_embeddings']} / "
        f"{t['codebook_usage']:.2f} |",
        f"| codes per frame | {t['codes_per_frame']:.0f} (grid {' x '.join(map(str, r['model']['grid_shape']))} "
        "per video) |",
        f"| prior: bits per frame (mean ± s.e.) | {t['prior_bits_per_frame']:.1f} ± "
        f"{t['prior_bits_per_frame_se']:.1f} (uniform codes: {t['uniform_code_bits_per_frame']:.0f}) |",
        "",
        f"Run: {r['backend']} (the prior and the measurements; the autoencoder on PyTorch), "
        f"Keras {r['keras_version']}, {r['machine']}, {r['date']}; {r['training']['epochs']} epochs of the "
        f"VQ-VAE on {r['data']['train_videos']} videos, {r['training']['prior_epochs']} of the prior.",
    ])


def priors_table(r):
    rows = ["| prior | parameters | test bits per code (± s.e.) | train s |", "|---|---|---|---|"]
    for name, p in r["priors"].items():
        rows.append(f"| {name} | {p['num_params']:,} | {p['test_bits_per_code']:.3f} ± "
                    f"{p['test_bits_per_code_se']:.3f} | {p['train_seconds']:.0f} |")
    rows += ["", f"PixelCNN minus causal, per test image: {r['pixelcnn_minus_causal_bits_per_code']:+.3f} ± "
             f"{r['pixelcnn_minus_causal_se']:.3f} bits per code. Both on the same codes of one VQ-VAE "
             f"({r['vq_vae']['epochs']} epochs on {r['data']['train_images']:,} Fashion-MNIST training images), "
             f"{r['prior_epochs']} epochs each, batch {r['batch_size']}, Adam({r['learning_rate']}); "
             f"{r['backend']}, {r['machine']}, {r['date']}."]
    return "\n".join(rows)


def replace(text, name, table):
    begin, end = f"<!-- {name}:BEGIN -->", f"<!-- {name}:END -->"
    if begin not in text or end not in text:
        raise ValueError(f"{CARD} has no {begin} ... {end} markers.")
    head, rest = text.split(begin, 1)
    return head + begin + "\n" + table + "\n" + end + rest.split(end, 1)[1]


def keep(run, name):
    target = os.path.join(RESULTS, name)
    os.makedirs(target, exist_ok=True)
    for file in sorted(os.listdir(run)):  # results.json, history.json and every log
        if file.endswith((".json", ".log")):
            shutil.copy(os.path.join(run, file), target)
    if os.path.isdir(os.path.join(run, "media")):
        shutil.copytree(os.path.join(run, "media"), os.path.join(target, "media"), dirs_exist_ok=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speech", nargs="+", help="the speech runs, one column each (μ-law first)")
    parser.add_argument("--video")
    parser.add_argument("--priors")
    args = parser.parse_args()
    with open(CARD) as f:
        text = f.read()
    if args.speech:
        runs = []
        for run in args.speech:
            with open(os.path.join(run, "results.json")) as f:
                runs.append(json.load(f))
            kind = runs[-1]["model"].get("representation", "mu_law")
            keep(run, "speech" if kind == "mu_law" else f"speech_{kind}")
        text = replace(text, "SPEECH", speech_table(runs))
    for name, run, build in (("VIDEO", args.video, video_table), ("PRIORS", args.priors, priors_table)):
        if run:
            with open(os.path.join(run, "results.json")) as f:
                text = replace(text, name, build(json.load(f)))
            keep(run, name.lower())
    with open(CARD, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
