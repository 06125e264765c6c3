-- earnings schema, version 18: quarter-hour rollups by usage type. Runs unchanged on H2 2.x and
-- PostgreSQL 15+.
--
-- Reports in a time zone count whole local days, and every zone in use today is offset from UTC
-- by a whole number of quarter hours (Asia/Kolkata +05:30, Asia/Kathmandu +05:45, and all DST
-- changes happen on a quarter hour), so a local day is an exact union of UTC quarter hours: hourly
-- buckets would not do for zones such as those. The usage type is part of the key, so reports
-- filtered by usage type and the platform's figures by usage type, hour of day and day of week are
-- sums of these rows too. The daily rollups (model_analytics) stay: UTC reports read them.
--
-- slot is the quarter hour's number: the epoch second of its start divided by 900. A row holds
-- the uses that occurred in that quarter hour (by occurred_at) and the reversals of the model's
-- uses of that usage type made in it (by reversed_at), as the daily rollup does by day.
CREATE TABLE model_usage_slots (
    model_id     VARCHAR(512)    NOT NULL REFERENCES earnings_models (model_id),
    slot         BIGINT          NOT NULL,
    usage_type   VARCHAR(64)     NOT NULL,
    creator_id   VARCHAR(512)    NOT NULL,
    uses         BIGINT          NOT NULL,
    counted_uses BIGINT          NOT NULL,
    earning_uses BIGINT          NOT NULL,
    tokens       BIGINT          NOT NULL,
    earnings     NUMERIC(38, 12) NOT NULL,
    reversed     NUMERIC(38, 12) NOT NULL,
    PRIMARY KEY (model_id, slot, usage_type)
);
-- A creator's quarter hours in a period (zoned and filtered dashboards, goals).
CREATE INDEX model_usage_slots_creator ON model_usage_slots (creator_id, slot);
-- The platform's quarter hours in a period (market insights, ranks among all models).
CREATE INDEX model_usage_slots_slot ON model_usage_slots (slot);

-- The uses and reversals recorded before this version, rolled up the same way.
INSERT INTO model_usage_slots (model_id, slot, usage_type, creator_id, uses, counted_uses, earning_uses, tokens,
        earnings, reversed)
SELECT model_id, slot, usage_type, MIN(creator_id), SUM(n), SUM(counted), SUM(earning), SUM(tokens), SUM(earned),
        SUM(reversed)
FROM (
    SELECT model_id, CAST(FLOOR(EXTRACT(EPOCH FROM occurred_at) / 900) AS BIGINT) AS slot, usage_type, creator_id,
            COUNT(*) AS n, COUNT(use_ordinal) AS counted, SUM(CASE WHEN earnings > 0 THEN 1 ELSE 0 END) AS earning,
            SUM(tokens_consumed) AS tokens, SUM(earnings) AS earned, CAST(0 AS NUMERIC(38, 12)) AS reversed
    FROM model_usage_logs
    GROUP BY model_id, CAST(FLOOR(EXTRACT(EPOCH FROM occurred_at) / 900) AS BIGINT), usage_type, creator_id
    UNION ALL
    SELECT r.model_id, CAST(FLOOR(EXTRACT(EPOCH FROM r.reversed_at) / 900) AS BIGINT), u.usage_type, r.creator_id,
            0, 0, 0, 0, 0, SUM(r.amount)
    FROM earnings_reversals r JOIN model_usage_logs u ON u.event_id = r.event_id
    GROUP BY r.model_id, CAST(FLOOR(EXTRACT(EPOCH FROM r.reversed_at) / 900) AS BIGINT), u.usage_type, r.creator_id
) x
GROUP BY model_id, slot, usage_type;
