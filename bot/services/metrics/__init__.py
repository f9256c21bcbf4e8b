"""Support metrics computed by queries over stored facts (no counters kept in memory)."""
