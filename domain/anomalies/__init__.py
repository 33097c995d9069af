"""Anomalies inspectors look for (DESIGN.md §4.5): rules as data, judged on facts built
from the events, recorded as events.

- ``catalogue``: the rules' codes, categories, levels, titles, documentation and
  thresholds, loaded from ``rules.json`` and checked;
- ``facts``: pure apply functions building what the rules look at (a case's timeline,
  the power list, the declared interests, departments' counts);
- ``rules``: each rule's logic, pure;
- ``detection``: judging a case by every rule, each anomaly under a stable id;
- ``anomaly``: the Anomaly aggregate (detected; confirmed or dismissed by an inspector);
- ``interest``: the DeclaredInterest aggregate, the declared-interest register (回避).
"""
