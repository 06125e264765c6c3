-- earnings schema, version 20: insights, that is alerts on a model's day and creators' monthly
-- goals. Runs unchanged on H2 2.x and PostgreSQL 15+.

-- An alert: one model's UTC day whose uses or net earnings lie far from the 28 days before it
-- (the rule is docs/contract.md's, and AlertRule's). The key makes an alert once per model, day
-- and metric, whoever checks the day and however often; the alert.raised event is written in the
-- transaction that inserts the row.
CREATE TABLE earnings_alerts (
    model_id    VARCHAR(512)             NOT NULL REFERENCES earnings_models (model_id),
    alert_day   DATE                     NOT NULL,
    -- 'uses' or 'earnings' (net of the reversals booked on the day).
    metric      VARCHAR(16)              NOT NULL,
    creator_id  VARCHAR(512)             NOT NULL,
    -- 'above' or 'below' the median.
    direction   VARCHAR(8)               NOT NULL,
    -- The day's figure, the baseline's median, its median absolute deviation (after the floor)
    -- and the threshold (3 x that), exact. A median of an even count is the mean of the middle
    -- two, so it may have one decimal place more than the figures, the MAD two, and a twentieth
    -- of the median (the floor) three: 20 places hold them all.
    observed    NUMERIC(38, 12)          NOT NULL,
    median      NUMERIC(50, 20)          NOT NULL,
    mad         NUMERIC(50, 20)          NOT NULL,
    threshold   NUMERIC(50, 20)          NOT NULL,
    explanation VARCHAR(2000)            NOT NULL,
    raised_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (model_id, alert_day, metric),
    CONSTRAINT earnings_alerts_metric CHECK (metric IN ('uses', 'earnings')),
    CONSTRAINT earnings_alerts_direction CHECK (direction IN ('above', 'below'))
);
-- A creator's alerts in a period, newest first.
CREATE INDEX earnings_alerts_creator_day ON earnings_alerts (creator_id, alert_day);

-- A creator's earnings target for a calendar month in a time zone; one per creator and month.
-- Replaced freely until reached; reached_at is set once, with the goal.reached event.
CREATE TABLE earnings_goals (
    creator_id      VARCHAR(512)             NOT NULL REFERENCES earnings_creators (creator_id),
    -- The month's first day, as a calendar date of the goal's zone.
    goal_month      DATE                     NOT NULL,
    zone_id         VARCHAR(64)              NOT NULL,
    target          NUMERIC(38, 12)          NOT NULL,
    set_at          TIMESTAMP WITH TIME ZONE NOT NULL,
    set_by          VARCHAR(512)             NOT NULL,
    reached_at      TIMESTAMP WITH TIME ZONE,
    -- What the month had earned when the goal was seen reached.
    earned_at_reach NUMERIC(38, 12),
    PRIMARY KEY (creator_id, goal_month),
    CONSTRAINT earnings_goals_target CHECK (target > 0)
);
-- The goals a check still has to look at.
CREATE INDEX earnings_goals_open ON earnings_goals (goal_month, reached_at);

-- The UTC days checked for alerts, by the admin call or the daily task: the daily task checks the
-- days after the last one here.
CREATE TABLE earnings_insight_runs (
    check_day  DATE                     NOT NULL PRIMARY KEY,
    checked_at TIMESTAMP WITH TIME ZONE NOT NULL,
    alerts     INTEGER                  NOT NULL
);
