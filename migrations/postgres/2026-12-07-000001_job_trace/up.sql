-- The W3C traceparent of the request that made a delivery job (when traces are exported), so
-- that each attempt to deliver it is a span of that request's trace.
ALTER TABLE delivery_jobs ADD COLUMN trace_parent TEXT;
