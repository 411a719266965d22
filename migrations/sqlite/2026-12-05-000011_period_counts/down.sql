DROP TABLE period_counted;
DROP TABLE period_counts;
