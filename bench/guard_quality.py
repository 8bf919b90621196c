"""Quality of the learned duplicate decision (projects/guard/training.py) on labeled sets it was
not trained on, beside its cross-validated figures on the corpus: precision and recall at the
model's threshold, and what it missed and flagged wrongly.

    .venv/bin/python bench/guard_quality.py [SET_DIR ...]
A SET_DIR holds proposals.json and duplicate_pairs.json (default: tests/data, the 40 samples,
and ../shared/samples/setD when present). Sentence vectors are cached in instance/ between runs.
"""
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def labeled_set(directory: Path):
    proposals = json.loads((directory / "proposals.json").read_text(encoding="utf-8"))
    pairs = json.loads((directory / "duplicate_pairs.json").read_text(encoding="utf-8"))
    return proposals, {tuple(sorted(p[:2])) for p in pairs["duplicate_pairs"]}


def main():
    from projects.guard import embedding, model, training

    cache = ROOT / "instance" / "guard_vectors.npz"
    cache.parent.mkdir(exist_ok=True)
    embedding.load_cache(cache)
    decider = model.load()
    print("model:", json.dumps(decider.info, ensure_ascii=False))
    sets = [Path(a) for a in sys.argv[1:]] or [ROOT / "tests" / "data",
                                               ROOT.parent / "shared" / "samples" / "setD"]
    for directory in sets:
        if not (directory / "proposals.json").exists():
            print(f"{directory}: not found, skipped")
            continue
        proposals, truth = labeled_set(directory)
        started = time.perf_counter()
        result = training.evaluate(proposals, truth, decider)
        print(f"{directory.name}: {len(proposals)} proposals, {len(truth)} labeled pairs: "
              f"flagged {result['flagged']}, right {result['right']}, precision "
              f"{result['precision']}, recall {result['recall']} "
              f"({time.perf_counter() - started:.1f} s)")
        print("  missed:", result["missed"])
        print("  wrongly flagged:", result["false"])
    embedding.save_cache(cache)


if __name__ == "__main__":
    main()
