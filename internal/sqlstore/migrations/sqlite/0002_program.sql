-- Program: scope, risk, controls, policies and the statement of
-- applicability. Each object is one row keyed by its user-chosen id; body is
-- the object as JSON (the evident type's encoding), so adding a field to a
-- type needs no migration. Columns beside the body exist for the queries
-- other parts of Evident run in SQL.

ALTER TABLE program ADD COLUMN legal_name TEXT NOT NULL DEFAULT '';
ALTER TABLE program ADD COLUMN supervisory_body TEXT NOT NULL DEFAULT '';
ALTER TABLE program ADD COLUMN country TEXT NOT NULL DEFAULT '';
ALTER TABLE program ADD COLUMN risk_scale TEXT NOT NULL DEFAULT '{}';
ALTER TABLE program ADD COLUMN updated_at TEXT NOT NULL DEFAULT '';
ALTER TABLE program ADD COLUMN updated_by TEXT NOT NULL DEFAULT '';

CREATE TABLE services (
    id          TEXT PRIMARY KEY,
    body        TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL
);
CREATE TABLE systems (
    id          TEXT PRIMARY KEY,
    body        TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL
);
CREATE TABLE zones (
    id          TEXT PRIMARY KEY,
    body        TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL
);
CREATE TABLE suppliers (
    id          TEXT PRIMARY KEY,
    body        TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL
);
CREATE TABLE roles (
    id          TEXT PRIMARY KEY,
    body        TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL
);
CREATE TABLE people (
    id          TEXT PRIMARY KEY,
    body        TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL
);
CREATE TABLE risks (
    id          TEXT PRIMARY KEY,
    body        TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL
);
CREATE TABLE treatments (
    id          TEXT PRIMARY KEY,
    body        TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL
);
CREATE TABLE acceptances (
    id          TEXT PRIMARY KEY,
    body        TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL
);
CREATE TABLE controls (
    id          TEXT PRIMARY KEY,
    body        TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL
);
CREATE TABLE policies (
    id          TEXT PRIMARY KEY,
    body        TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL
);

-- Which requirements each control meets. The foreign key to the catalog is
-- the last line of defence against a control citing a requirement this
-- build does not know.
CREATE TABLE control_requirements (
    control_id      TEXT NOT NULL REFERENCES controls (id) ON DELETE CASCADE,
    standard        TEXT NOT NULL,
    version         TEXT NOT NULL,
    requirement_id  TEXT NOT NULL,
    PRIMARY KEY (control_id, standard, version, requirement_id),
    FOREIGN KEY (standard, version, requirement_id) REFERENCES catalog_requirements (standard, version, id)
);
CREATE INDEX control_requirements_requirement ON control_requirements (standard, version, requirement_id);

-- Treatments by risk, for the risk register's joins.
CREATE TABLE treatment_risks (
    treatment_id  TEXT PRIMARY KEY REFERENCES treatments (id) ON DELETE CASCADE,
    risk_id       TEXT NOT NULL
);
CREATE INDEX treatment_risks_risk ON treatment_risks (risk_id);

-- Statement of applicability decisions, one per requirement decided.
CREATE TABLE soa (
    standard        TEXT NOT NULL,
    version         TEXT NOT NULL,
    requirement_id  TEXT NOT NULL,
    applicable      INTEGER NOT NULL,
    body            TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    updated_by      TEXT NOT NULL,
    PRIMARY KEY (standard, version, requirement_id),
    FOREIGN KEY (standard, version, requirement_id) REFERENCES catalog_requirements (standard, version, id)
);
