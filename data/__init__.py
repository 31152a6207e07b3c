"""Data shipped with One Blueprint."""
