DROP TABLE hsds_records;
DROP TABLE hsds_sources;
