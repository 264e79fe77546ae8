"""The Textual reader: app, screens and widgets (imported only by `blogtui` on a terminal)."""
