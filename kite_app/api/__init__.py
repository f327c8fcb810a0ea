"""The public HTTP endpoints, mounted in front of Reflex through `api_transformer`."""
