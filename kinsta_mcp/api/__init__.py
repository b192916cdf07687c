"""The Kinsta API client: knows the catalog's declarations and HTTP, nothing of MCP."""
