"""The sync engine: runs products, orders and fees through an ERP port, one record at a time."""
