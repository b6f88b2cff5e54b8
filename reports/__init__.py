"""chachong reports package."""
