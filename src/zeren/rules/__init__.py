"""Platform rules (平台规则): service agreements, trading rules and fee schedules with their
versions, public consultation, hearings, decisions, publication and exits (指南 第十四条,
第十六条, 第二十九条; 电子商务法 第三十四条)."""
