"""``guanxi watch`` as an edge: a watchdog adapter (``watcher``) over the same
incremental rebuild that ``guanxi index`` runs.
"""
