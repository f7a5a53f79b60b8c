"""coregroup's Textual app: screens and widgets only; every rule and save is in `meetings`."""
