"""Short codes, QR images and print sheets, the scan resolver and scan counts."""
