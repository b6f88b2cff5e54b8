"""chachong index package."""
