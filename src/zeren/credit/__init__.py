"""Credit evaluation (信用评价) of merchants under a published formula (指南 第十五条;
电子商务法 第三十九条)."""
