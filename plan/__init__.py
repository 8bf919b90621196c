"""The plan (规划), its task tree, and the departments that carry it out."""
