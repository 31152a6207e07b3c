"""Xiamen sample data: real districts, admin codes and coastline, and a seeded generator of synthetic
planning layers placed on the real land (see PROVENANCE.md in this folder)."""
