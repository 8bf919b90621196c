"""Shared foundations: database and AppBuilder instances, audit trail, security, errors."""
