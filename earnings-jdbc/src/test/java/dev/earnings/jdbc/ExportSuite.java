package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import dev.earnings.core.InvalidInputException;
import dev.earnings.core.ModelPricing;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Exports of uses, reversals, payouts and the audit log, run against each database by a
 * subclass. Every export is compared, in both formats, with the rows as the test reads them
 * itself (plain SQL over the whole table, filtered and sorted here); CSV is parsed back with
 * Jackson's CSV reader. The fixture's ids, reasons and notes begin with the characters that make
 * a spreadsheet run a formula.
 */
abstract class ExportSuite extends DatabaseSuite {
    static final Instant NOW = Instant.parse("2026-03-10T12:00:00Z");
    static final Caller ADMIN = Caller.admin("admin-export");
    static final String A = "creator-a";
    /** A creator id, and below model ids, eventIds, references, notes and reasons, that a spreadsheet would run. */
    static final String B = "@creator-b";
    static final Caller CREATOR_A = Caller.creator(A);
    static final Caller CREATOR_B = Caller.creator(B);
    static final String A_MODEL = "a-model";
    static final String A_FORMULA_MODEL = "=HYPERLINK(\"http://evil.example\",\"x\")";
    static final String B_MODEL = "-b-model";
    static final String BULK = "creator-bulk";
    static final String BULK_MODEL = "bulk-model";
    static final int BULK_USES = 2_500;
    static final Instant BULK_START = Instant.parse("2026-02-20T00:00:00Z");
    static final Instant MARCH = Instant.parse("2026-03-01T00:00:00Z");
    static final Instant MARCH_10 = Instant.parse("2026-03-10T00:00:00Z");
    static final Instant EVER_FROM = Instant.parse("2026-01-01T00:00:00Z");
    static final Instant EVER_TO = Instant.parse("2026-04-01T00:00:00Z");
    /** The boundaries of the period tests: uses sit on them and a microsecond to either side. */
    static final Instant EDGE_FROM = Instant.parse("2026-03-07T00:00:00Z");
    static final Instant EDGE_TO = Instant.parse("2026-03-09T00:00:00Z");

    static final List<String> USE_COLUMNS = List.of("eventId", "occurredAt", "recordedAt", "creatorId", "modelId",
            "userPseudonym", "usageType", "requestedUsageType", "tokensConsumed", "useOrdinal", "priorCountedUses", "selfUse",
            "tierIndex", "tierThreshold", "tierMultiplier", "typeMultiplier", "pricingVersion", "tokenPart", "base",
            "earnings", "currency", "noEarningsReason");
    static final List<String> REVERSAL_COLUMNS = List.of("correctionId", "eventId", "reversedAt", "creatorId", "modelId",
            "amount", "currency", "useDay", "actor", "reason");
    static final List<String> PAYOUT_COLUMNS = List.of("payoutId", "reference", "creatorId", "createdAt", "createdBy",
            "amount", "amountMinor", "currency", "status", "updatedAt", "updatedBy", "note", "statusReason");
    static final List<String> AUDIT_COLUMNS = List.of("id", "occurredAt", "actor", "action", "targetType", "targetId",
            "creatorId", "reason", "before", "after");

    static final JsonMapper JSON = JsonMapper.builder().build();
    static final CsvMapper CSV = CsvMapper.builder().enable(CsvParser.Feature.WRAP_AS_ARRAY).build();

    /** The host's pseudonym key of {@link #keyed}, so the test computes every pseudonym itself. */
    static final byte[] KEY = new byte[32];

    static {
        new Random(7).nextBytes(KEY);
    }

    /** The instance every export here runs on: this database, with the host's pseudonym key. */
    Earnings keyed;
    /** A second instance whose connections a test may break. */
    FaultyDataSource faulty;
    Earnings breakable;
    long payoutOfA;

    /** An export, called the same way for each of the four. */
    @FunctionalInterface
    interface Export {
        long run(Exports exports, @Nullable Caller caller, @Nullable ExportQuery query, @Nullable ExportFormat format,
                @Nullable OutputStream out) throws IOException;
    }

    enum Kind {
        USES(Exports::uses, USE_COLUMNS),
        REVERSALS(Exports::reversals, REVERSAL_COLUMNS),
        PAYOUTS(Exports::payouts, PAYOUT_COLUMNS),
        AUDIT_LOG(Exports::auditLog, AUDIT_COLUMNS);

        final Export export;
        final List<String> columns;

        Kind(Export export, List<String> columns) {
            this.export = export;
            this.columns = columns;
        }
    }

    /** A cell a host or caller chose, which CSV neutralises. */
    record Text(String value) {
    }

    /** A JSON object the library stored. */
    record Json(String value) {
    }

    /** A row as the test read it: its id and time for sorting, its creator for filtering, its values. */
    record Stored(long id, Instant time, @Nullable String creatorId, Map<String, Object> values) {
    }

    @Override
    Instant start() {
        return NOW;
    }

