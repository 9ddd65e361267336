-- Schema step 1: records, signals, model-ready cache, label sets, label events (append-only), current-label
-- cache, per-record state for fast filtering, predictions, model versions, splits.

CREATE TABLE records (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE,        -- user-facing id; source_name, or origin/source_name on a collision
  source_name   TEXT NOT NULL,               -- record name as written in the file
  origin        TEXT NOT NULL,               -- folder the record came from (e.g. cpsc2018)
  format        TEXT NOT NULL,               -- wfdb | wfdb-mat | edf | csv
  fs            REAL NOT NULL,
  duration_sec  REAL NOT NULL,
  n_channels    INTEGER NOT NULL,
  lead_names    TEXT NOT NULL,               -- JSON array, in channel order
  age           REAL,
  sex           TEXT CHECK (sex IN ('M', 'F')),
  recorded_at   TEXT,
  patient_id    TEXT,
  dx            TEXT NOT NULL DEFAULT '[]',  -- JSON array, as written in the file
  comments      TEXT NOT NULL DEFAULT '[]',  -- JSON array
  files         TEXT NOT NULL DEFAULT '[]',  -- JSON array of source paths
  content_hash  TEXT NOT NULL UNIQUE,
  model_ready   INTEGER NOT NULL CHECK (model_ready IN (0, 1)),
  imported_at   TEXT NOT NULL
);
CREATE INDEX records_origin ON records (origin);
CREATE INDEX records_source_name ON records (source_name);
CREATE INDEX records_patient ON records (patient_id);

CREATE TABLE channels (
  id             INTEGER PRIMARY KEY,
  record_id      INTEGER NOT NULL REFERENCES records (id) ON DELETE CASCADE,
  idx            INTEGER NOT NULL,
  name           TEXT NOT NULL,
  lead           TEXT,
  fs             REAL NOT NULL,
  gain           REAL NOT NULL,
  baseline       REAL NOT NULL,
  units          TEXT NOT NULL,
  adc_resolution INTEGER,
  n_samples      INTEGER NOT NULL,
  invalid_value  INTEGER,
  n_invalid      INTEGER NOT NULL DEFAULT 0,
  source_format  TEXT NOT NULL,
  samples        BLOB NOT NULL,              -- db/signalCodec.ts
  UNIQUE (record_id, idx)
);

CREATE TABLE model_inputs (
  record_id  INTEGER PRIMARY KEY REFERENCES records (id) ON DELETE CASCADE,
  length     INTEGER NOT NULL,
  n_invalid  INTEGER NOT NULL,               -- invalid source samples set to 0 mV
  resampler  TEXT NOT NULL,
  data       BLOB NOT NULL                   -- Float32 LE, 3 × length, lead-major (I, II, V1), mV
);

CREATE TABLE label_sets (
  name       TEXT PRIMARY KEY,
  classes    TEXT NOT NULL,                  -- JSON array; bit i of a mask = classes[i]
  multilabel INTEGER NOT NULL CHECK (multilabel IN (0, 1))
);
INSERT INTO label_sets VALUES ('chapman4', '["SB","AFIB","GSVT","SR"]', 0);
INSERT INTO label_sets VALUES ('cpsc9', '["Normal","AF","I-AVB","LBBB","RBBB","PAC","PVC","STD","STE"]', 1);

-- The audit log. Nothing is updated or deleted: an undo is a new event that names the event it undoes.
CREATE TABLE label_events (
  id         INTEGER PRIMARY KEY,
  record_id  INTEGER NOT NULL REFERENCES records (id),
  label_set  TEXT NOT NULL REFERENCES label_sets (name),
  kind       TEXT NOT NULL CHECK (kind IN ('ground-truth', 'annotator', 'model', 'undo')),
  source     TEXT NOT NULL,                  -- labels CSV file name, 'header', annotator name or model version
  classes    TEXT NOT NULL,                  -- JSON array (the value after this event)
  mask       INTEGER NOT NULL,
  undoes     INTEGER REFERENCES label_events (id),
  at         TEXT NOT NULL
);
CREATE INDEX label_events_record ON label_events (record_id, label_set);
CREATE INDEX label_events_source ON label_events (source, kind);
CREATE TRIGGER label_events_no_update BEFORE UPDATE ON label_events
  BEGIN SELECT RAISE(ABORT, 'label events are append-only: record a new event instead'); END;
