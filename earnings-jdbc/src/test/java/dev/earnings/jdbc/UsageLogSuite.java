package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.earnings.core.InvalidInputException;
import dev.earnings.core.ModelPricing;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The usage log as a whole: eventIds unique across months, the integrity check of one month, and
 * (on PostgreSQL, where the log is partitioned by month) the months made as uses need them and the
 * archiving of an old month. Each test runs on a database of its own, with a clock of its own.
 */
abstract class UsageLogSuite {
    static final Caller ADMIN = Caller.admin("usage-log-admin");
    static final ModelPricing PRICING = ModelPricing.of("0.25", "0.001");

    abstract TestDatabase openDatabase();

    static Instant at(String instant) {
        return Instant.parse(instant);
    }

    static UsageRequest use(String user, String model, String eventId, Instant occurredAt, long tokens, String type) {
        return UsageRequest.builder(user, model).eventId(eventId).occurredAt(occurredAt).tokensConsumed(tokens)
                .usageType(type).build();
    }

    /** The partitions the rows of the usage log are in, with their counts (PostgreSQL). */
    static Map<String, Long> rowsByMonth(TestDatabase db) {
        Map<String, Long> months = new java.util.TreeMap<>();
        // On Citus the rows are in the months' shards (model_usage_logs_2025_01_102008): counted by month.
        java.util.regex.Pattern month = java.util.regex.Pattern.compile("model_usage_logs_\\d{4}_\\d{2}");
        db.jdbi.useHandle(h -> h.createQuery("SELECT CAST(tableoid::regclass AS TEXT), COUNT(*) FROM "
                + db.table("model_usage_logs") + " GROUP BY tableoid").map((rs, ctx) -> {
                    java.util.regex.Matcher name = month.matcher(rs.getString(1));
                    return months.merge(name.find() ? name.group() : rs.getString(1), rs.getLong(2), Long::sum);
                }).list());
        return months;
    }

