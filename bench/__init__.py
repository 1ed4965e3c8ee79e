"""Benchmark tooling (``make bench``): never part of the application, never installed with it."""
