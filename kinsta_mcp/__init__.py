"""kinsta-mcp: an MCP server for Kinsta WordPress hosting."""

__version__ = "0.1.0"
