-- earnings schema, version 13: the state of scheduled payouts. Runs unchanged on H2 2.x and
-- PostgreSQL 15+.
--
-- db-scheduler's execution table, with the columns db-scheduler 16 reads and writes: one row per
-- payout schedule, holding its next due time, which instance has picked it and that instance's
-- last heartbeat. Instances claim a due row with an optimistic update of its version, so each
-- period runs on one instance; a row whose instance stops beating is run again elsewhere.
CREATE TABLE earnings_scheduled_tasks (
    task_name            VARCHAR(200)             NOT NULL,
    task_instance        VARCHAR(200)             NOT NULL,
    task_data            BYTEA,
    execution_time       TIMESTAMP WITH TIME ZONE NOT NULL,
    picked               BOOLEAN                  NOT NULL,
    picked_by            VARCHAR(50),
    last_success         TIMESTAMP WITH TIME ZONE,
    last_failure         TIMESTAMP WITH TIME ZONE,
    consecutive_failures INT,
    last_heartbeat       TIMESTAMP WITH TIME ZONE,
    version              BIGINT                   NOT NULL,
    priority             SMALLINT,
    PRIMARY KEY (task_name, task_instance)
);
CREATE INDEX earnings_scheduled_tasks_execution_time ON earnings_scheduled_tasks (execution_time);
CREATE INDEX earnings_scheduled_tasks_last_heartbeat ON earnings_scheduled_tasks (last_heartbeat);
