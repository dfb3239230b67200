"""The audit trail: every write in Zeren appends who did what to which record, when, and the
digests of the record before and after. Nobody can edit or delete it through the product, and
the database refuses it too."""
