"""MSCOCO captions with the user's image features into the caption layout.

The paper's captioning task reads a CNN feature vector per image; extracting
those needs the 20 GB of images and a CNN, so the user brings them: one
``.npy`` array ``[n_images, dim]`` per split and a text file with the COCO
image id of each row. The split is whatever images the feature file holds
(so Karpathy's train/val/test split of train2014+val2014 is expressed by the
features extracted for it). Captions come from the annotation JSONs
(``captions_train2014.json`` …, read straight out of the zip). Images without
a caption and captions without features are left out and counted.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from mtseq.corpora.fetch.sources import read_source_bytes
from mtseq.errors import MtseqError
from mtseq.io import AtomicOutputs, check_input_file, read_lines
from mtseq.layout import Layout


def read_captions(sources: Sequence[str | Path]) -> dict[int, list[str]]:
    """COCO image id -> its captions (in annotation id order, whitespace collapsed) from annotation JSONs."""
    found: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for src in sources:
        try:
            doc = json.loads(read_source_bytes(src).decode("utf-8"))
            annotations = doc["annotations"]
            rows = [(int(a["image_id"]), int(a["id"]), str(a["caption"])) for a in annotations]
        except UnicodeDecodeError:
            raise MtseqError("not UTF-8 (expected a COCO captions JSON)", src) from None
        except json.JSONDecodeError as err:
            raise MtseqError(f"invalid JSON: {err.msg}", src, err.lineno) from None
        except (KeyError, TypeError, ValueError) as err:
            raise MtseqError(f"not a COCO captions file (annotations need image_id, id, caption: {err})", src) from None
        for image, ann, caption in rows:
            text = " ".join(caption.split())
            if text:
                found[image].append((ann, text))
    return {image: [text for _, text in sorted(caps)] for image, caps in found.items()}


def read_image_ids(path: str | Path, n_rows: int, features: Path) -> list[int]:
    ids = []
    for i, line in enumerate(read_lines(path, allow_empty_lines=False), 1):
        try:
            ids.append(int(line.strip()))
        except ValueError:
            raise MtseqError(f"expected a COCO image id (an integer), got {line.strip()[:30]!r}", path, i) from None
    if len(ids) != n_rows:
        raise MtseqError(f"{len(ids)} image ids but {features} has {n_rows} rows", path)
    seen: dict[int, int] = {}
    for i, image in enumerate(ids, 1):
        if image in seen:
            raise MtseqError(f"image id {image} already on line {seen[image]}", path, i)
        seen[image] = i
    return ids


def load_features(path: str | Path) -> np.ndarray:
    """A ``[n_images, dim]`` float array, memory-mapped (feature files run to gigabytes)."""
    path = Path(path)
    check_input_file(path, "image feature file not found (extract one .npy [n_images, dim] per split)")
    try:
        feats = np.load(path, mmap_mode="r", allow_pickle=False)
    except ValueError as err:
        raise MtseqError(f"not a numpy array file: {err}", path) from None
    if feats.ndim != 2 or not np.issubdtype(feats.dtype, np.floating):
        raise MtseqError(f"expected a float array [n_images, dim], got {feats.dtype} {feats.shape}", path)
    return feats


def prepare_coco(
    annotations: Sequence[str | Path],
    features: str | Path,
    image_ids: str | Path,
    layout: Layout,
    split: str,
    max_per_image: int | None = None,
) -> dict:
    """Write ``raw/caption.<split>.{en,img,npy}``: captions, their feature row, the features of captioned images."""
    features = Path(features)
    feats = load_features(features)
    ids = read_image_ids(image_ids, feats.shape[0], features)
    captions = read_captions(annotations)
    rows = [i for i, image in enumerate(ids) if image in captions]
    if not rows:
        names = ", ".join(map(str, annotations))
        raise MtseqError(f"none of the {len(ids)} images has a caption in {names}", image_ids)
    kept = feats[rows].astype(np.float32)
    bad = ~np.isfinite(kept).all(axis=1)
    if bad.any():
        raise MtseqError(f"features contain NaN or inf (row {rows[int(np.flatnonzero(bad)[0])]})", features)
    lines, img = [], []
    for new_row, old_row in enumerate(rows):
        caps = captions[ids[old_row]][:max_per_image]
        lines += caps
        img += [str(new_row)] * len(caps)
    with_features = set(ids)
    stats = {
        "split": split,
        "images_with_features": len(ids),
        "images_kept": len(rows),
        "images_without_caption": len(ids) - len(rows),
        "captions": len(lines),
        "captions_without_features": sum(len(c) for image, c in captions.items() if image not in with_features),
        "feature_dim": int(feats.shape[1]),
    }
    with AtomicOutputs() as out:
        out.write_lines(layout.raw_caption(split, "en"), lines)
        out.write_lines(layout.caption_image_ids(split), img)
        with open(out.path(layout.caption_features(split)), "wb") as fh:
            np.save(fh, kept)
    return stats
