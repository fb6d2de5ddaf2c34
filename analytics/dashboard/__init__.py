"""The leadership dashboard's numbers and figures, assembled from rollups, stats and charts."""
