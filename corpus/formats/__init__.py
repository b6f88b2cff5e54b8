"""Readers of the binary formats: .docx, .pdf, and .doc/.wps through LibreOffice."""
