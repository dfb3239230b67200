"""Governance registers (指南 第三、五、九、十六、三十二、三十四条): interoperability requests,
the compliance programme (policies, training, integrity cases, regulators' requests),
concentrations with the notification thresholds, enforcement requests with scoped exports
and retention holds, and the yearly innovation and packaging figures."""
