"""Dataset sampling and the paper's per-task preprocessing."""
