package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.earnings.core.InvalidConfigurationException;
import dev.earnings.core.ModelPricing;
import dev.earnings.jdbc.internal.Dialect;
import dev.earnings.jdbc.internal.Scope;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Row-level security on PostgreSQL, seen from below the library: queries that deliberately carry
 * no creator filter, run as the runtime role the library uses (or as the tables' owner), return
 * only the rows the transaction's caller may see. Two creators' models, uses, rollups, pricing
 * versions, payouts and payout histories are in every table, so a filter that let anything
 * through would show.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PostgresRowLevelSecurityTest {
    static final String A = "creator-a";
    static final String B = "creator-b";
    static final Caller ADMIN = Caller.admin("admin-rls");

    /** Every table that holds a creator's data. */
    static final List<String> CREATOR_TABLES = List.of("earnings_creators", "earnings_models", "earnings_model_pricing",
            "model_creator_earnings", "model_usage_logs", "model_analytics", "model_daily_users", "model_usage_slots",
            "earnings_transactions", "earnings_transaction_events", "earnings_reversals", "earnings_events", "earnings_alerts",
            "earnings_goals");
    static final String SETTINGS = "earnings_settings";
    /** The shared rate limits' buckets: no creator data, but keys that name models. */
    static final String BUCKETS = "earnings_rate_limit_buckets";
    /** The audit log: it names every creator, so admins and the service only. */
    static final String AUDIT = "earnings_audit_log";
    /** The scheduled payouts' state: schedule names only; db-scheduler's connections name no caller. */
    static final String SCHEDULED = "earnings_scheduled_tasks";
    /** The events' delivery state (the sequencer, consumers' cursors, dead letters): admins and the service only. */
    static final List<String> DELIVERY = List.of("earnings_event_sequence", "earnings_event_consumers",
            "earnings_event_dead_letters");
    /** The days checked for alerts: the library's own state, admins and the service only. */
    static final String INSIGHT_RUNS = "earnings_insight_runs";
    /** Every recorded eventId: the library's own state, admins and the service only. */
    static final String EVENT_IDS = "model_usage_events";
    /** What archived months leave behind: admins and the service only (empty here). */
    static final List<String> ARCHIVES = List.of("earnings_usage_archives", "earnings_archived_slots",
            "earnings_archived_days", "earnings_archived_uses");

    TestDatabase db;
    Earnings earnings;
    Jdbi runtime;
    /** Whose each model and payout is, read past the policies. */
    final Map<String, String> creatorOfModel = new HashMap<>();
    final Map<Long, String> creatorOfPayout = new HashMap<>();

    @BeforeAll
    void twoCreatorsInEveryTable() {
        db = TestDatabase.postgres();
        earnings = db.builder().clock(new MutableClock(Instant.parse("2026-03-02T10:00:00Z"))).build();
        runtime = Jdbi.create(db.dataSource);
        for (String creator : List.of(A, B)) {
            for (int m = 0; m < 2; m++) {
                String model = creator + "-model-" + m;
                earnings.models().register(model, creator, ModelPricing.of("1.00", "0.001"));
                earnings.models().changePricing(model, ModelPricing.of("2.00", "0.001"));
                for (int u = 0; u < 3; u++) {
                    earnings.logModelUsage(UsageRequest.builder("user-" + u, model).tokensConsumed(100).usageType("chat")
                            .metadata(Map.of("seed", u)).eventId(model + "-use-" + u).build());
                }
                earnings.reversals().reverse(ADMIN, ReversalRequest.partial(model + "-use-0", new java.math.BigDecimal("0.5"),
                        model + "-refund", "refunded"));
            }
            Payout done = earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 100, "first"));
            earnings.payouts().complete(ADMIN, done.id(), "wire");
            earnings.payouts().create(ADMIN, PayoutRequest.of(creator, 50, "second"));
        }
        // A consumer that gives up on every event at once: cursors and dead letters of both creators.
        EventConsumer refusing = earnings.events().consumer("rls", event -> {
            throw new IllegalStateException("refused");
        }).startFrom(EventConsumer.Start.BEGINNING).retries(1, java.time.Duration.ZERO, java.time.Duration.ZERO).build();
        assertThat(refusing.pollOnce()).isPositive();
        // Goals set through the library, alerts written past it (a real one needs 28 days of history), a checked day.
        for (String creator : List.of(A, B)) {
            earnings.insights().setGoal(ADMIN, creator, java.time.YearMonth.of(2026, 3), java.time.ZoneOffset.UTC,
                    new java.math.BigDecimal("1000"));
            db.jdbi.useHandle(h -> h.createUpdate("INSERT INTO " + db.table("earnings_alerts") + " (model_id, alert_day,"
                    + " metric, creator_id, direction, observed, median, mad, threshold, explanation, raised_at)"
                    + " VALUES (:m, DATE '2026-03-01', 'uses', :c, 'above', 9, 1, 1, 3, 'seeded', now())")
                    .bind("m", creator + "-model-0").bind("c", creator).execute());
        }
        earnings.insights().checkAlerts(ADMIN, java.time.LocalDate.of(2026, 3, 1));
        db.jdbi.useHandle(h -> {
            h.createQuery("SELECT model_id, creator_id FROM " + db.table("earnings_models"))
                    .map((rs, ctx) -> creatorOfModel.put(rs.getString(1), rs.getString(2))).list();
            h.createQuery("SELECT id, creator_id FROM " + db.table("earnings_transactions"))
                    .map((rs, ctx) -> creatorOfPayout.put(rs.getLong(1), rs.getString(2))).list();
        });
    }

    @AfterAll
    void close() {
        if (earnings != null) {
            earnings.close();
        }
        if (db != null) {
            db.close();
        }
    }

    // ------------------------------------------------------------------ what each caller sees

    @Test
    void runtimeRole_asCreatorA_unfilteredSelects_returnOnlyAsRows_andNoSettings() {
        for (String table : CREATOR_TABLES) {
            List<Map<String, Object>> all = everything(table);
            assertThat(all).as("rows of %s past the policies", table).anySatisfy(r -> assertThat(creatorOf(table, r)).isEqualTo(A))
                    .anySatisfy(r -> assertThat(creatorOf(table, r)).isEqualTo(B));
            List<Map<String, Object>> seen = select(runtime, table, "creator", A);
            assertThat(seen).as("%s as creator A", table).isNotEmpty()
                    .containsExactlyInAnyOrderElementsOf(rowsOf(table, all, A));
        }
        assertThat(everything(SETTINGS)).extracting(r -> r.get("setting_name")).contains("currency", "pseudonym_key");
        assertThat(select(runtime, SETTINGS, "creator", A)).as("settings as creator A").isEmpty();
        assertThat(everything(AUDIT)).as("audit entries past the policies").isNotEmpty();
        assertThat(select(runtime, AUDIT, "creator", A)).as("the audit log as creator A").isEmpty();
        assertThat(select(runtime, AUDIT, "admin", "")).as("the audit log as an admin")
                .containsExactlyInAnyOrderElementsOf(everything(AUDIT));
        for (String table : adminOnly()) {
            assertThat(everything(table)).as("%s past the policies", table).isNotEmpty();
            assertThat(select(runtime, table, "creator", A)).as("%s as creator A", table).isEmpty();
            assertThat(select(runtime, table, "admin", "")).as("%s as an admin", table)
                    .containsExactlyInAnyOrderElementsOf(everything(table));
        }
    }

    @Test
    void runtimeRole_withoutACaller_seesNothing() {
        for (String table : allTables()) {
            assertThat(select(runtime, table, null, null)).as("%s with no caller named", table).isEmpty();
            assertThat(select(runtime, table, "creator", "")).as("%s as a creator without an id", table).isEmpty();
            assertThat(select(runtime, table, "someone", A)).as("%s as an unknown kind of caller", table).isEmpty();
        }
    }

    @Test
    void runtimeRole_asAdmin_seesEveryCreatorsRows_butNoSettings_andAsTheService_everything() {
        for (String table : CREATOR_TABLES) {
            assertThat(select(runtime, table, "admin", "")).as("%s as an admin", table)
                    .containsExactlyInAnyOrderElementsOf(everything(table));
            assertThat(select(runtime, table, "service", "")).as("%s as the service", table)
                    .containsExactlyInAnyOrderElementsOf(everything(table));
        }
        assertThat(select(runtime, SETTINGS, "admin", "")).as("settings as an admin").isEmpty();
        assertThat(select(runtime, SETTINGS, "service", "")).as("settings as the service")
                .containsExactlyInAnyOrderElementsOf(everything(SETTINGS));
    }

    @Test
    void runtimeRole_asACreator_writesNothing() {
        runtime.useTransaction(h -> {
            name(h, "creator", A);
            // Updates and deletes find no row to change: no policy lets a creator change one.
            assertThat(h.execute("UPDATE " + db.table("model_creator_earnings") + " SET total_uses = total_uses + 1")).isZero();
            assertThat(h.execute("DELETE FROM " + db.table("earnings_transaction_events"))).isZero();
        });
        UnableToExecuteStatementException refused = catchThrowableOfType(UnableToExecuteStatementException.class,
                () -> runtime.useTransaction(h -> {
                    name(h, "creator", A);
                    h.execute("INSERT INTO " + db.table("earnings_creators") + " (creator_id, first_seen_at) VALUES (?, now())", A);
                }));
        assertThat(refused).as("a creator's insert of their own row").isNotNull();
        assertThat(((java.sql.SQLException) refused.getCause()).getSQLState()).isEqualTo("42501");
        assertThat(db.count("earnings_creators")).isEqualTo(2);
    }

    /** Goals are the one table a creator writes, and only their own rows of it. */
    @Test
    void aCreator_writesTheirOwnGoals_andNoOtherCreatorsNorAnyAlert() {
        String goals = db.table("earnings_goals");
        runtime.useTransaction(h -> {
            name(h, "creator", A);
            assertThat(h.execute("UPDATE " + goals + " SET target = target + 1 WHERE creator_id = ?", B)).isZero();
            assertThat(h.execute("DELETE FROM " + goals + " WHERE creator_id = ?", B)).isZero();
            assertThat(h.execute("UPDATE " + db.table("earnings_alerts") + " SET observed = 0")).isZero();
            assertThat(h.execute("UPDATE " + goals + " SET target = target + 1 WHERE creator_id = ?", A)).isEqualTo(1);
            h.rollback();
        });
        for (String owner : List.of(B, A)) {
            UnableToExecuteStatementException refused = catchThrowableOfType(UnableToExecuteStatementException.class,
                    () -> runtime.useTransaction(h -> {
                        name(h, "creator", A);
                        h.execute("INSERT INTO " + goals + " (creator_id, goal_month, zone_id, target, set_at, set_by)"
                                + (owner.equals(A) ? " VALUES (?, DATE '2026-03-01', 'Z', 1, now(), 'x')"
                                : " VALUES (?, DATE '2026-04-01', 'Z', 1, now(), 'x')"), owner);
                    }));
            assertThat(refused).as("creator A inserting a goal of %s", owner).isNotNull();
            // A's own insert passes the policy and meets the key of A's March goal; B's is refused by the policy.
            assertThat(((java.sql.SQLException) refused.getCause()).getSQLState())
                    .isEqualTo(owner.equals(A) ? "23505" : "42501");
        }
        assertThat(db.count("earnings_goals")).isEqualTo(2);
    }

    @Test
    void theOwner_isFilteredToo_sinceThePoliciesAreForced() {
        Jdbi owner = Jdbi.create(db.migrationPool());
        for (String table : CREATOR_TABLES) {
            assertThat(select(owner, table, "creator", B)).as("%s as creator B, logged in as the owner", table)
                    .containsExactlyInAnyOrderElementsOf(rowsOf(table, everything(table), B));
            assertThat(select(owner, table, null, null)).as("%s with no caller, as the owner", table).isEmpty();
        }
        assertThat(select(owner, SETTINGS, "creator", B)).isEmpty();
    }

    // ------------------------------------------------------------------ the schema and the roles

    @Test
    void everyTableOfTheLibrary_hasRowLevelSecurityOnAndForced_andIsCoveredHere() {
        Map<String, List<Boolean>> tables = new LinkedHashMap<>();
        db.jdbi.useHandle(h -> h.createQuery("SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c"
                + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = :schema AND c.relkind IN ('r', 'p')"
                + " AND NOT c.relispartition AND c.relname NOT IN ('earnings_schema_history', 'earnings_citus_history')"
                + " ORDER BY c.relname")
                .bind("schema", db.schema.orElseThrow())
                .map((rs, ctx) -> tables.put(rs.getString(1), List.of(rs.getBoolean(2), rs.getBoolean(3)))).list());
        // A table added by a later migration fails here until it has policies and its rows are checked above.
        Set<String> expected = new TreeSet<>(allTables());
        if (TestDatabase.CITUS) {
            // Citus's own (citus/V2): correction ids once over all shards, admins and the service only.
            expected.add("earnings_correction_ids");
        }
        assertThat(tables.keySet()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(tables).allSatisfy((table, flags) -> assertThat(flags).as(table).containsExactly(true, true));
        // The usage log's months: read through model_usage_logs only; on their own, closed to all but their owner.
        Map<String, List<Boolean>> months = new LinkedHashMap<>();
        db.jdbi.useHandle(h -> h.createQuery("SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c"
                + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = :schema AND c.relispartition"
                + " AND c.relkind = 'r'")
                .bind("schema", db.schema.orElseThrow())
                .map((rs, ctx) -> months.put(rs.getString(1), List.of(rs.getBoolean(2), rs.getBoolean(3)))).list());
        assertThat(months).isNotEmpty();
        assertThat(months).allSatisfy((table, flags) -> {
            assertThat(table).matches("model_usage_logs_\\d{4}_\\d{2}");
            assertThat(flags).as(table).containsExactly(true, true);
        });
        for (String month : months.keySet()) {
            assertThat(select(runtime, month, "admin", "")).as("%s on its own, as an admin", month).isEmpty();
            assertThat(select(runtime, month, "service", "")).as("%s on its own, as the service", month).isEmpty();
        }
    }

    @Test
    void theRuntimeRole_ownsNothing_andCannotBypassThePolicies() {
        List<Object> role = db.jdbi.withHandle(h -> h.createQuery("SELECT rolsuper, rolbypassrls, (SELECT COUNT(*) FROM"
                + " pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = :schema"
                + " AND pg_has_role(:role, c.relowner, 'USAGE')) FROM pg_roles WHERE rolname = :role")
                .bind("schema", db.schema.orElseThrow()).bind("role", db.user)
                .map((rs, ctx) -> List.<Object>of(rs.getBoolean(1), rs.getBoolean(2), rs.getLong(3))).one());
        assertThat(db.user).isEqualTo(TestDatabase.RUNTIME_ROLE);
        assertThat(role).containsExactly(false, false, 0L);
    }

    @Test
    void aLoginThatBypassesThePolicies_isRefused_unlessTheHostSaysItKnows() {
        boolean bypasses = db.jdbi.withHandle(h -> h.createQuery("SELECT rolsuper OR rolbypassrls FROM pg_roles"
                + " WHERE rolname = current_user").mapTo(Boolean.class).one());
        assertThat(bypasses).as("the configured test login (%s) is a superuser or has BYPASSRLS", TestDatabase.PG_USER)
                .isTrue();
        try (HikariDataSource privileged = pool(TestDatabase.PG_USER, TestDatabase.PG_PASSWORD)) {
            assertThatThrownBy(() -> Earnings.builder().dataSource(privileged).schema(db.schema.orElseThrow())
                    .migrateOnStart(false).build())
                    .isInstanceOf(InvalidConfigurationException.class)
                    .hasMessageContaining("row-level security does not apply")
                    .hasMessageContaining("migrationDataSource(...)")
                    .hasMessageContaining("requireRowLevelSecurity(false)");
            try (Earnings knowingly = Earnings.builder().dataSource(privileged).schema(db.schema.orElseThrow())
                    .migrateOnStart(false).requireRowLevelSecurity(false).build()) {
                // The access rules still deny a creator another creator's data.
                assertThatThrownBy(() -> knowingly.analytics().balance(Caller.creator(A), B))
                        .isInstanceOf(AccessDeniedException.class);
                assertThat(knowingly.analytics().balance(Caller.creator(A), A).creatorId()).isEqualTo(A);
            }
        }
    }

    @Test
    void aLibraryRunAsTheOwner_builds_andItsCallsAreFiltered() {
        try (Earnings asOwner = Earnings.builder().dataSource(db.migrationPool()).schema(db.schema.orElseThrow())
                .migrateOnStart(false).build()) {
            assertThat(asOwner.analytics().balance(Caller.creator(B), B).earned().amount())
                    .isEqualByComparingTo(earnings.analytics().balance(ADMIN, B).earned().amount());
            assertThat(asOwner.payouts().find(Caller.creator(A), firstPayoutOf(B))).isEmpty();
            assertThat(asOwner.payouts().find(ADMIN, firstPayoutOf(B))).isPresent();
        }
    }

    @Test
    void migrationCredentials_needAUrl_andOneMigrationLoginAtATime() {
        assertThatThrownBy(() -> Earnings.builder().dataSource(db.dataSource).migrationCredentials("owner", "x").build())
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("jdbcUrl(...)");
        assertThatThrownBy(() -> Earnings.builder().jdbcUrl(db.url, db.user, db.password).migrationCredentials("owner", "x")
                .migrationDataSource(db.migrationPool()).build())
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("not both");
        assertThatThrownBy(() -> Earnings.builder().migrationDataSource(db.migrationPool()).build())
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("embedded database");
    }

    @Test
    void aLaterMigrationThatMovesData_seesEveryRow_sinceMigrationsRunAsTheService() {
        try (TestDatabase fresh = TestDatabase.postgres();
                Earnings library = fresh.builder().build()) {
            library.models().register("later-model", A, ModelPricing.of("1.00", "0"));
            library.models().register("other-model", B, ModelPricing.of("1.00", "0"));
            library.logModelUsage("user-1", "later-model", 0, "chat", null);
            library.logModelUsage("user-2", "other-model", 0, "chat", null);
            List<String> locations = new ArrayList<>(Dialect.POSTGRESQL.migrationLocations());
            locations.add("classpath:dev/earnings/jdbc/later-migration");
            Flyway.configure(getClass().getClassLoader()).dataSource(fresh.migrationPool())
                    .locations(locations.toArray(new String[0])).table("earnings_schema_history")
                    .schemas(fresh.schema.orElseThrow()).defaultSchema(fresh.schema.orElseThrow()).load().migrate();
            List<Long> counted = fresh.jdbi.withHandle(h -> h.createQuery("SELECT uses, settings, creators FROM "
                    + fresh.table("later_migration_counts"))
                    .map((rs, ctx) -> List.of(rs.getLong(1), rs.getLong(2), rs.getLong(3))).one());
            assertThat(counted).containsExactly(2L, 2L, 2L);
        }
    }

    /** Guards: a creator's transaction reads no rate-limit bucket; Bucket4j's, which names no caller, reads them all. */
    @Test
    void rateLimitBuckets_areHiddenFromCreators_andOpenToTransactionsWithoutACaller() {
        runtime.useHandle(h -> h.createUpdate("INSERT INTO " + db.table(BUCKETS) + " (id, state, expires_at)"
                + " VALUES ('model:f:" + A + "-model-0', NULL, 0)").execute());
        assertThat(select(runtime, BUCKETS, null, null)).hasSize(1);
        assertThat(select(runtime, BUCKETS, "service", null)).hasSize(1);
        assertThat(select(runtime, BUCKETS, "creator", A)).isEmpty();
        runtime.useHandle(h -> h.createUpdate("DELETE FROM " + db.table(BUCKETS)).execute());
    }

    /** Guards: a creator's transaction reads no scheduled payout's state; db-scheduler's, which names no caller, reads it. */
    @Test
    void scheduledPayoutState_isHiddenFromCreators_andOpenToTransactionsWithoutACaller() {
        runtime.useHandle(h -> h.createUpdate("INSERT INTO " + db.table(SCHEDULED) + " (task_name, task_instance,"
                + " execution_time, picked, version) VALUES ('earnings-payouts:rls', 'recurring', now(), false, 1)").execute());
        assertThat(select(runtime, SCHEDULED, null, null)).hasSize(1);
        assertThat(select(runtime, SCHEDULED, "admin", "")).hasSize(1);
        assertThat(select(runtime, SCHEDULED, "creator", A)).isEmpty();
        runtime.useHandle(h -> h.createUpdate("DELETE FROM " + db.table(SCHEDULED)).execute());
    }

    // ------------------------------------------------------------------ helpers

    /** Every table with policies: the creators' and the settings. */
    static Set<String> allTables() {
        Set<String> tables = new TreeSet<>(CREATOR_TABLES);
        tables.add(SETTINGS);
        tables.add(BUCKETS);
        tables.add(AUDIT);
        tables.add(SCHEDULED);
        tables.addAll(DELIVERY);
        tables.add(INSIGHT_RUNS);
        tables.add(EVENT_IDS);
        tables.addAll(ARCHIVES);
        return tables;
    }

    /** The library's own state that admins and the service read, and creators never. */
    static List<String> adminOnly() {
        List<String> tables = new ArrayList<>(DELIVERY);
        tables.add(INSIGHT_RUNS);
        tables.add(EVENT_IDS);
        return tables;
    }

    /** The table's rows as the configured login sees them: all of them. */
    List<Map<String, Object>> everything(String table) {
        return db.jdbi.withHandle(h -> h.createQuery("SELECT * FROM " + db.table(table)).mapToMap().list());
    }

    /** Deliberately unfiltered: every row of the table that the policies let through for this caller. */
    List<Map<String, Object>> select(Jdbi login, String table, @Nullable String kind, @Nullable String creatorId) {
        return login.inTransaction(h -> {
            if (kind != null) {
                name(h, kind, creatorId);
            }
            return h.createQuery("SELECT * FROM " + db.table(table)).mapToMap().list();
        });
    }

    /** Names the caller the way the library does: local to the open transaction. */
    static void name(Handle h, String kind, @Nullable String creatorId) {
        if (TestDatabase.CITUS) {
            // As the library does there: SET LOCAL, which Citus sends on to the workers' shards.
            String creator = creatorId == null ? "" : creatorId;
            h.execute("SET LOCAL citus.propagate_set_commands = 'local'");
            h.execute("SET LOCAL " + Scope.KIND_SETTING + " = '" + kind.replace("'", "''") + "'");
            h.execute("SET LOCAL " + Scope.CREATOR_SETTING + " = '" + creator.replace("'", "''") + "'");
            return;
        }
        h.createQuery("SELECT set_config('" + Scope.KIND_SETTING + "', :kind, true) AS kind, set_config('"
                + Scope.CREATOR_SETTING + "', :creator, true) AS creator").bind("kind", kind).bind("creator", creatorId == null ? "" : creatorId)
                .mapToMap().one();
    }

    List<Map<String, Object>> rowsOf(String table, List<Map<String, Object>> rows, String creator) {
        return rows.stream().filter(r -> creator.equals(creatorOf(table, r))).collect(Collectors.toList());
    }

    /** Whose a row is: its creator column, or that of the model or payout it belongs to. */
    String creatorOf(String table, Map<String, Object> row) {
        Map<String, Function<Map<String, Object>, String>> by = Map.of(
                "earnings_model_pricing", r -> creatorOfModel.get((String) r.get("model_id")),
                "earnings_transaction_events", r -> creatorOfPayout.get(((Number) r.get("transaction_id")).longValue()));
        return by.getOrDefault(table, r -> (String) r.get("creator_id")).apply(row);
    }

    long firstPayoutOf(String creator) {
        return creatorOfPayout.entrySet().stream().filter(e -> e.getValue().equals(creator)).mapToLong(Map.Entry::getKey)
                .min().orElseThrow();
    }

    HikariDataSource pool(String user, String password) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(db.url);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(2);
        return new HikariDataSource(config);
    }
}