    @BeforeAll
    void fixture() {
        keyed = db.builder().clock(clock).migrateOnStart(false).pseudonymKey(KEY).build();
        faulty = new FaultyDataSource(db.dataSource);
        breakable = db.builder(faulty.dataSource()).clock(clock).migrateOnStart(false).pseudonymKey(KEY).build();

        clock.set(Instant.parse("2026-03-01T08:00:00Z"));
        keyed.models().register(ADMIN, A_MODEL, A, ModelPricing.of("1.25", "0.0001"));
        keyed.models().register(ADMIN, A_FORMULA_MODEL, A, ModelPricing.of("0.5", "0"));
        keyed.models().register(ADMIN, B_MODEL, B, ModelPricing.of("2", "0.000001"));
        keyed.models().register(ADMIN, BULK_MODEL, BULK, ModelPricing.of("0.001", "0"));

        clock.set(Instant.parse("2026-03-09T12:00:00Z"));
        use("a-1", "user-1", A_MODEL, 100, "image_generation", "2026-03-02T10:00:00Z");
        use("=SUM(A1:A9)", "user-2", A_MODEL, 0, "chat", "2026-03-02T11:00:00.000001Z");
        use("+a-3", A, A_MODEL, 5, "chat", "2026-03-03T00:00:00Z");
        use("'quoted", "user-1", A_FORMULA_MODEL, 0, "other", "2026-03-04T23:59:59.999999Z");
        keyed.models().setMonetized(ADMIN, A_FORMULA_MODEL, false);
        use("-a-5", "user-3", A_FORMULA_MODEL, 0, "other", "2026-03-05T06:00:00Z");
        use("b-1", "user-1", B_MODEL, 1000, "image_generation", "2026-03-02T12:00:00Z");
        use("@b-2", "user-4", B_MODEL, 10, "chat", "2026-03-06T00:00:00Z");
        use("edge-before", "user-5", A_MODEL, 0, "image_generation", EDGE_FROM.minus(1, ChronoUnit.MICROS).toString());
        use("edge-from", "user-5", A_MODEL, 0, "image_generation", EDGE_FROM.toString());
        use("edge-last", "user-5", A_MODEL, 0, "image_generation", EDGE_TO.minus(1, ChronoUnit.MICROS).toString());
        use("edge-to", "user-5", A_MODEL, 0, "image_generation", EDGE_TO.toString());
        List<UsageRequest> bulk = new ArrayList<>();
        for (int i = 0; i < BULK_USES; i++) {
            bulk.add(UsageRequest.builder("bulk-user-" + i % 50, BULK_MODEL).usageType("chat").tokensConsumed(i)
                    .occurredAt(BULK_START.plusSeconds(i)).eventId("bulk-" + i)
                    .metadata(Map.of("prompt", "a secret prompt " + i)).build());
        }
        assertThat(keyed.logModelUsageBatch(bulk).recorded()).isEqualTo(BULK_USES);

        clock.set(Instant.parse("2026-03-09T13:00:00Z"));
        keyed.reversals().reverse(ADMIN, ReversalRequest.partial("a-1", new BigDecimal("0.25"), "@corr-1",
                "=cmd|' /C calc'!A0"));
        clock.set(Instant.parse("2026-03-09T14:00:00Z"));
        keyed.reversals().reverse(ADMIN, ReversalRequest.whole("=SUM(A1:A9)", "corr-2", "\trefund, with a comma\nand a line"));
        clock.set(EDGE_TO.plus(1, ChronoUnit.DAYS).minus(1, ChronoUnit.MICROS));
        keyed.reversals().reverse(ADMIN, ReversalRequest.partial("b-1", new BigDecimal("0.000000000001"), "-corr-3",
                "\rchargeback"));
        clock.set(MARCH_10);
        keyed.reversals().reverse(ADMIN, ReversalRequest.whole("a-1", "corr-4", "the rest"));

        clock.set(Instant.parse("2026-03-10T01:00:00Z"));
        payoutOfA = keyed.payouts().create(ADMIN, PayoutRequest.of(A, 100, "+ref-1").note("=note")).id();
        keyed.payouts().complete(ADMIN, payoutOfA, "-wire 1");
        clock.set(Instant.parse("2026-03-10T02:00:00Z"));
        long payoutOfB = keyed.payouts().create(ADMIN, PayoutRequest.of(B, 50, "b-ref")).id();
        keyed.payouts().fail(ADMIN, payoutOfB, "@bank said no");
        clock.set(NOW);
    }

    private void use(String eventId, String userId, String modelId, long tokens, String type, String occurredAt) {
        keyed.logModelUsage(UsageRequest.builder(userId, modelId).tokensConsumed(tokens).usageType(type)
                .occurredAt(Instant.parse(occurredAt)).eventId(eventId).metadata(Map.of("prompt", "a secret prompt")).build());
    }

    @AfterAll
    void closeInstances() {
        if (breakable != null) {
            breakable.close();
        }
        if (keyed != null) {
            keyed.close();
        }
    }

    // ------------------------------------------------------------------ the rows as the test reads them

    List<Map<String, Object>> expected(Kind kind, Optional<String> creatorId, Instant from, Instant to) {
        List<Stored> all;
        switch (kind) {
            case USES:
                all = read("SELECT * FROM " + db.table("model_usage_logs"), ExportSuite::useRow);
                break;
            case REVERSALS:
                all = read("SELECT * FROM " + db.table("earnings_reversals"), ExportSuite::reversalRow);
                break;
            case PAYOUTS:
                all = read("SELECT * FROM " + db.table("earnings_transactions"), ExportSuite::payoutRow);
                break;
            default:
                all = read("SELECT * FROM " + db.table("earnings_audit_log"), ExportSuite::auditRow);
        }
        return all.stream()
                .filter(s -> creatorId.isEmpty() || creatorId.get().equals(s.creatorId()))
                .filter(s -> !s.time().isBefore(from) && s.time().isBefore(to))
                .sorted(Comparator.comparing(Stored::time).thenComparingLong(Stored::id))
                .map(Stored::values).collect(Collectors.toList());
    }

    @FunctionalInterface
    interface RowReader {
        Stored read(ResultSet rs) throws SQLException;
    }

    private List<Stored> read(String sql, RowReader reader) {
        return db.jdbi.withHandle(h -> h.createQuery(sql).map((rs, ctx) -> reader.read(rs)).list());
    }

    private static Stored useRow(ResultSet rs) throws SQLException {
        String creator = rs.getString("creator_id");
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("eventId", new Text(rs.getString("event_id")));
        v.put("occurredAt", instant(rs, "occurred_at"));
        v.put("recordedAt", instant(rs, "recorded_at"));
        v.put("creatorId", new Text(creator));
        v.put("modelId", new Text(rs.getString("model_id")));
        v.put("userPseudonym", new Text(pseudonym(creator, rs.getString("user_id"))));
        v.put("usageType", new Text(rs.getString("usage_type")));
        v.put("requestedUsageType", new Text(rs.getString("requested_usage_type")));
        v.put("tokensConsumed", rs.getLong("tokens_consumed"));
        long ordinal = rs.getLong("use_ordinal");
        v.put("useOrdinal", rs.wasNull() ? null : ordinal);
        v.put("priorCountedUses", rs.getLong("prior_counted_uses"));
        v.put("selfUse", rs.getBoolean("self_use"));
        v.put("tierIndex", rs.getLong("tier_index"));
        v.put("tierThreshold", rs.getLong("tier_threshold"));
        v.put("tierMultiplier", rs.getBigDecimal("tier_multiplier"));
        v.put("typeMultiplier", rs.getBigDecimal("type_multiplier"));
        v.put("pricingVersion", rs.getLong("pricing_version"));
        v.put("tokenPart", rs.getBigDecimal("token_part"));
        v.put("base", rs.getBigDecimal("base_amount"));
        v.put("earnings", rs.getBigDecimal("earnings"));
        v.put("currency", new Text("USD"));
        String reason = rs.getString("reason");
        v.put("noEarningsReason", reason == null ? null : new Text(reason));
        return new Stored(rs.getLong("id"), instant(rs, "occurred_at"), creator, v);
    }

