"""The pure domain: records and their rules. No files, no screens, no Word."""
