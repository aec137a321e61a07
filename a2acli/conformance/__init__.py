"""`a2a conformance`: smoke-check a live agent against A2A 1.0 requirements, named by the A2A TCK's IDs.

`registry` declares the requirements as data (pure), `checks` drives the agent through the client's one
connection façade, `runner` runs them concurrently with a timeout each, `report` holds the results (pure).
"""
