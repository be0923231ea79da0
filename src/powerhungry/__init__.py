"""Measurement core of the Power Hungry Processing reproduction: study plan, samplers, task
runners, energy measurement with CodeCarbon, aggregation and plots. No Snakemake imports here."""

__version__ = "0.1.0"
