-- earnings schema, version 22: the eventIds of all uses in a table of their own, and what archived
-- months of the usage log leave behind. Runs unchanged on H2 2.x and PostgreSQL 15+.
--
-- Every recorded eventId, forever: its primary key is what makes an eventId recorded once across
-- the whole usage log. On PostgreSQL the usage log is partitioned by time (V23), and a unique
-- index of a partitioned table must contain the partition key, so the usage log alone could only
-- keep an eventId unique within a month; a distributed engine (Citus) likewise keeps a unique key
-- only when it contains the distribution column, which this table's is. occurred_at names the
-- partition where the use's row is, so a look-up by eventId reads one partition.
CREATE TABLE model_usage_events (
    event_id    VARCHAR(512)             NOT NULL PRIMARY KEY,
    occurred_at TIMESTAMP WITH TIME ZONE NOT NULL
);
INSERT INTO model_usage_events (event_id, occurred_at) SELECT event_id, occurred_at FROM model_usage_logs;

-- A month of the usage log that was exported and removed (PostgreSQL only: a detached partition).
-- Its uses stay counted in the totals and rollups, which are never changed by archiving.
CREATE TABLE earnings_usage_archives (
    month_start DATE                     NOT NULL PRIMARY KEY,
    uses        BIGINT                   NOT NULL,
    earnings    NUMERIC(38, 12)          NOT NULL,
    archived_at TIMESTAMP WITH TIME ZONE NOT NULL,
    archived_by VARCHAR(512)             NOT NULL
);

-- What an archived month's uses added to each quarter hour, by usage type, with the range of
-- ordinals among them: enough for the integrity check to recompute the model totals, the daily
-- and quarter-hour rollups and the balances exactly without the rows.
CREATE TABLE earnings_archived_slots (
    model_id      VARCHAR(512)    NOT NULL,
    slot          BIGINT          NOT NULL,
    usage_type    VARCHAR(64)     NOT NULL,
    usage_day     DATE            NOT NULL,
    creator_id    VARCHAR(512)    NOT NULL,
    uses          BIGINT          NOT NULL,
    counted_uses  BIGINT          NOT NULL,
    earning_uses  BIGINT          NOT NULL,
    tokens        BIGINT          NOT NULL,
    earnings      NUMERIC(38, 12) NOT NULL,
    PRIMARY KEY (model_id, slot, usage_type)
);

-- An archived month's users per model and day (model_daily_users keeps who they were), and the
-- model's ordinals among that day's uses: how many distinct, the smallest and the largest.
CREATE TABLE earnings_archived_days (
    model_id          VARCHAR(512) NOT NULL,
    usage_day         DATE         NOT NULL,
    creator_id        VARCHAR(512) NOT NULL,
    users             BIGINT       NOT NULL,
    distinct_ordinals BIGINT       NOT NULL,
    first_ordinal     BIGINT,
    last_ordinal      BIGINT,
    PRIMARY KEY (model_id, usage_day)
);

-- The archived uses that were reversed, as the reversal checks need them.
CREATE TABLE earnings_archived_uses (
    event_id   VARCHAR(512)    NOT NULL PRIMARY KEY,
    model_id   VARCHAR(512)    NOT NULL,
    creator_id VARCHAR(512)    NOT NULL,
    usage_day  DATE            NOT NULL,
    usage_type VARCHAR(64)     NOT NULL,
    earnings   NUMERIC(38, 12) NOT NULL
);
