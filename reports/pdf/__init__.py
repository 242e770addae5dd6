"""PDF reports (ReportLab platypus): one carrier's utilisation, and the district's."""
