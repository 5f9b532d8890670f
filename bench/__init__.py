"""Benchmarks for Recovery at hospital-network scale; `make bench` runs them (see run.py)."""