    static boolean monthExists(TestDatabase db, YearMonth month) {
        String name = "model_usage_logs_" + month.toString().replace('-', '_');
        return db.jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM pg_class c JOIN pg_namespace n"
                + " ON n.oid = c.relnamespace WHERE n.nspname = :schema AND c.relname = :name")
                .bind("schema", db.schema.orElseThrow()).bind("name", name).mapTo(Long.class).one()) > 0;
    }

    @Test
    void eventIds_areRecordedOnceAcrossMonths_evenWhenCopiesRaceEachOther() throws Exception {
        try (TestDatabase db = openDatabase()) {
            MutableClock clock = new MutableClock(at("2025-02-01T00:02:00Z"));
            try (Earnings earnings = db.builder().clock(clock).build()) {
                String model = "model-months";
                earnings.models().register(model, "creator-months", PRICING);
                RecordedUse first = earnings.logModelUsage(use("user-1", model, "event-jan", at("2025-01-31T23:58:00Z"), 10,
                        "image_generation"));
                assertThat(first.replayed()).isFalse();
                RecordedUse again = earnings.logModelUsage(use("user-1", model, "event-jan", at("2025-01-31T23:58:00Z"), 10,
                        "image_generation"));
                assertThat(again.replayed()).isTrue();
                assertThat(again.useOrdinal()).isEqualTo(first.useOrdinal());

                // 8 threads send the same 60 uses, half of January and half of February, at once.
                List<UsageRequest> uses = new ArrayList<>();
                for (int i = 0; i < 60; i++) {
                    Instant when = i % 2 == 0 ? at("2025-01-31T23:59:00Z").plusMillis(i) : at("2025-02-01T00:00:00Z").plusMillis(i);
                    uses.add(use("user-" + (i % 7), model, "event-" + i, when, i, i % 3 == 0 ? "chat" : "image_generation"));
                }
                ExecutorService pool = Executors.newFixedThreadPool(8);
                List<Future<List<RecordedUse>>> sent = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    int shift = t;
                    sent.add(pool.submit(() -> {
                        List<RecordedUse> recorded = new ArrayList<>();
                        for (int i = 0; i < uses.size(); i++) {
                            recorded.add(earnings.logModelUsage(uses.get((i + shift * 7) % uses.size())));
                        }
                        return recorded;
                    }));
                }
                long fresh = 0;
                for (Future<List<RecordedUse>> f : sent) {
                    fresh += f.get(120, TimeUnit.SECONDS).stream().filter(u -> !u.replayed()).count();
                }
                pool.shutdown();
                assertThat(fresh).as("uses recorded by a call rather than replayed").isEqualTo(60);
                assertThat(db.count("model_usage_logs")).isEqualTo(61);
                assertThat(db.count("model_usage_events")).isEqualTo(61);
                long doubled = db.jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM (SELECT event_id FROM "
                        + db.table("model_usage_logs") + " GROUP BY event_id HAVING COUNT(*) > 1) x").mapTo(Long.class).one());
                assertThat(doubled).isZero();
                List<Long> ordinals = db.jdbi.withHandle(h -> h.createQuery("SELECT use_ordinal FROM "
                        + db.table("model_usage_logs") + " ORDER BY use_ordinal").mapTo(Long.class).list());
                assertThat(ordinals).containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, 61).boxed().toList());
                if (db.postgres) {
                    assertThat(rowsByMonth(db)).containsEntry("model_usage_logs_2025_01", 31L)
                            .containsEntry("model_usage_logs_2025_02", 30L).hasSize(2);
                }
                assertThat(earnings.verifyIntegrity().isClean()).isTrue();
                assertThat(earnings.verifyIntegrity(YearMonth.of(2025, 1)).usesChecked()).isEqualTo(31);
                assertThat(earnings.verifyIntegrity(YearMonth.of(2025, 2)).usesChecked()).isEqualTo(30);
            }
        }
    }

    @Test
    void theCheckOfOneMonth_seesThatMonthsDrifts_only() throws Exception {
        try (TestDatabase db = openDatabase()) {
            MutableClock clock = new MutableClock(at("2025-05-20T12:00:00Z"));
            try (Earnings earnings = db.builder().clock(clock).build()) {
                String model = "model-check";
                earnings.models().register(model, "creator-check", PRICING);
                for (int i = 0; i < 20; i++) {
                    earnings.logModelUsage(use("user-" + (i % 4), model, "may-" + i, at("2025-05-10T10:00:00Z").plusSeconds(600L * i),
                            i, "image_generation"));
                }
                clock.set(at("2025-06-03T12:00:00Z"));
                for (int i = 0; i < 12; i++) {
                    earnings.logModelUsage(use("user-" + (i % 3), model, "june-" + i, at("2025-06-02T08:00:00Z").plusSeconds(900L * i),
                            i, "chat"));
                }
                earnings.reversals().reverse(ADMIN, ReversalRequest.partial("may-3", new BigDecimal("0.1"), "fix-1", "refund"));
                assertThat(earnings.verifyIntegrity().isClean()).isTrue();
                IntegrityReport may = earnings.verifyIntegrity(YearMonth.of(2025, 5));
                IntegrityReport june = earnings.verifyIntegrity(YearMonth.of(2025, 6));
                assertThat(may.isClean()).as("May: %s", may.drifts()).isTrue();
                assertThat(june.isClean()).as("June: %s", june.drifts()).isTrue();
                assertThat(may.usesChecked()).isEqualTo(20);
                assertThat(june.usesChecked()).isEqualTo(12);
                assertThat(june.daysChecked()).as("June 2 (uses) and June 3 (the reversal)").isEqualTo(2);

                db.jdbi.useHandle(h -> h.execute("UPDATE " + db.table("model_analytics")
                        + " SET uses = uses + 1 WHERE usage_day = ?", LocalDate.of(2025, 6, 2)));
                db.jdbi.useHandle(h -> h.execute("UPDATE " + db.table("model_usage_slots")
                        + " SET tokens = tokens + 5 WHERE slot = (SELECT MIN(slot) FROM " + db.table("model_usage_slots") + ")"));
                assertThat(earnings.verifyIntegrity(YearMonth.of(2025, 6)).drifts())
                        .extracting(d -> d.figure() + " " + d.day().orElseThrow()).containsExactly("uses 2025-06-02");
                assertThat(earnings.verifyIntegrity(YearMonth.of(2025, 5)).drifts())
                        .extracting(d -> d.figure() + " " + d.day().orElseThrow()).containsExactly("slot_tokens 2025-05-10");
                assertThat(earnings.verifyIntegrity(YearMonth.of(2025, 4)).isClean()).isTrue();
                assertThat(earnings.verifyIntegrity().drifts()).extracting(IntegrityReport.Drift::figure)
                        .contains("uses", "slot_tokens");
                assertThatThrownBy(() -> earnings.verifyIntegrity(null)).isInstanceOf(InvalidInputException.class)
                        .extracting("field").isEqualTo("month");
            }
        }
    }

    /**
     * A month with uses of two creators, a partial reversal and a payout; archived when it has
     * left the window; everything that was shown before is shown after, the whole check and the
     * month's still pass, and the archive's figures are what they are checked against.
     */
    void archive(TestDatabase db) throws Exception {
        MutableClock clock = new MutableClock(at("2025-01-10T12:00:00Z"));
        try (Earnings earnings = db.builder().clock(clock).build()) {
            earnings.models().register("model-a", "creator-a", PRICING);
            earnings.models().register("model-b", "creator-b", ModelPricing.of("1", "0"));
            BigDecimal january = BigDecimal.ZERO;
            for (int i = 0; i < 40; i++) {
                RecordedUse u = earnings.logModelUsage(use("user-" + (i % 6), i % 4 == 0 ? "model-b" : "model-a", "jan-" + i,
                        at("2025-01-09T00:00:00Z").plusSeconds(1800L * i), 100 + i, i % 2 == 0 ? "chat" : "image_generation"));
                january = january.add(u.result().earnings().amount());
            }
            earnings.reversals().reverse(ADMIN, ReversalRequest.partial("jan-1", new BigDecimal("0.05"), "fix-jan", "refund"));
            clock.set(at("2025-02-10T12:00:00Z"));
            for (int i = 0; i < 10; i++) {
                earnings.logModelUsage(use("user-" + i, "model-a", "feb-" + i, at("2025-02-10T11:00:00Z").plusSeconds(i), 5, "chat"));
            }
            earnings.payouts().create(ADMIN, PayoutRequest.of("creator-b", 500, "payout-feb"));
            clock.set(at("2025-04-01T12:00:00Z"));
            List<Object> before = shown(earnings);

            assertThatThrownBy(() -> earnings.admin().archiveUsage(ADMIN, YearMonth.of(2025, 2), ExportFormat.CSV,
                    new ByteArrayOutputStream())).isInstanceOf(InvalidInputException.class).extracting("field").isEqualTo("month");
            assertThatThrownBy(() -> earnings.admin().archiveUsage(Caller.creator("creator-a"), YearMonth.of(2025, 1),
                    ExportFormat.CSV, new ByteArrayOutputStream())).isInstanceOf(AccessDeniedException.class);
            // An export that fails archives nothing.
            OutputStream broken = new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    throw new IOException("disk full (simulated)");
                }
            };
            assertThatThrownBy(() -> earnings.admin().archiveUsage(ADMIN, YearMonth.of(2025, 1), ExportFormat.CSV, broken))
                    .isInstanceOf(IOException.class);
            assertThat(monthExists(db, YearMonth.of(2025, 1))).isTrue();
            assertThat(db.count("earnings_usage_archives")).isZero();

            ByteArrayOutputStream out = new ByteArrayOutputStream();
            UsageArchive archive = earnings.admin().archiveUsage(ADMIN, YearMonth.of(2025, 1), ExportFormat.CSV, out);
            assertThat(archive.month()).isEqualTo(YearMonth.of(2025, 1));
            assertThat(archive.uses()).isEqualTo(40);
            assertThat(archive.earnings()).isEqualByComparingTo(january);
            assertThat(archive.archivedBy()).isEqualTo(ADMIN.id());
            String csv = out.toString(StandardCharsets.UTF_8);
            assertThat(csv.lines().count()).as("a header and the month's uses").isEqualTo(41);
            for (int i = 0; i < 40; i++) {
                assertThat(csv).contains("jan-" + i + ",");
            }
            assertThat(monthExists(db, YearMonth.of(2025, 1))).as("January's partition").isFalse();
            assertThat(db.count("model_usage_logs")).isEqualTo(10);
            assertThat(db.count("model_usage_events")).as("every eventId is kept").isEqualTo(50);

            assertThat(shown(earnings)).as("what dashboards, balances and totals show").isEqualTo(before);
            IntegrityReport whole = earnings.verifyIntegrity();
            assertThat(whole.isClean()).as("%s", whole.drifts()).isTrue();
            assertThat(whole.usesChecked()).isEqualTo(50);
            IntegrityReport month = earnings.verifyIntegrity(YearMonth.of(2025, 1));
            assertThat(month.isClean()).as("%s", month.drifts()).isTrue();
            assertThat(month.usesChecked()).isEqualTo(40);

            // A replay of an archived use is refused, never recorded again; its use cannot be reversed.
            assertThatThrownBy(() -> earnings.logModelUsage(use("user-0", "model-b", "jan-0", at("2025-01-09T00:00:00Z"), 100,
                    "chat"))).isInstanceOf(InvalidInputException.class).hasMessageContaining("archived")
                    .extracting("field").isEqualTo("eventId");
            assertThatThrownBy(() -> earnings.reversals().reverse(ADMIN, ReversalRequest.whole("jan-2", "fix-2", "late")))
                    .isInstanceOf(InvalidInputException.class);
            assertThat(db.count("model_usage_logs")).isEqualTo(10);
            assertThatThrownBy(() -> earnings.admin().archiveUsage(ADMIN, YearMonth.of(2025, 1), ExportFormat.CSV,
                    new ByteArrayOutputStream())).isInstanceOf(InvalidInputException.class).hasMessageContaining("archived at");
            assertThat(earnings.admin().auditLog(ADMIN, AuditQuery.all().action(AuditAction.USAGE_ARCHIVED)).items())
                    .extracting(AuditEntry::targetId).containsExactly("2025-01");

            // The archive's figures are what the check compares with: a changed one is a drift.
            db.jdbi.useHandle(h -> h.execute("UPDATE " + db.table("earnings_archived_slots")
                    + " SET earnings = earnings + 1 WHERE slot = (SELECT MIN(slot) FROM " + db.table("earnings_archived_slots") + ")"));
            assertThat(earnings.verifyIntegrity().drifts()).extracting(IntegrityReport.Drift::figure)
                    .contains("lifetime_earnings", "earnings", "slot_earnings", "balance_earned");
            assertThat(earnings.verifyIntegrity(YearMonth.of(2025, 1)).drifts()).extracting(IntegrityReport.Drift::figure)
                    .containsExactlyInAnyOrder("earnings", "slot_earnings");
            db.jdbi.useHandle(h -> h.execute("UPDATE " + db.table("earnings_archived_days")
                    + " SET users = users + 1 WHERE usage_day = ?", LocalDate.of(2025, 1, 9)));
            assertThat(earnings.verifyIntegrity(YearMonth.of(2025, 1)).drifts()).extracting(IntegrityReport.Drift::figure)
                    .contains("unique_users", "daily_users");
        }
    }

    /** What the library shows of the two creators: balances, dashboards of January, platform totals. */
    static List<Object> shown(Earnings earnings) {
        ReportPeriod january = ReportPeriod.between(LocalDate.of(2025, 1, 1), LocalDate.of(2025, 2, 1));
        List<Object> shown = new ArrayList<>();
        for (String creator : List.of("creator-a", "creator-b")) {
            shown.add(earnings.analytics().balance(ADMIN, creator));
            CreatorDashboard dashboard = earnings.analytics().creatorDashboard(ADMIN, creator, DashboardQuery.of(january));
            // Everything but the recent activity, which lists usage rows.
            shown.addAll(List.of(dashboard.lifetimeEarnings(), dashboard.lifetimeReversed(), dashboard.periodEarnings(),
                    dashboard.periodReversed(), dashboard.uses(), dashboard.earningUses(), dashboard.uniqueUsers(),
                    dashboard.activeModels(), dashboard.topModels(), dashboard.trend(), dashboard.balance()));
        }
        shown.add(earnings.admin().platformTotals(ADMIN, january));
        shown.add(earnings.models().find("model-a"));
        return shown;
    }
}
