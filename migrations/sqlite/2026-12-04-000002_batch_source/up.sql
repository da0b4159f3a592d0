-- How a batch's rows arrived: an uploaded spreadsheet ('xlsx') or JSON rows ('json'); the
-- errors of a JSON row name their field, not a sheet cell.
ALTER TABLE batches ADD COLUMN source TEXT NOT NULL DEFAULT 'xlsx';
