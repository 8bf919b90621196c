"""Leadership-group review (领导小组审议, plan G1): a major project needs the e-government
leadership group's recorded decision before its final approval."""
