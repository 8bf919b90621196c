"""Read a project's name, capabilities and description into what it builds and what it uses.

Chinese text is segmented with jieba plus the domain dictionary (data/guard_dictionary.json).
Each phrase of the dictionary names a concept (a system such as 视频监控, a component such as
精密空调, a scope such as 城区). Phrases that follow a reuse cue (依托, 基于已建成的, 调用 ...)
or a negated build (不另建 ...) name what the project *uses*, not what it builds: a project that
builds on an existing platform is that platform's consumer, not its duplicate.
"""
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import jieba

jieba.setLogLevel(60)
DICTIONARY_FILE = Path(__file__).resolve().parents[2] / "data" / "guard_dictionary.json"
CLAUSE_END = "，,。;；：:!！?？\n"
NAME_WEIGHT, CAPABILITY_WEIGHT, DESCRIPTION_WEIGHT = 3.0, 3.0, 1.0


@dataclass
class Features:
    """What the guard knows of one project's text."""

    concepts: dict = field(default_factory=dict)  # concept -> weight of what it builds
    consumed: set = field(default_factory=set)  # concepts it uses from elsewhere
    terms: dict = field(default_factory=dict)  # word -> weighted count (built parts only)
    phrases: dict = field(default_factory=dict)  # concept -> dictionary phrases seen
    identity: set = field(default_factory=set)  # systems its name names (else its tags)
    name_stem: str = ""  # the name without phase markers (一期, 二期, 升级改造 ...)


class Dictionary:
    def __init__(self, path=DICTIONARY_FILE):
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        self.kind_weights = data["kind_weights"]
        self.concept_kind = {c: spec["kind"] for c, spec in data["concepts"].items()}
        self.concept_of = {}
        for concept, spec in data["concepts"].items():
            for term in spec["terms"]:
                self.concept_of.setdefault(term, concept)
        terms = sorted(self.concept_of, key=len, reverse=True)
        self.term_pattern = re.compile("|".join(re.escape(t) for t in terms))
        self.reuse_pattern = re.compile("|".join(
            re.escape(c) for c in sorted(data["reuse_cues"], key=len, reverse=True)))
        self.negated_pattern = re.compile("|".join(
            re.escape(c) for c in sorted(data["negated_build"], key=len, reverse=True)))
        self.cue_negations = tuple(data["cue_negations"])
        self.reuse_regexes = [re.compile(p) for p in data.get("reuse_patterns", [])]
        self.phase_pattern = re.compile("|".join(
            re.escape(c) for c in sorted(data["phase_markers"], key=len, reverse=True)))
        self.stopwords = set(data["stopwords"])
        for term in terms:
            jieba.add_word(term, freq=2000)
        self.concepts = sorted(self.concept_kind)
        self.concept_index = {c: i for i, c in enumerate(self.concepts)}


@lru_cache(maxsize=1)
def dictionary() -> Dictionary:
    return Dictionary()


def used_spans(text: str, d: Dictionary) -> list[tuple[int, int]]:
    """Character ranges naming what the project uses rather than builds: the clause after a
    reuse cue or a negated build, and X in "与X对接"."""
    spans = []
    for match in list(d.reuse_pattern.finditer(text)) + list(d.negated_pattern.finditer(text)):
        before = text[max(0, match.start() - 2):match.start()]
        if match.re is d.reuse_pattern and before.endswith(d.cue_negations):
            continue  # 暂不对接, 不依托: no reuse
        end = match.end()
        while end < len(text) and text[end] not in CLAUSE_END:
            end += 1
        if match.group() in ("对接", "纳入"):  # the object stands before: 与X对接, 将X纳入
            start = max(text.rfind(c, 0, match.start()) for c in CLAUSE_END) + 1
            spans.append((start, match.end()))
        else:
            spans.append((match.start(), end))
    for regex in d.reuse_regexes:
        spans.extend(m.span() for m in regex.finditer(text))
    return spans


def _inside(position: int, spans) -> bool:
    return any(start <= position < end for start, end in spans)


def _words(text: str, d: Dictionary):
    position = 0
    for word in jieba.lcut(text, HMM=False):
        start = text.find(word, position)
        position = start + len(word) if start >= 0 else position
        if len(word) < 2 or word in d.stopwords or word.isdigit() or not word.strip():
            continue
        if all(ch in CLAUSE_END or not ch.isalnum() for ch in word):
            continue
        yield word, start


def _systems_in(texts, d: Dictionary) -> set:
    return {d.concept_of[m.group()] for text in texts for m in d.term_pattern.finditer(text)
            if d.concept_kind[d.concept_of[m.group()]] == "system"}


def analyse(name: str, capabilities: list[str], description: str) -> Features:
    """The features of one project; pure function of its texts (cached for repeated texts)."""
    return _analyse(name or "", tuple(capabilities or ()), description or "")


@lru_cache(maxsize=50000)
def _analyse(name: str, capabilities: tuple, description: str) -> Features:
    d = dictionary()
    features = Features(name_stem=d.phase_pattern.sub("", re.sub(r"[()（）\s]", "", name)))
    spans = used_spans(description, d)
    parts = [(name, NAME_WEIGHT, []), (description, DESCRIPTION_WEIGHT, spans)]
    parts += [(tag, CAPABILITY_WEIGHT, []) for tag in capabilities]
    for text, weight, part_spans in parts:
        for match in d.term_pattern.finditer(text):
            concept = d.concept_of[match.group()]
            if _inside(match.start(), part_spans):
                features.consumed.add(concept)
                continue
            kind_weight = d.kind_weights[d.concept_kind[concept]]
            features.concepts[concept] = min(features.concepts.get(concept, 0) + weight * kind_weight,
                                             2 * NAME_WEIGHT * kind_weight)
            features.phrases.setdefault(concept, set()).add(match.group())
        for word, start in _words(text, d):
            if not _inside(start, part_spans):
                features.terms[word] = features.terms.get(word, 0) + weight
    # A capability it says it uses (依托 X, 在X平台上开设...) is built on that platform, not
    # rebuilt, unless its own name says it builds that very system.
    in_name = _systems_in([name], d) | {d.concept_of[m.group()]
                                         for m in d.term_pattern.finditer(name)}
    for concept in list(features.consumed):
        if concept in in_name:
            features.consumed.discard(concept)
        else:
            features.concepts.pop(concept, None)
            features.phrases.pop(concept, None)
    features.identity = (_systems_in([name], d) or _systems_in(capabilities, d)) \
        - features.consumed
    return features
