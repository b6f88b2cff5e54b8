"""Reading, decoding, normalizing and structuring submissions."""
