"""Benchmarks: relevance (SciFact, the judged SC queries), scale and load. See README, Performance."""
