"""Mail: templates, and sending over SMTP with the `emails` package."""
