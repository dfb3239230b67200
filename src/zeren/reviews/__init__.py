"""Reviews (用户评价) of orders, kept on the ledger, and the display audit that compares what
the platform shows with what was written (指南 第十五条; 电子商务法 第三十九条)."""
