"""Data sharing through the catalogue (信息资源共享, plan T5 and P2): a department asks the
owner of a shared data item for it instead of rebuilding it."""
