"""chachong detector package."""
