"""Risk register, system-raised risks and the project rating (DESIGN §2 Risk, Rating)."""
