"""Getting a model into the local cache: download a pinned hub revision, use a local
save_pretrained directory, or build a tiny random-weight model for the demo and tests."""
