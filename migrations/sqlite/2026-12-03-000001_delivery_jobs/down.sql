DROP TABLE delivery_jobs;
