"""The report to the province's operations centre (IOC): a month's or a quarter's figures."""
