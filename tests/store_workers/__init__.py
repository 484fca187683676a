"""Programs the store tests run in processes of their own (to kill them, or to race them)."""
