"""Energy measurement: CodeCarbon phases, provenance, and the per-cell measurement loop."""
