"""The packaged sentence-transformers model exported to ONNX: once, checked, cached.

The ONNX file is not shipped: it is exported from the packaged sentence-transformers
folder with `torch.onnx.export` (mean pooling and L2 normalisation are part of the graph,
exactly as in the model's `modules.json`), optionally quantised to int8 (dynamic, per
channel, MatMul weights only), checked against the torch model (mean cosine >= `MIN_COSINE`
on probe texts) and cached under `~/.cache/news-assistant/onnx/` keyed by the model
fingerprint, so later runs neither import torch nor export again. `load_embeddings` calls
`cached_export`; `export` can also be run on its own.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

from ..errors import AssistantError
from .onnx import OnnxEmbeddings

MIN_COSINE = 0.99  # mean over the probes; int8 measured 0.993 on news sentences and chunks
MIN_COSINE_ANY = 0.98  # every probe (a one-word text such as "yes" can fall to 0.96 in int8)
EXPORT_VERSION = "v3"  # v2: eager attention (int8 runs it ~25 % faster than SDPA's); v3: token states output too
PROBES = [
    "Who represents the Hutchins family?",
    "Prominent attorney Gloria Allred, who represents Hutchins' relatives, announced at a press conference that "
    "they are committed to holding Baldwin accountable for the death of the cinematographer on the set of Rust.",
    "The Normans were the people who in the 10th and 11th centuries gave their name to Normandy, a region in France.",
    "Stock markets fell sharply on Tuesday after the central bank raised interest rates by half a percentage point, "
    "the largest increase in two decades, citing persistent inflation in food and energy prices.",
    "He declined to comment.",
    "The company said it would cut 1,200 jobs by March 2025, mostly in its European offices.",
    "Rescue teams reached the village on Sunday, two days after the earthquake destroyed the only road into the valley.",
]


def cache_file(fingerprint: str, cache_dir: Path, quantized: bool) -> Path:
    """Where the export of the model with `fingerprint` (`model_fingerprint`) is kept."""
    name = f"minilm-{fingerprint}-{'int8' if quantized else 'fp32'}-{EXPORT_VERSION}.onnx"
    return Path(cache_dir).expanduser() / "onnx" / name


def export(model_path: Path, dest: Path, quantized: bool) -> dict:
    """Export the sentence-transformers model at `model_path` to `dest` (atomically); returns the check report."""
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    modules = json.loads((model_path / "modules.json").read_text())
    kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
    pooling = json.loads((model_path / "1_Pooling" / "config.json").read_text())
    if kinds[:2] != ["Transformer", "Pooling"] or not pooling.get("pooling_mode_mean_tokens") or any(
            pooling.get(k) for k in ("pooling_mode_cls_token", "pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens")):
        raise AssistantError(f"{model_path}: only Transformer + mean Pooling (+ Normalize) models can be exported to ONNX")
    # Eager attention exports as plain MatMul/Softmax: quantised, it ran 119-145 chunks/s here against
    # 97-118 for the SDPA export, with the same agreement with the torch model.
    model = AutoModel.from_pretrained(str(model_path), local_files_only=True, attn_implementation="eager").eval()

    class MeanPooled(torch.nn.Module):
        def __init__(self, bert) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=1), hidden  # token states: contextual sentence vectors

    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        fp32 = Path(tmp) / "model.onnx"
        ids = torch.ones(2, 16, dtype=torch.long)
        import warnings

        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                MeanPooled(model), (ids, torch.ones_like(ids), torch.zeros_like(ids)), str(fp32), dynamo=False,
                input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["embedding", "tokens"],
                dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
                              "token_type_ids": {0: "batch", 1: "tokens"}, "embedding": {0: "batch"},
                              "tokens": {0: "batch", 1: "tokens"}},
                opset_version=17)
        out = fp32
        if quantized:
            import logging

            from onnxruntime.quantization import QuantType, quantize_dynamic

            logging.getLogger().setLevel(logging.ERROR)  # "consider pre-processing" chatter
            out = Path(tmp) / "model-int8.onnx"
            quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8, per_channel=True,
                             op_types_to_quantize=["MatMul"])
        # check against the reference before anyone uses it
        from sentence_transformers import SentenceTransformer

        reference = SentenceTransformer(str(model_path), device="cpu", local_files_only=True)
        want = reference.encode(PROBES, normalize_embeddings=True, convert_to_numpy=True)
        got = OnnxEmbeddings(out, model_path, threads=1).embed_array(PROBES)
        cosine = (want * got).sum(1)
        report = {"min_cosine": round(float(cosine.min()), 4), "mean_cosine": round(float(cosine.mean()), 4),
                  "quantized": quantized, "torch": torch.__version__}
        if cosine.mean() < MIN_COSINE or cosine.min() < MIN_COSINE_ANY:
            raise AssistantError(f"ONNX export of {model_path} disagrees with the torch model (cosine mean "
                                 f"{cosine.mean():.3f}, min {cosine.min():.3f}); use ASSISTANT_EMBEDDER=torch")
        os.replace(out, dest)
        Path(str(dest) + ".json").write_text(json.dumps(report))
    return report


def cached_export(model_path: Path, fingerprint: str, quantized: bool, cache_dir: Path) -> Path:
    """The cached ONNX file for `model_path`, exported (and checked) first if missing; earlier export
    versions of it are deleted. `fingerprint` is passed in so that this module needs nothing from the package."""
    path = cache_file(fingerprint, cache_dir, quantized)
    if not path.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError:  # read-only home: export to the temp folder instead
            path = cache_file(fingerprint, Path(tempfile.gettempdir()) / "news-assistant", quantized)
        if not path.exists():
            export(model_path, path, quantized)
    prune_exports(path)
    return path


def prune_exports(current: Path) -> list[Path]:
    """Delete earlier export versions of the same model and precision (about 60 MB int8, 90 MB fp32 each),
    which a new `EXPORT_VERSION` leaves behind; returns what was deleted."""
    stem = current.name.removesuffix(f"-{EXPORT_VERSION}.onnx")  # minilm-<fingerprint>-<int8|fp32>
    removed = []
    for old in current.parent.glob(f"{stem}*.onnx*"):
        if old.name in (current.name, current.name + ".json") or not re.fullmatch(
                rf"{re.escape(stem)}(-v\d+)?\.onnx(\.json)?", old.name):
            continue
        try:
            old.unlink()
            removed.append(old)
        except OSError:  # another user's file, or gone already: not ours to insist on
            pass
    return removed
