"""The guard's decision model: a logistic regression over the pair features, fitted by
`flask projects train-guard` from the corpus (training.py) and kept as a small JSON file in
the repo (data/guard_model.json), so it loads offline, is readable and diffable, and needs no
pickle. The score shown is its probability; the threshold was chosen by cross-validation over
system families and lives beside it (GUARD_THRESHOLD overrides it).
"""
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from projects.guard.features import FEATURES

MODEL_FILE = Path(__file__).resolve().parents[2] / "data" / "guard_model.json"


@dataclass(frozen=True)
class DecisionModel:
    features: tuple
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float
    info: dict

    @property
    def background(self) -> dict | None:
        """The corpus' typical neighbour similarity by kind: what a missing neighbour of a
        small portfolio counts as in the margins (portfolio.rank_columns)."""
        return self.info.get("background")

    def standardise(self, X: np.ndarray) -> np.ndarray:
        return (np.asarray(X, dtype=np.float64) - self.mean) / self.scale

    def contributions(self, X: np.ndarray) -> np.ndarray:
        """Each feature's share of the log-odds, per pair: what drove the decision."""
        return self.standardise(X) * self.coef

    def probability(self, X: np.ndarray) -> np.ndarray:
        z = self.contributions(X).sum(axis=1) + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def decide(self, X: np.ndarray, worded_same: np.ndarray) -> np.ndarray:
        """The score shown: the probability, raised for a pair worded the same
        (features.same_wording) to the share of such corpus pairs that are duplicates."""
        p = self.probability(X)
        floor = self.info.get("same_wording_probability")
        if floor is None:
            return p
        return np.where(np.asarray(worded_same) > 0, np.maximum(p, floor), p)

    def as_json(self) -> dict:
        return {"features": list(self.features), "mean": self.mean.round(6).tolist(),
                "scale": self.scale.round(6).tolist(), "coef": self.coef.round(6).tolist(),
                "intercept": round(float(self.intercept), 6),
                "threshold": round(float(self.threshold), 3), "info": self.info}

    @classmethod
    def from_json(cls, data: dict) -> "DecisionModel":
        if tuple(data["features"]) != FEATURES:
            raise RuntimeError("data/guard_model.json was fitted on other features: run "
                               "`flask projects train-guard`")
        return cls(tuple(data["features"]), np.array(data["mean"]), np.array(data["scale"]),
                   np.array(data["coef"]), float(data["intercept"]), float(data["threshold"]),
                   data.get("info", {}))


def save(model: DecisionModel, path: Path = MODEL_FILE) -> None:
    Path(path).write_text(json.dumps(model.as_json(), ensure_ascii=False, indent=1) + "\n",
                          encoding="utf-8")
    load.cache_clear()


@lru_cache(maxsize=4)
def load(path: Path = MODEL_FILE) -> DecisionModel:
    return DecisionModel.from_json(json.loads(Path(path).read_text(encoding="utf-8")))
