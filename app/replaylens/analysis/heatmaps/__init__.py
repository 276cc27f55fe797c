"""Heatmaps for one session and many: gather (every weight, once), counts, the library maps, anchored and
difference maps, the legend."""
