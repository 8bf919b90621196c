"""The plan's evaluation cycle (保障措施 G4, G5): public evaluation (公众评价), the yearly
performance assessment of departments (绩效评估), post-evaluation of projects (后评价), the
training register (培训) and the scorecard that combines them."""
