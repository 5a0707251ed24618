"""Spelling to phones for words no pronouncing dictionary holds, with g2p-en's model.

g2p-en ships a small GRU encoder-decoder trained on CMUdict, but importing
the package downloads NLTK data (a tagger and CMUdict) that this use does
not need; so only its weights are read here, from the installed package,
and the network is run in numpy. Phones come out in CMUdict's ARPAbet,
stress marks dropped (the acoustic model has none).
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

import numpy as np

GRAPHEMES = ["<pad>", "<unk>", "</s>", *"abcdefghijklmnopqrstuvwxyz"]
# The model's output vocabulary, in its training order.
PHONEMES = ["<pad>", "<unk>", "<s>", "</s>"] + (
    "AA0 AA1 AA2 AE0 AE1 AE2 AH0 AH1 AH2 AO0 AO1 AO2 AW0 AW1 AW2 AY0 AY1 AY2 B CH D DH "
    "EH0 EH1 EH2 ER0 ER1 ER2 EY0 EY1 EY2 F G HH IH0 IH1 IH2 IY0 IY1 IY2 JH K L M N NG "
    "OW0 OW1 OW2 OY0 OY1 OY2 P R S SH T TH UH0 UH1 UH2 UW UW0 UW1 UW2 V W Y Z ZH"
).split()
START, END = PHONEMES.index("<s>"), PHONEMES.index("</s>")
MAX_PHONES = 20


def predict_phones(word: str) -> list[str]:
    """ARPAbet phones for a lower-case ``word`` of letters a-z (others are skipped)."""
    letters = [c for c in word.lower() if "a" <= c <= "z"]
    if not letters:
        return []
    w = _weights()
    ids = [GRAPHEMES.index(c) for c in letters] + [GRAPHEMES.index("</s>")]
    h = np.zeros((1, w["enc_w_hh"].shape[1]), np.float32)
    for i in ids:
        h = _gru_cell(w["enc_emb"][[i]], h, w, "enc")
    phones: list[str] = []
    previous = START
    for _ in range(MAX_PHONES):
        h = _gru_cell(w["dec_emb"][[previous]], h, w, "dec")
        previous = int(np.argmax(h @ w["fc_w"].T + w["fc_b"]))
        if previous == END:
            break
        phones.append(PHONEMES[previous].rstrip("012"))
    return [p for p in phones if not p.startswith("<")]


def _gru_cell(x: np.ndarray, h: np.ndarray, w: dict[str, np.ndarray], side: str) -> np.ndarray:
    gates_x = x @ w[f"{side}_w_ih"].T + w[f"{side}_b_ih"]
    gates_h = h @ w[f"{side}_w_hh"].T + w[f"{side}_b_hh"]
    size = h.shape[1]
    reset_update = 1 / (1 + np.exp(-(gates_x[:, : 2 * size] + gates_h[:, : 2 * size])))
    reset, update = reset_update[:, :size], reset_update[:, size:]
    candidate = np.tanh(gates_x[:, 2 * size :] + reset * gates_h[:, 2 * size :])
    return (1 - update) * candidate + update * h


@cache
def _weights() -> dict[str, np.ndarray]:
    # find_spec locates the package without running its NLTK-downloading __init__.
    spec = importlib.util.find_spec("g2p_en")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("g2p_en is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "checkpoint20.npz"
    with np.load(path) as data:
        return {name: data[name].astype(np.float32) for name in data.files}
