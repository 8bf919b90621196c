"""The duplicate-construction guard (重复建设审查), DESIGN §5.

analysis.py reads a project's text into what it builds and what it uses; index.py keeps the
portfolio in memory per worker and retrieves candidates; scoring.py decides a pair with
evidence; services.py holds the rules (checks at submission, the approval rule, the scan).
"""
