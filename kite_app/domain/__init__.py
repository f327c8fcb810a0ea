"""Pure rules of the product: standard library and zoneinfo only. No Reflex, no database, no clock."""
