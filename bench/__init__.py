"""Benchmarks of every stage against its baseline and its ceiling (`python -m bench`)."""
