"""Figures (matplotlib only), drawn from the summary tables."""
