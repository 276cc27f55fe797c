"""Analysis over many sessions: segments parsed from user text, goal rules (compiled to SQL by ``store``),
and the comparison statistics: A/B reports, difference heatmaps, funnels, clicks vs conversion (scipy/statsmodels)."""
