"""SKM (Survei Kepuasan Masyarakat) after issuance, and the index per permit type."""
