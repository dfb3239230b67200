"""Use cases of the merchant registry, one module per seam: ``registry`` (merchants, shops,
licences, documents, history), ``importer`` (bulk CSV/XLSX, all or nothing)."""
