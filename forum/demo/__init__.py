"""A realistic demo community, for trying Haven out and for benchmarks."""
