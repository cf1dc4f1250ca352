"""Writing CSV and XLSX files whose cells cannot be read as formulas."""
