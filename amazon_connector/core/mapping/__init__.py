"""Pure functions from Amazon payloads to drafts."""
