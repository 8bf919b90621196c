"""Funding sources, funding plans, disbursements (拨付) and expenditures (支出) (DESIGN §2)."""
