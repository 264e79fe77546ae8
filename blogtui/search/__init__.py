"""Full-text search over an archive: the only package that imports whoosh.

Import the submodules you need (`blogtui.search.index`, `.search`, ...): this package imports
nothing itself, so `blogtui list` and the query syntax stay cheap to load.
"""
