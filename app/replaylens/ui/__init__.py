"""Everything Qt: the main window (thin), replay canvas, timeline, docks, dialogs. Imported only when the GUI runs."""
