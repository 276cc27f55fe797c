"""Analysis over one session or many: statistics, comparisons, funnels (numpy + scipy/statsmodels, no Qt)."""
