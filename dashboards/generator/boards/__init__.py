"""The dashboards, one module each.

A board module defines FILE (the JSON file it writes in dashboards/) and build(), which returns
the dashboard as a dict: its panels (generator.panels) with their PromQL (generator.promql),
handed to generator.dashboard.dashboard() with a stable uid, a title and tags.

To add a dashboard:
  1. write boards/NAME.py with FILE and build() (boards/health.py is the shorter example);
  2. list the module in BOARDS below and run `python3 dashboards/generate.py`;
  3. in tests/dashboards/dashboard_checks.py, add the file and its uid to DASHBOARD_FILES (the
     static checks, the up-to-date check and the live queries then cover it), and the panels it
     must keep to REQUIRED_PANELS; a panel that may legitimately be empty in the live test goes
     to MAY_BE_EMPTY with the reason;
  4. describe its panels in docs/dashboards.md.
"""

from . import api, health, overview

# In the order generate.py writes them.
BOARDS = (overview, health, api)
