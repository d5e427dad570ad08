"""The spec file: YAML with positions and spans, safe expressions, --set overrides, lowering."""
