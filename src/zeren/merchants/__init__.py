"""Merchants (平台内经营者): the registry, verification, listings and the reports to the
market regulator and the tax authority (指南 第十条、第二十九条、第三十三条; 电子商务法 第十条、
第十五条、第十六条、第二十七条、第二十八条)."""
