-- Schema step 2: the reference label (consensus, else ground truth) as its own indexed column, so a label
-- filter is an index lookup over the masks that contain the class, and an index for the disagreement filter.
ALTER TABLE record_state ADD COLUMN ref_mask INTEGER;
UPDATE record_state SET ref_mask = coalesce(consensus_mask, truth_mask);
CREATE INDEX record_state_ref ON record_state (label_set, ref_mask);
CREATE INDEX record_state_disagreement ON record_state (label_set, disagreement);
-- Every record gets a state row per label set (step 1 created them only when a label or prediction arrived).
INSERT OR IGNORE INTO record_state (record_id, label_set) SELECT r.id, l.name FROM records r, label_sets l;
