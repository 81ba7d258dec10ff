// Draws the dashboard's charts (filled in by the dashboard work).
