"""YAML → Spec: safe loading with positions, schema checks, safe expressions, expansion."""
