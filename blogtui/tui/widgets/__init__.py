"""The reader's widgets: the virtual post list, the taxonomy sidebar and the reading pane."""
