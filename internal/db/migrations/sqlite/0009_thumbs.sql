-- 0009: thumbnails of progress photos (320 px, JPEG) stored beside the (resized) photo.
ALTER TABLE commitment_progress_files ADD COLUMN thumb_file_id BIGINT REFERENCES files(id);
CREATE INDEX commitment_progress_files_thumb ON commitment_progress_files(thumb_file_id);