    private static Stored reversalRow(ResultSet rs) throws SQLException {
        String creator = rs.getString("creator_id");
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("correctionId", new Text(rs.getString("correction_id")));
        v.put("eventId", new Text(rs.getString("event_id")));
        v.put("reversedAt", instant(rs, "reversed_at"));
        v.put("creatorId", new Text(creator));
        v.put("modelId", new Text(rs.getString("model_id")));
        v.put("amount", rs.getBigDecimal("amount").negate());
        v.put("currency", new Text("USD"));
        v.put("useDay", rs.getObject("use_day", LocalDate.class));
        v.put("actor", new Text(rs.getString("actor")));
        v.put("reason", new Text(rs.getString("reason")));
        return new Stored(rs.getLong("id"), instant(rs, "reversed_at"), creator, v);
    }

    private static Stored payoutRow(ResultSet rs) throws SQLException {
        String creator = rs.getString("creator_id");
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("payoutId", rs.getLong("id"));
        v.put("reference", new Text(rs.getString("reference")));
        v.put("creatorId", new Text(creator));
        v.put("createdAt", instant(rs, "created_at"));
        v.put("createdBy", new Text(rs.getString("created_by")));
        v.put("amount", rs.getBigDecimal("amount"));
        v.put("amountMinor", rs.getLong("amount_minor"));
        v.put("currency", new Text(rs.getString("currency")));
        v.put("status", new Text(rs.getString("status")));
        v.put("updatedAt", instant(rs, "updated_at"));
        v.put("updatedBy", new Text(rs.getString("updated_by")));
        v.put("note", textOrNull(rs.getString("note")));
        v.put("statusReason", textOrNull(rs.getString("status_reason")));
        return new Stored(rs.getLong("id"), instant(rs, "created_at"), creator, v);
    }

    private static Stored auditRow(ResultSet rs) throws SQLException {
        String creator = rs.getString("creator_id");
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("id", rs.getLong("id"));
        v.put("occurredAt", instant(rs, "occurred_at"));
        v.put("actor", new Text(rs.getString("actor")));
        v.put("action", new Text(rs.getString("action")));
        v.put("targetType", new Text(rs.getString("target_type")));
        v.put("targetId", new Text(rs.getString("target_id")));
        v.put("creatorId", textOrNull(creator));
        v.put("reason", textOrNull(rs.getString("reason")));
        String before = rs.getString("before_values");
        v.put("before", before == null ? null : new Json(before));
        v.put("after", new Json(rs.getString("after_values")));
        return new Stored(rs.getLong("id"), instant(rs, "occurred_at"), creator, v);
    }

    private static @Nullable Text textOrNull(@Nullable String value) {
        return value == null ? null : new Text(value);
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        return rs.getObject(column, OffsetDateTime.class).toInstant();
    }

