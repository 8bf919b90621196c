"""Projects, reviews, the lifecycle service, import and demo data."""
