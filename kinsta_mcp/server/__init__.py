"""The MCP side: tools, the confirmation guard, waiting for long operations, the audit trail."""