    /** The pseudonym of a stored user id as a creator sees it under {@link #KEY}, computed here. */
    static String pseudonym(String creatorId, String storedUserId) {
        try {
            return AnalyticsSuite.hmacPseudonym(KEY, creatorId, storedUserId);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------ the rows as an export wrote them

    /** What an export wrote and returned. */
    record Written(byte[] bytes, long rows) {
        String text() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    Written export(Kind kind, Caller caller, ExportQuery query, ExportFormat format) {
        return export(keyed, kind, caller, query, format);
    }

    static Written export(Earnings on, Kind kind, Caller caller, ExportQuery query, ExportFormat format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            long rows = kind.export.run(on.exports(), caller, query, format, out);
            return new Written(out.toByteArray(), rows);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** CSV parsed back: the header, then each row's cells as written (neutralised, "" for missing). */
    static List<List<String>> csv(byte[] bytes) {
        try (MappingIterator<List<String>> rows = CSV.readerForListOf(String.class).readValues(bytes)) {
            return rows.readAll();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** JSON Lines parsed back, one object a line; every line ends in a line feed. */
    static List<JsonNode> jsonLines(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        if (text.isEmpty()) {
            return List.of();
        }
        assertThat(text).endsWith("\n");
        List<JsonNode> rows = new ArrayList<>();
        for (String line : text.substring(0, text.length() - 1).split("\n", -1)) {
            try {
                rows.add(JSON.readTree(line));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return rows;
    }

    /** The rule of the contract, written here again: a text cell that starts a formula, or with ', gets a ' in front. */
    static String neutralised(String text) {
        return !text.isEmpty() && "=+-@\t\r'".indexOf(text.charAt(0)) >= 0 ? "'" + text : text;
    }

    static String csvCell(@Nullable Object value) {
        if (value == null) {
            return "";
        }
        if (value instanceof Text) {
            return neutralised(((Text) value).value());
        }
        if (value instanceof Json) {
            return neutralised(((Json) value).value());
        }
        if (value instanceof BigDecimal) {
            return ((BigDecimal) value).toPlainString();
        }
        return value.toString();
    }

    static JsonNode jsonRow(Map<String, Object> row) {
        ObjectNode node = JSON.createObjectNode();
        row.forEach((name, value) -> {
            if (value == null) {
                node.putNull(name);
            } else if (value instanceof Text) {
                node.put(name, ((Text) value).value());
            } else if (value instanceof Json) {
                try {
                    node.set(name, JSON.readTree(((Json) value).value()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            } else if (value instanceof BigDecimal) {
                node.put(name, ((BigDecimal) value).toPlainString());
            } else if (value instanceof Long) {
                node.put(name, (Long) value);
            } else if (value instanceof Boolean) {
                node.put(name, (Boolean) value);
            } else {
                node.put(name, value.toString());
            }
        });
        try {
            // Read back, so that numbers compare as a parser reads them.
            return JSON.readTree(node.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Exports in both formats and checks each against the rows the test read, value by value; returns the rows. */
    List<Map<String, Object>> assertExportEqualsRows(Kind kind, Caller caller, ExportQuery query) {
        List<Map<String, Object>> expected = expected(kind, query.creatorId(), query.from(), query.to());
        Written csv = export(kind, caller, query, ExportFormat.CSV);
        List<List<String>> cells = csv(csv.bytes());
        assertThat(cells.get(0)).as("CSV header").containsExactlyElementsOf(kind.columns);
        assertThat(cells.subList(1, cells.size())).as("CSV rows").containsExactlyElementsOf(expected.stream()
                .map(row -> row.values().stream().map(ExportSuite::csvCell).collect(Collectors.toList()))
                .collect(Collectors.toList()));
        assertThat(csv.rows()).isEqualTo(expected.size());
        Written lines = export(kind, caller, query, ExportFormat.JSON_LINES);
        assertThat(jsonLines(lines.bytes())).as("JSON Lines rows").containsExactlyElementsOf(expected.stream()
                .map(ExportSuite::jsonRow).collect(Collectors.toList()));
        assertThat(lines.rows()).isEqualTo(expected.size());
        return expected;
    }

    static List<String> column(List<Map<String, Object>> rows, String name) {
        return rows.stream().map(r -> r.get(name)).map(v -> v instanceof Text ? ((Text) v).value() : String.valueOf(v))
                .collect(Collectors.toList());
    }

    // ------------------------------------------------------------------ uses

    @Test
    void aCreatorsUses_equalTheirRows_inBothFormats_withTheBreakdownTheyWereRatedWith() {
        List<Map<String, Object>> rows = assertExportEqualsRows(Kind.USES, CREATOR_A, ExportQuery.creator(A, MARCH, MARCH_10));
        assertThat(column(rows, "eventId")).containsExactly("a-1", "=SUM(A1:A9)", "+a-3", "'quoted", "-a-5", "edge-before",
                "edge-from", "edge-last", "edge-to");
        Map<String, Object> first = rows.get(0);
        // (1.25 + 100 x 0.0001) x 1 (tier 1) x 1 (image_generation)
        assertThat(csvCell(first.get("tokenPart"))).isEqualTo("0.010000000000");
        assertThat(csvCell(first.get("base"))).isEqualTo("1.260000000000");
        assertThat(csvCell(first.get("earnings"))).isEqualTo("1.260000000000");
        assertThat(csvCell(first.get("tierMultiplier"))).isEqualTo("1.000000000000");
        assertThat(first.get("useOrdinal")).isEqualTo(1L);
        // chat: 1.25 x 0.8
        assertThat(csvCell(rows.get(1).get("earnings"))).isEqualTo("1.000000000000");
        assertThat(csvCell(rows.get(1).get("typeMultiplier"))).isEqualTo("0.800000000000");
        // Self-use: recorded, not counted toward the tier, earns nothing.
        assertThat(rows.get(2).get("useOrdinal")).isNull();
        assertThat(rows.get(2).get("selfUse")).isEqualTo(true);
        assertThat(rows.get(2).get("noEarningsReason")).isEqualTo(new Text("SELF_USE"));
        assertThat(rows.get(4).get("noEarningsReason")).isEqualTo(new Text("NOT_MONETIZED"));
    }

    @Test
    void thePlatformsUses_byAnAdmin_areEveryCreatorsRows_andAnAdminMayExportAnyCreator() {
        List<Map<String, Object>> platform = assertExportEqualsRows(Kind.USES, ADMIN, ExportQuery.platform(MARCH, MARCH_10));
        assertThat(column(platform, "creatorId")).contains(A, B).doesNotContain(BULK);
        List<Map<String, Object>> ofB = assertExportEqualsRows(Kind.USES, ADMIN, ExportQuery.creator(B, MARCH, MARCH_10));
        assertThat(column(ofB, "eventId")).containsExactly("b-1", "@b-2");
        assertThat(assertExportEqualsRows(Kind.USES, CREATOR_B, ExportQuery.creator(B, MARCH, MARCH_10))).isEqualTo(ofB);
        assertThat(column(assertExportEqualsRows(Kind.USES, ADMIN, ExportQuery.platform(BULK_START, MARCH)), "creatorId"))
                .hasSizeGreaterThanOrEqualTo(BULK_USES).containsOnly(BULK);
    }

    @Test
    void noExport_holdsAUserId_metadataOrAPrompt() {
        for (Kind kind : Kind.values()) {
            for (ExportFormat format : ExportFormat.values()) {
                String text = export(kind, ADMIN, ExportQuery.platform(EVER_FROM, EVER_TO), format).text();
                assertThat(text).doesNotContain("user-", "secret prompt", "prompt");
            }
        }
        String uses = export(Kind.USES, ADMIN, ExportQuery.platform(EVER_FROM, EVER_TO), ExportFormat.CSV).text();
        assertThat(uses).contains(pseudonym(A, db.storedUser("user-1")));
    }

    // ------------------------------------------------------------------ periods

    @Test
    void thePeriodIsHalfOpen_toTheMicrosecond() {
        List<String> inside = column(assertExportEqualsRows(Kind.USES, CREATOR_A, ExportQuery.creator(A, EDGE_FROM, EDGE_TO)),
                "eventId");
        assertThat(inside).containsExactly("edge-from", "edge-last");
        // A bound between two microseconds is taken at the next one: the row at EDGE_FROM is before it,
        // the row at EDGE_TO too.
        assertThat(column(assertExportEqualsRows(Kind.USES, CREATOR_A, ExportQuery.creator(A,
                EDGE_FROM.plusNanos(1), EDGE_TO.plusNanos(1))), "eventId")).containsExactly("edge-last", "edge-to");
        // Two adjacent periods hold every row of their union once.
        List<Map<String, Object>> union = expected(Kind.USES, Optional.of(A), MARCH, MARCH_10);
        List<Map<String, Object>> first = assertExportEqualsRows(Kind.USES, CREATOR_A, ExportQuery.creator(A, MARCH, EDGE_FROM));
        List<Map<String, Object>> second = assertExportEqualsRows(Kind.USES, CREATOR_A,
                ExportQuery.creator(A, EDGE_FROM, MARCH_10));
        List<Map<String, Object>> both = new ArrayList<>(first);
        both.addAll(second);
        assertThat(both).isEqualTo(union);
        assertThat(column(first, "eventId")).endsWith("edge-before");
        assertThat(column(second, "eventId")).startsWith("edge-from");
    }

    @Test
    void reversalsAtTheLastMicrosecondOfADay_andAtMidnight_fallInTheirOwnPeriods() {
        Instant day = EDGE_TO;
        Instant next = day.plus(1, ChronoUnit.DAYS);
        assertThat(column(assertExportEqualsRows(Kind.REVERSALS, ADMIN, ExportQuery.platform(day, next)), "correctionId"))
                .containsExactly("@corr-1", "corr-2", "-corr-3");
        assertThat(column(assertExportEqualsRows(Kind.REVERSALS, ADMIN, ExportQuery.platform(next, next.plusSeconds(1))),
                "correctionId")).containsExactly("corr-4");
        assertThat(column(assertExportEqualsRows(Kind.REVERSALS, ADMIN, ExportQuery.platform(next.minus(1, ChronoUnit.MICROS),
                next)), "correctionId")).containsExactly("-corr-3");
    }

    // ------------------------------------------------------------------ reversals, payouts, audit

    @Test
    void reversals_areNegativeAndExact_andUsesPlusReversalsAreTheNetEarnings() {
        List<Map<String, Object>> ofA = assertExportEqualsRows(Kind.REVERSALS, CREATOR_A,
                ExportQuery.creator(A, EVER_FROM, EVER_TO));
        assertThat(column(ofA, "correctionId")).containsExactly("@corr-1", "corr-2", "corr-4");
        assertThat(column(ofA, "eventId")).containsExactly("a-1", "=SUM(A1:A9)", "a-1");
        assertThat(ofA.stream().map(r -> csvCell(r.get("amount")))).containsExactly("-0.250000000000", "-1.000000000000",
                "-1.010000000000");
        assertThat(column(ofA, "actor")).containsOnly("admin-export");
        assertThat(ofA.get(0).get("useDay")).isEqualTo(LocalDate.of(2026, 3, 2));
        List<Map<String, Object>> ofB = assertExportEqualsRows(Kind.REVERSALS, CREATOR_B,
                ExportQuery.creator(B, EVER_FROM, EVER_TO));
        assertThat(ofB).hasSize(1);
        assertThat(csvCell(ofB.get(0).get("amount"))).isEqualTo("-0.000000000001");

        // As written, the amounts add up to the balance the library keeps.
        for (String creator : List.of(A, B)) {
            ExportQuery all = ExportQuery.creator(creator, EVER_FROM, EVER_TO);
            BigDecimal net = sumOf(export(Kind.USES, ADMIN, all, ExportFormat.JSON_LINES), "earnings")
                    .add(sumOf(export(Kind.REVERSALS, ADMIN, all, ExportFormat.JSON_LINES), "amount"));
            assertThat(net).isEqualByComparingTo(keyed.analytics().balance(ADMIN, creator).earned().amount());
        }
    }

    private static BigDecimal sumOf(Written lines, String field) {
        return jsonLines(lines.bytes()).stream().map(row -> new BigDecimal(row.get(field).textValue()))
                .reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    @Test
    void payouts_equalTheirRows_eachAsItStandsNow() {
        List<Map<String, Object>> ofA = assertExportEqualsRows(Kind.PAYOUTS, CREATOR_A, ExportQuery.creator(A, MARCH, EVER_TO));
        assertThat(ofA).hasSize(1);
        Map<String, Object> paid = ofA.get(0);
        assertThat(paid.get("payoutId")).isEqualTo(payoutOfA);
        assertThat(paid.get("reference")).isEqualTo(new Text("+ref-1"));
        assertThat(csvCell(paid.get("amount"))).isEqualTo("1.000000000000");
        assertThat(paid.get("amountMinor")).isEqualTo(100L);
        assertThat(paid.get("status")).isEqualTo(new Text("COMPLETED"));
        assertThat(paid.get("note")).isEqualTo(new Text("=note"));
        assertThat(paid.get("statusReason")).isEqualTo(new Text("-wire 1"));
        assertThat(paid.get("createdAt")).isEqualTo(Instant.parse("2026-03-10T01:00:00Z"));
        List<Map<String, Object>> platform = assertExportEqualsRows(Kind.PAYOUTS, ADMIN, ExportQuery.platform(MARCH, EVER_TO));
        assertThat(column(platform, "status")).containsExactly("COMPLETED", "FAILED");
        assertThat(platform.get(1).get("note")).isNull();
        // Created at 01:00 and 02:00: the period is of their creation.
        assertThat(assertExportEqualsRows(Kind.PAYOUTS, ADMIN, ExportQuery.platform(Instant.parse("2026-03-10T01:00:00.000001Z"),
                EVER_TO))).hasSize(1);
    }

    @Test
    void theAuditLog_equalsTheLog_forTheWholePlatformOrOneCreator() {
        List<Map<String, Object>> all = assertExportEqualsRows(Kind.AUDIT_LOG, ADMIN, ExportQuery.platform(EVER_FROM, EVER_TO));
        assertThat(column(all, "action")).contains("MODEL_REGISTERED", "USE_REVERSED", "PAYOUT_CREATED");
        List<Map<String, Object>> ofA = assertExportEqualsRows(Kind.AUDIT_LOG, ADMIN, ExportQuery.creator(A, EVER_FROM, EVER_TO));
        assertThat(column(ofA, "creatorId")).containsOnly(A);
        assertThat(column(ofA, "targetId")).contains(A_MODEL, A_FORMULA_MODEL, "a-1", "=SUM(A1:A9)", Long.toString(payoutOfA));
        // In JSON Lines the values before and after are objects, their amounts exact strings.
        JsonNode reversal = jsonLines(export(Kind.AUDIT_LOG, ADMIN, ExportQuery.creator(A, EVER_FROM, EVER_TO),
                ExportFormat.JSON_LINES).bytes()).stream()
                .filter(r -> r.get("targetId").textValue().equals("a-1") && r.get("reason").textValue().equals("the rest"))
                .findFirst().orElseThrow();
        assertThat(reversal.get("after").isObject()).isTrue();
        assertThat(reversal.get("after").get("reversed").textValue()).isEqualTo("1.010000000000");
        assertThat(reversal.get("before").get("remaining").textValue()).isEqualTo("1.010000000000");
    }

    // ------------------------------------------------------------------ access

    @ParameterizedTest
    @EnumSource(Kind.class)
    void whoMayExport_followsTheReportsRules_andADenialWritesNothing(Kind kind) {
        ExportQuery ofA = ExportQuery.creator(A, EVER_FROM, EVER_TO);
        ExportQuery ofB = ExportQuery.creator(B, EVER_FROM, EVER_TO);
        ExportQuery platform = ExportQuery.platform(EVER_FROM, EVER_TO);
        for (ExportFormat format : ExportFormat.values()) {
            assertDenied(kind, CREATOR_A, ofB, format);
            assertDenied(kind, CREATOR_A, platform, format);
            assertDenied(kind, null, ofA, format);
            assertDenied(kind, null, platform, format);
            assertDenied(kind, Caller.creator("nobody-known"), ExportQuery.creator("nobody-known", EVER_FROM, EVER_TO), format);
            if (kind == Kind.AUDIT_LOG) {
                assertDenied(kind, CREATOR_A, ofA, format);
            } else {
                assertThat(export(kind, CREATOR_A, ofA, format).rows()).isEqualTo(expected(kind, Optional.of(A), EVER_FROM,
                        EVER_TO).size());
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertThatThrownBy(() -> kind.export.run(keyed.exports(), ADMIN, ExportQuery.creator("nobody-known", EVER_FROM,
                    EVER_TO), format, out)).isInstanceOf(InvalidInputException.class).hasMessageContaining("not a known creator");
            assertThat(out.size()).isZero();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(catchThrowableOfType(InvalidInputException.class, () -> kind.export.run(keyed.exports(), ADMIN, null,
                ExportFormat.CSV, out)).field()).isEqualTo("query");
        assertThat(catchThrowableOfType(InvalidInputException.class, () -> kind.export.run(keyed.exports(), ADMIN, platform,
                null, out)).field()).isEqualTo("format");
        assertThat(catchThrowableOfType(InvalidInputException.class, () -> kind.export.run(keyed.exports(), ADMIN, platform,
                ExportFormat.CSV, null)).field()).isEqualTo("out");
        assertThat(out.size()).isZero();
    }

    private void assertDenied(Kind kind, @Nullable Caller caller, ExportQuery query, ExportFormat format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThatThrownBy(() -> kind.export.run(keyed.exports(), caller, query, format, out))
                .as("%s by %s of %s", kind, caller, query).isInstanceOf(AccessDeniedException.class);
        assertThat(out.size()).as("bytes written by a denied %s", kind).isZero();
    }

    // ------------------------------------------------------------------ pseudonyms

    @Test
    void pseudonyms_areTheDashboards_keyedByCreatorAndUser() {
        DashboardQuery query = DashboardQuery.of(ReportPeriod.lastDays(30)).limits(5, 100, 0);
        for (Earnings instance : List.of(keyed, earnings)) {
            List<JsonNode> rows = jsonLines(export(instance, Kind.USES, CREATOR_A, ExportQuery.creator(A, EVER_FROM, EVER_TO),
                    ExportFormat.JSON_LINES).bytes());
            List<CreatorDashboard.Activity> activity = instance.analytics().creatorDashboard(CREATOR_A, A, query)
                    .recentActivity();
            assertThat(activity).hasSize(rows.size());
            for (CreatorDashboard.Activity a : activity) {
                JsonNode row = rows.stream().filter(r -> Instant.parse(r.get("occurredAt").textValue()).equals(a.occurredAt())
                        && r.get("modelId").textValue().equals(a.modelId())).findFirst().orElseThrow();
                assertThat(row.get("userPseudonym").textValue()).isEqualTo(a.userPseudonym());
            }
        }
        // With the host's key, the pseudonym is the HMAC of the creator and the stored user, and
        // one user looks different to two creators.
        List<JsonNode> platform = jsonLines(export(Kind.USES, ADMIN, ExportQuery.platform(MARCH, MARCH_10),
                ExportFormat.JSON_LINES).bytes());
        String user1ForA = pseudonymOf(platform, "a-1");
        assertThat(user1ForA).isEqualTo(pseudonym(A, db.storedUser("user-1"))).matches("anon-[0-9a-f]{16}");
        assertThat(pseudonymOf(platform, "'quoted")).isEqualTo(user1ForA);
        assertThat(pseudonymOf(platform, "b-1")).isEqualTo(pseudonym(B, db.storedUser("user-1"))).isNotEqualTo(user1ForA);
        assertThat(pseudonymOf(platform, "=SUM(A1:A9)")).isNotEqualTo(user1ForA);
        // The generated key of the other instance gives other pseudonyms to the same rows.
        List<JsonNode> generated = jsonLines(export(earnings, Kind.USES, ADMIN, ExportQuery.platform(MARCH, MARCH_10),
                ExportFormat.JSON_LINES).bytes());
        assertThat(pseudonymOf(generated, "a-1")).isNotEqualTo(user1ForA).matches("anon-[0-9a-f]{16}");
    }

    private static String pseudonymOf(List<JsonNode> rows, String eventId) {
        return rows.stream().filter(r -> r.get("eventId").textValue().equals(eventId)).findFirst().orElseThrow()
                .get("userPseudonym").textValue();
    }

    // ------------------------------------------------------------------ CSV injection

    @Test
    void csv_neutralisesTextThatWouldRunAsAFormula_butNeverANumber_andJsonLinesKeepEveryValue() {
        ExportQuery everything = ExportQuery.platform(EVER_FROM, EVER_TO);
        Map<String, List<String>> uses = csvRows(Kind.USES, everything, "eventId");
        assertThat(uses.get("'=SUM(A1:A9)").get(0)).isEqualTo("'=SUM(A1:A9)");
        assertThat(uses.get("'+a-3").get(0)).isEqualTo("'+a-3");
        assertThat(uses.get("''quoted").get(4)).isEqualTo("'" + A_FORMULA_MODEL);
        assertThat(uses.get("'-a-5").get(0)).isEqualTo("'-a-5");
        assertThat(uses.get("b-1").subList(3, 5)).containsExactly("'@creator-b", "'-b-model");
        Map<String, List<String>> reversals = csvRows(Kind.REVERSALS, everything, "correctionId");
        assertThat(reversals.get("'@corr-1")).containsExactly("'@corr-1", "a-1", "2026-03-09T13:00:00Z", A, A_MODEL,
                "-0.250000000000", "USD", "2026-03-02", "admin-export", "'=cmd|' /C calc'!A0");
        assertThat(reversals.get("corr-2").get(9)).isEqualTo("'\trefund, with a comma\nand a line");
        assertThat(reversals.get("'-corr-3")).containsExactly("'-corr-3", "b-1", "2026-03-09T23:59:59.999999Z", "'@creator-b",
                "'-b-model", "-0.000000000001", "USD", "2026-03-02", "admin-export", "'\rchargeback");
        Map<String, List<String>> payouts = csvRows(Kind.PAYOUTS, everything, "reference");
        assertThat(payouts.get("'+ref-1").subList(5, 13)).containsExactly("1.000000000000", "100", "USD", "COMPLETED",
                "2026-03-10T01:00:00Z", "admin-export", "'=note", "'-wire 1");
        assertThat(payouts.get("b-ref").get(12)).isEqualTo("'@bank said no");

        // JSON Lines carry the values as they are; removing one leading ' of a CSV text cell gives them back.
        List<JsonNode> lines = jsonLines(export(Kind.REVERSALS, ADMIN, everything, ExportFormat.JSON_LINES).bytes());
        JsonNode third = lines.stream().filter(r -> r.get("correctionId").textValue().equals("-corr-3")).findFirst()
                .orElseThrow();
        assertThat(third.get("reason").textValue()).isEqualTo("\rchargeback");
        assertThat(third.get("amount").textValue()).isEqualTo("-0.000000000001");
        for (Kind kind : Kind.values()) {
            List<List<String>> cells = csv(export(kind, ADMIN, everything, ExportFormat.CSV).bytes());
            List<JsonNode> json = jsonLines(export(kind, ADMIN, everything, ExportFormat.JSON_LINES).bytes());
            assertThat(cells).hasSize(json.size() + 1);
            for (int row = 0; row < json.size(); row++) {
                for (int c = 0; c < kind.columns.size(); c++) {
                    JsonNode value = json.get(row).get(kind.columns.get(c));
                    String cell = cells.get(row + 1).get(c);
                    if (value.isTextual() && cell.startsWith("'")) {
                        assertThat(cell.substring(1)).isEqualTo(value.textValue());
                    } else if (value.isTextual() || value.isNumber() || value.isBoolean()) {
                        assertThat(cell).isEqualTo(value.asText());
                    }
                }
            }
        }
    }

    private Map<String, List<String>> csvRows(Kind kind, ExportQuery query, String keyColumn) {
        List<List<String>> cells = csv(export(kind, ADMIN, query, ExportFormat.CSV).bytes());
        int key = kind.columns.indexOf(keyColumn);
        Map<String, List<String>> byKey = new LinkedHashMap<>();
        cells.subList(1, cells.size()).forEach(row -> byKey.put(row.get(key), row));
        return byKey;
    }

    // ------------------------------------------------------------------ empty exports and the host's stream

    @ParameterizedTest
    @EnumSource(Kind.class)
    void anEmptyExport_isTheHeaderAloneInCsv_andNothingInJsonLines(Kind kind) {
        ExportQuery nothing = ExportQuery.platform(Instant.parse("2020-01-01T00:00:00Z"), Instant.parse("2020-02-01T00:00:00Z"));
        Written csv = export(kind, ADMIN, nothing, ExportFormat.CSV);
        assertThat(csv.rows()).isZero();
        assertThat(csv.text()).isEqualTo(String.join(",", kind.columns) + "\n");
        Written lines = export(kind, ADMIN, nothing, ExportFormat.JSON_LINES);
        assertThat(lines.rows()).isZero();
        assertThat(lines.bytes()).isEmpty();
    }

    @Test
    void theHostsStream_isFlushedAtTheEnd_andLeftOpen() throws IOException {
        for (ExportFormat format : ExportFormat.values()) {
            HostStream host = new HostStream();
            long rows = keyed.exports().uses(CREATOR_A, ExportQuery.creator(A, MARCH, MARCH_10), format, host);
            assertThat(rows).isEqualTo(9);
            assertThat(host.flushes).isPositive();
            assertThat(host.writesSinceFlush).as("bytes written after the last flush").isZero();
            assertThat(host.closed).isFalse();
            assertThat(host.bytes.size()).isPositive();
        }
    }

    /** A host's stream that counts flushes and notes a close. */
    static final class HostStream extends OutputStream {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int flushes;
        int writesSinceFlush;
        boolean closed;

        @Override
        public void write(int b) {
            bytes.write(b);
            writesSinceFlush++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            bytes.write(b, off, len);
            writesSinceFlush++;
        }

        @Override
        public void flush() {
            flushes++;
            writesSinceFlush = 0;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    // ------------------------------------------------------------------ one snapshot, and failures

    @Test
    void aUseRecordedWhileAnExportIsWritten_isNotInIt_andIsNotHeldUpByIt() throws Exception {
        ExportQuery bulk = ExportQuery.creator(BULK, BULK_START, MARCH);
        long before = expected(Kind.USES, Optional.of(BULK), BULK_START, MARCH).size();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicLong recordedAfterMillis = new AtomicLong(-1);
        String late = "late-" + System.nanoTime();
        OutputStream out = new OnFirstWrite(new ByteArrayOutputStream(), () -> {
            long started = System.nanoTime();
            Thread writer = new Thread(() -> {
                try {
                    keyed.logModelUsage(UsageRequest.builder("late-user", BULK_MODEL).usageType("chat").eventId(late)
                            .occurredAt(BULK_START.plusMillis(500)).build());
                    recordedAfterMillis.set(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            writer.start();
            try {
                writer.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        long rows = keyed.exports().uses(Caller.creator(BULK), bulk, ExportFormat.CSV, out);
        assertThat(failure.get()).isNull();
        assertThat(recordedAfterMillis.get()).as("ms the use waited while the export was open").isBetween(0L, 30_000L);
        assertThat(rows).isEqualTo(before);
        assertThat(export(Kind.USES, Caller.creator(BULK), bulk, ExportFormat.CSV).rows()).isEqualTo(before + 1);
    }

    /** Runs something once, at the first byte written, then writes on. */
    static final class OnFirstWrite extends FilterOutputStream {
        private Runnable first;

        OnFirstWrite(OutputStream out, Runnable first) {
            super(out);
            this.first = first;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (first != null) {
                Runnable run = first;
                first = null;
                run.run();
            }
            out.write(b, off, len);
        }
    }

    /** Whether a statement is the export's read of the usage rows. */
    private static boolean exportsUses(String sql) {
        return sql.contains("model_usage_logs") && sql.contains("ORDER BY occurred_at, id");
    }

    @Test
    void aFailureAfterOutputBegan_isNotRetried_andSaysTheOutputIsPartial() {
        AtomicReference<Connection> connection = new AtomicReference<>();
        AtomicInteger runs = new AtomicInteger();
        AtomicLong backend = new AtomicLong();
        faulty.statementFault = (c, sql) -> {
            if (exportsUses(sql)) {
                runs.incrementAndGet();
                connection.set(c);
                if (db.isPostgres()) {
                    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
                        rs.next();
                        backend.set(rs.getLong(1));
                    }
                }
            }
        };
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        // The connection breaks as the first bytes reach the stream: on PostgreSQL the server ends
        // the connection's backend (a transient failure, which would otherwise be retried); on H2 it is closed.
        OutputStream out = new OnFirstWrite(bytes, () -> {
            if (db.isPostgres()) {
                db.jdbi.useHandle(h -> h.createQuery("SELECT pg_terminate_backend(CAST(:pid AS INTEGER))").bind("pid", backend.get())
                        .mapTo(Boolean.class).one());
            } else {
                try {
                    connection.get().close();
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        long retries = breakable.retries();
        try {
            StorageException failure = catchThrowableOfType(StorageException.class, () -> breakable.exports().uses(
                    Caller.creator(BULK), ExportQuery.creator(BULK, BULK_START, MARCH), ExportFormat.JSON_LINES, out));
            assertThat(failure).isNotNull();
            assertThat(failure.getMessage()).contains("exporting uses of creator 'creator-bulk' failed after", "rows and",
                    "bytes were written: the output is partial, and the export was not run again");
            if (db.isPostgres()) {
                assertThat(failure.isTransient()).isTrue();
            }
            assertThat(runs.get()).isEqualTo(1);
            assertThat(breakable.retries()).isEqualTo(retries);
            assertThat(bytes.size()).isPositive();
            assertThat(bytes.toString(StandardCharsets.UTF_8).split("\n")).hasSizeLessThan(BULK_USES);
        } finally {
            faulty.reset();
        }
    }

    @Test
    void aTransientFailureBeforeAnyOutput_isRetried_andTheRowsAreWrittenOnce() {
        AtomicInteger runs = new AtomicInteger();
        faulty.statementFault = (c, sql) -> {
            if (exportsUses(sql) && runs.incrementAndGet() == 1) {
                throw new SQLException("serialization failure (simulated)", "40001");
            }
        };
        long retries = breakable.retries();
        try {
            ExportQuery ofA = ExportQuery.creator(A, MARCH, MARCH_10);
            Written csv = export(breakable, Kind.USES, CREATOR_A, ofA, ExportFormat.CSV);
            assertThat(runs.get()).isEqualTo(2);
            assertThat(breakable.retries()).isEqualTo(retries + 1);
            assertThat(csv.bytes()).isEqualTo(export(Kind.USES, CREATOR_A, ofA, ExportFormat.CSV).bytes());
            assertThat(csv(csv.bytes())).hasSize(10);
        } finally {
            faulty.reset();
        }
    }

    @Test
    void aCommitLostAfterEveryRowWasWritten_returnsTheRows_withoutWritingThemAgain() {
        FaultyDataSource.LoseFirst lost = new FaultyDataSource.LoseFirst(statements -> statements.stream()
                .anyMatch(ExportSuite::exportsUses));
        faulty.commitFault = lost;
        long retries = breakable.retries();
        try {
            ExportQuery ofA = ExportQuery.creator(A, MARCH, MARCH_10);
            Written lines = export(breakable, Kind.USES, CREATOR_A, ofA, ExportFormat.JSON_LINES);
            assertThat(faulty.lostCommits.get()).isEqualTo(1);
            assertThat(lines.rows()).isEqualTo(9);
            assertThat(lines.bytes()).isEqualTo(export(Kind.USES, CREATOR_A, ofA, ExportFormat.JSON_LINES).bytes());
            assertThat(breakable.retries()).isEqualTo(retries + 1);
        } finally {
            faulty.reset();
            faulty.clearCounts();
        }
    }

    @Test
    void aFailingStream_isTheHostsOwnIOException_andNothingIsRetried() {
        IOException full = new IOException("disk full");
        OutputStream out = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw full;
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                throw full;
            }
        };
        long retries = keyed.retries();
        for (ExportFormat format : ExportFormat.values()) {
            assertThatThrownBy(() -> keyed.exports().uses(CREATOR_A, ExportQuery.creator(A, MARCH, MARCH_10), format, out))
                    .isSameAs(full);
        }
        assertThat(keyed.retries()).isEqualTo(retries);
    }

    @Test
    void anExportQuery_isAHalfOpenPeriod_andNamesItsCreatorAsAnId() {
        assertThat(catchThrowableOfType(InvalidInputException.class, () -> ExportQuery.platform(MARCH, MARCH)).field())
                .isEqualTo("to");
        assertThat(catchThrowableOfType(InvalidInputException.class, () -> ExportQuery.platform(MARCH_10, MARCH)).field())
                .isEqualTo("to");
        assertThat(catchThrowableOfType(InvalidInputException.class, () -> ExportQuery.platform(null, MARCH)).field())
                .isEqualTo("from");
        assertThat(catchThrowableOfType(InvalidInputException.class, () -> ExportQuery.creator(null, MARCH, MARCH_10)).field())
                .isEqualTo("creatorId");
        assertThat(catchThrowableOfType(InvalidInputException.class, () -> ExportQuery.creator(" ", MARCH, MARCH_10)).field())
                .isEqualTo("creatorId");
        assertThat(ExportQuery.platform(MARCH, MARCH.plusNanos(1)).creatorId()).isEmpty();
    }
}
