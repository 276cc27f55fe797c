"""Every analysis, for one session or many, each defined once: friction findings (``findings/``), heatmaps
(``heatmaps/``: one ``gather`` that defines every weight, the library maps, anchored and difference maps, the
legend), active time, segments parsed from user text, goal rules (compiled to SQL by ``store``), and the comparison
statistics: A/B reports, funnels, clicks vs conversion, surveys (scipy/statsmodels)."""
