-- 通过并公布: a reviewer approves and publishes a commitment in one step,
-- unless the office keeps publishing a separate step for the campaign.
ALTER TABLE campaigns ADD COLUMN publish_separately BOOLEAN NOT NULL DEFAULT FALSE;