CREATE TRIGGER label_events_no_delete BEFORE DELETE ON label_events
  BEGIN SELECT RAISE(ABORT, 'label events are append-only: record an undo event instead'); END;

-- Derived from label_events (rebuildable): the current value per record, label set and source.
CREATE TABLE label_current (
  record_id  INTEGER NOT NULL REFERENCES records (id) ON DELETE CASCADE,
  label_set  TEXT NOT NULL,
  kind       TEXT NOT NULL CHECK (kind IN ('ground-truth', 'annotator')),
  source     TEXT NOT NULL,
  event_id   INTEGER NOT NULL,
  mask       INTEGER NOT NULL,
  PRIMARY KEY (record_id, label_set, kind, source)
) WITHOUT ROWID;
CREATE INDEX label_current_set ON label_current (label_set, kind, source);

-- Derived (rebuildable): one row per record and label set, what the record list filters and sorts on.
CREATE TABLE record_state (
  record_id      INTEGER NOT NULL REFERENCES records (id) ON DELETE CASCADE,
  label_set      TEXT NOT NULL,
  truth_mask     INTEGER,                    -- ground truth (labels CSV over header), NULL when none
  consensus_mask INTEGER,                    -- annotators' majority, NULL when no annotator
  annotators     INTEGER NOT NULL DEFAULT 0,
  annot_disagree INTEGER NOT NULL DEFAULT 0,
  pred_version   TEXT,
  pred_mask      INTEGER,
  pred_top       TEXT,
  pred_conf      REAL,
  disagreement   INTEGER NOT NULL DEFAULT 0, -- annotators disagree, or prediction ≠ reference label
  PRIMARY KEY (label_set, record_id)
) WITHOUT ROWID;
CREATE INDEX record_state_conf ON record_state (label_set, pred_conf);
CREATE INDEX record_state_pred ON record_state (label_set, pred_top);
CREATE INDEX record_state_reviewed ON record_state (label_set, annotators);

CREATE TABLE model_versions (
  version    TEXT PRIMARY KEY,
  task       TEXT NOT NULL,
  parent     TEXT,
  path       TEXT NOT NULL,
  metrics    TEXT NOT NULL DEFAULT 'null',
  created_at TEXT NOT NULL
);
CREATE TABLE active_models (
  task    TEXT PRIMARY KEY,
  version TEXT NOT NULL REFERENCES model_versions (version)
);

CREATE TABLE predictions (
  record_id     INTEGER NOT NULL REFERENCES records (id) ON DELETE CASCADE,
  model_version TEXT NOT NULL,
  label_set     TEXT NOT NULL REFERENCES label_sets (name),
  probabilities TEXT NOT NULL,               -- JSON array in the label set's class order
  top_class     TEXT NOT NULL,
  confidence    REAL NOT NULL,
  mask          INTEGER NOT NULL,            -- predicted classes (argmax, or p ≥ 0.5 for multilabel)
  at            TEXT NOT NULL,
  PRIMARY KEY (model_version, record_id)
) WITHOUT ROWID;
CREATE INDEX predictions_record ON predictions (record_id, label_set);

CREATE TABLE splits (
  name       TEXT PRIMARY KEY,
  label_set  TEXT,
  seed       INTEGER,
  params     TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE split_members (
  split     TEXT NOT NULL REFERENCES splits (name) ON DELETE CASCADE,
  record_id INTEGER NOT NULL REFERENCES records (id) ON DELETE CASCADE,
  part      TEXT NOT NULL,
  PRIMARY KEY (split, record_id)
) WITHOUT ROWID;
