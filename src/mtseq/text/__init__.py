"""Text processing: Moses tokenisation and vocabularies."""
