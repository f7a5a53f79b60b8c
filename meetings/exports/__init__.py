"""The Word documents: minutes (full and family copies) and the multi-agency chronology."""
