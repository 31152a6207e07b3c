"""The online intermediary hall (网上中介大厅): registered service providers (中介服务机构) with their
qualifications and service types, and the commissions (委托) project units give them for coded projects."""
