package dev.earnings.jdbc;

import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jdbi.v3.core.Handle;

/**
 * Data as version 1 of the schema stored it, written straight into its tables: two models of one
 * creator (one monetized, with a pricing change, one not), 128 uses with ordinals, self-uses and
 * both tiers, the counters and rollups that follow from them (computed here with {@link Oracle}),
 * the currency setting and two payouts. Version 1 had no creators table, no payout history and no
 * write tokens.
 */
final class SchemaV1Data {
    static final String CREATOR = "legacy-creator";
    static final String PAID = "legacy-paid";
    static final String OFF = "legacy-off";
    static final Instant REGISTERED = Instant.parse("2026-02-01T09:00:00Z");
    static final Instant REPRICED = Instant.parse("2026-02-21T00:00:00Z");
    static final String[] TYPES = {"image_generation", "chat", "other"};
    /** The tables of version 1 and the columns that order their rows. */
    static final Map<String, String> TABLES = new LinkedHashMap<>();

    static {
        TABLES.put("earnings_settings", "setting_name");
        TABLES.put("earnings_models", "model_id");
        TABLES.put("earnings_model_pricing", "model_id, version");
        TABLES.put("model_creator_earnings", "model_id");
        TABLES.put("model_usage_logs", "id");
        TABLES.put("model_analytics", "model_id, usage_day");
        TABLES.put("model_daily_users", "model_id, usage_day, user_id");
        TABLES.put("earnings_transactions", "id");
    }

    /** A use as version 1 stored it, with what a replay needs. */
    record Use(String eventId, String modelId, String userId, long tokens, String type, String metadata,
            Instant occurredAt, boolean occurredAtGiven, Long ordinal, long prior, boolean selfUse, int pricingVersion,
            String perUse, String perToken, BigDecimal earnings, String reason) {

        UsageRequest replay() {
            UsageRequest.Builder b = UsageRequest.builder(userId, modelId).tokensConsumed(tokens).usageType(type)
                    .eventId(eventId);
            if (metadata != null) {
                b.metadataJson(metadata);
            }
            if (occurredAtGiven) {
                b.occurredAt(occurredAt);
            }
            return b.build();
        }
    }

    final List<Use> uses = new ArrayList<>();
    long completedPayout;
    long pendingPayout;

    /** Writes the data and returns what was written. */
    static SchemaV1Data write(TestDatabase db) {
        SchemaV1Data data = new SchemaV1Data();
        db.jdbi.useTransaction(h -> data.insert(h, db));
        return data;
    }

    /** Every row of the version 1 tables, by table, as read now. */
    static Map<String, List<Map<String, Object>>> read(TestDatabase db) {
        Map<String, List<Map<String, Object>>> tables = new LinkedHashMap<>();
        TABLES.forEach((table, order) -> tables.put(table, db.jdbi.withHandle(h -> h.createQuery("SELECT * FROM "
                + db.table(table) + " ORDER BY " + order).mapToMap().list())));
        return tables;
    }

    /** The lifetime earnings of the legacy creator. */
    BigDecimal earned() {
        return uses.stream().map(Use::earnings).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    long counted(String modelId) {
        return uses.stream().filter(u -> u.modelId().equals(modelId) && u.ordinal() != null).count();
    }

    private void insert(Handle h, TestDatabase db) {
        row(h, db, "earnings_settings", "setting_name", "currency", "setting_value", "USD");
        row(h, db, "earnings_models", "model_id", PAID, "creator_id", CREATOR, "pricing_version", 2,
                "earnings_per_use", new BigDecimal("0.02"), "earnings_per_token", BigDecimal.ZERO,
                "monetized", true, "registered_at", REGISTERED, "pricing_since", REPRICED);
        row(h, db, "earnings_models", "model_id", OFF, "creator_id", CREATOR, "pricing_version", 1,
                "earnings_per_use", new BigDecimal("0.05"), "earnings_per_token", BigDecimal.ZERO,
                "monetized", false, "registered_at", REGISTERED, "pricing_since", REGISTERED);
        row(h, db, "earnings_model_pricing", "model_id", PAID, "version", 1, "earnings_per_use", new BigDecimal("0.01"),
                "earnings_per_token", new BigDecimal("0.0001"), "monetized", true, "effective_from", REGISTERED);
        row(h, db, "earnings_model_pricing", "model_id", PAID, "version", 2, "earnings_per_use", new BigDecimal("0.02"),
                "earnings_per_token", BigDecimal.ZERO, "monetized", true, "effective_from", REPRICED);
        row(h, db, "earnings_model_pricing", "model_id", OFF, "version", 1, "earnings_per_use", new BigDecimal("0.05"),
                "earnings_per_token", BigDecimal.ZERO, "monetized", false, "effective_from", REGISTERED);

        // The paid model: 123 uses over three days, every 41st the creator's own; the price changed
        // at the start of the second day.
        long counted = 0;
        for (int i = 0; i < 123; i++) {
            Instant at = REPRICED.minus(Duration.ofDays(1)).plus(Duration.ofDays(i / 41)).plus(Duration.ofHours(10))
                    .plus(Duration.ofMinutes(i)).plusNanos(123_000L * i);
            boolean self = i % 41 == 40;
            boolean v1 = at.isBefore(REPRICED);
            String perUse = v1 ? "0.01" : "0.02";
            String perToken = v1 ? "0.0001" : "0";
            long tokens = (i * 37L) % 500;
            String type = TYPES[i % 3];
            Long ordinal = self ? null : ++counted;
            long prior = self ? counted : counted - 1;
            BigDecimal earnings = self ? BigDecimal.ZERO.setScale(12)
                    : Oracle.earnings(perUse, perToken, tokens, type, ordinal);
            uses.add(new Use("legacy-" + i, PAID, self ? CREATOR : "legacy-user-" + (i % 7), tokens, type,
                    i % 10 == 0 ? "{\"seed\":" + i + "}" : null, at, i % 5 == 0, ordinal, prior, self, v1 ? 1 : 2,
                    perUse, perToken, earnings, self ? "SELF_USE" : null));
        }
        // The model that is not monetized: counted, earning nothing.
        for (int i = 0; i < 5; i++) {
            Instant at = REPRICED.plus(Duration.ofDays(1)).plus(Duration.ofHours(14)).plus(Duration.ofMinutes(i));
            uses.add(new Use("legacy-off-" + i, OFF, "legacy-user-" + i, 0, "image_generation", null, at, false,
                    (long) i + 1, i, false, 1, "0.05", "0", BigDecimal.ZERO.setScale(12), "NOT_MONETIZED"));
        }

        Map<String, long[]> modelCounts = new TreeMap<>();
        Map<String, BigDecimal> modelEarnings = new TreeMap<>();
        Map<String, Instant> lastUsed = new TreeMap<>();
        Map<String, long[]> dayCounts = new TreeMap<>();
        Map<String, BigDecimal> dayEarnings = new TreeMap<>();
        Map<String, Set<String>> dayUsers = new TreeMap<>();
        for (Use u : uses) {
            long n = u.ordinal() == null ? u.prior() + 1 : u.ordinal();
            LocalDate day = LocalDate.ofInstant(u.occurredAt(), ZoneOffset.UTC);
            BigDecimal tokenPart = Oracle.tokenPart(u.perToken(), u.tokens());
            row(h, db, "model_usage_logs", "event_id", u.eventId(), "model_id", u.modelId(), "creator_id", CREATOR,
                    "user_id", u.userId(), "tokens_consumed", u.tokens(), "usage_type", u.type(),
                    "requested_usage_type", u.type(), "occurred_at", u.occurredAt(), "occurred_at_given", u.occurredAtGiven(),
                    "usage_day", day, "recorded_at", u.occurredAt().plusSeconds(1), "use_ordinal", u.ordinal(),
                    "prior_counted_uses", u.prior(), "self_use", u.selfUse(), "tier_index", Oracle.tierIndex(n),
                    "tier_threshold", Oracle.tierThreshold(n), "tier_multiplier", Oracle.tierMultiplier(n),
                    "type_multiplier", Oracle.typeMultiplier(u.type()), "pricing_version", u.pricingVersion(),
                    "token_part", tokenPart, "base_amount", Oracle.base(u.perUse(), u.perToken(), u.tokens()),
                    "earnings", u.earnings(), "reason", u.reason(), "metadata", u.metadata());
            long[] m = modelCounts.computeIfAbsent(u.modelId(), k -> new long[3]);
            m[0]++;
            m[1] += u.ordinal() == null ? 0 : 1;
            m[2] += u.tokens();
            modelEarnings.merge(u.modelId(), u.earnings(), BigDecimal::add);
            lastUsed.merge(u.modelId(), u.occurredAt(), (a, b) -> a.isAfter(b) ? a : b);
            String key = u.modelId() + "|" + day;
            long[] d = dayCounts.computeIfAbsent(key, k -> new long[4]);
            d[0]++;
            d[1] += u.ordinal() == null ? 0 : 1;
            d[2] += u.earnings().signum() > 0 ? 1 : 0;
            d[3] += u.tokens();
            dayEarnings.merge(key, u.earnings(), BigDecimal::add);
            dayUsers.computeIfAbsent(key, k -> new TreeSet<>()).add(u.userId());
        }
        modelCounts.forEach((model, m) -> row(h, db, "model_creator_earnings", "model_id", model, "creator_id", CREATOR,
                "counted_uses", m[1], "total_uses", m[0], "total_tokens", m[2], "lifetime_earnings", modelEarnings.get(model),
                "last_used_at", lastUsed.get(model)));
        dayCounts.forEach((key, d) -> {
            String model = key.substring(0, key.indexOf('|'));
            LocalDate day = LocalDate.parse(key.substring(key.indexOf('|') + 1));
            row(h, db, "model_analytics", "model_id", model, "usage_day", day, "creator_id", CREATOR, "uses", d[0],
                    "counted_uses", d[1], "earning_uses", d[2], "tokens", d[3], "earnings", dayEarnings.get(key),
                    "unique_users", (long) dayUsers.get(key).size());
            for (String user : dayUsers.get(key)) {
                row(h, db, "model_daily_users", "model_id", model, "usage_day", day, "user_id", user, "creator_id", CREATOR);
            }
        });

        Instant paidAt = Instant.parse("2026-02-25T08:00:00Z");
        row(h, db, "earnings_transactions", "creator_id", CREATOR, "reference", "legacy-february", "amount_minor", 100L,
                "amount", new BigDecimal("1.00"), "currency", "USD", "status", "COMPLETED", "note", "February",
                "created_at", paidAt, "created_by", "admin-old", "updated_at", paidAt.plusSeconds(3600),
                "updated_by", "admin-old", "status_reason", "wire 1");
        row(h, db, "earnings_transactions", "creator_id", CREATOR, "reference", "legacy-march", "amount_minor", 50L,
                "amount", new BigDecimal("0.50"), "currency", "USD", "status", "PENDING", "note", null,
                "created_at", paidAt.plusSeconds(7200), "created_by", "admin-old", "updated_at", paidAt.plusSeconds(7200),
                "updated_by", "admin-old", "status_reason", null);
        List<Long> ids = h.createQuery("SELECT id FROM " + db.table("earnings_transactions") + " ORDER BY id")
                .mapTo(Long.class).list();
        completedPayout = ids.get(0);
        pendingPayout = ids.get(1);
    }

    /** Inserts one row given as column, value, column, value, ... */
    private static void row(Handle h, TestDatabase db, String table, Object... columnsAndValues) {
        List<String> columns = new ArrayList<>();
        for (int i = 0; i < columnsAndValues.length; i += 2) {
            columns.add((String) columnsAndValues[i]);
        }
        String sql = "INSERT INTO " + db.table(table) + " (" + String.join(", ", columns) + ") VALUES ("
                + String.join(", ", java.util.Collections.nCopies(columns.size(), "?")) + ")";
        try (PreparedStatement statement = h.getConnection().prepareStatement(sql)) {
            for (int i = 1; i < columnsAndValues.length; i += 2) {
                Object value = columnsAndValues[i];
                int position = i / 2 + 1;
                if (value == null) {
                    statement.setNull(position, Types.NULL);
                } else if (value instanceof Instant) {
                    statement.setObject(position, OffsetDateTime.ofInstant((Instant) value, ZoneOffset.UTC));
                } else {
                    statement.setObject(position, value);
                }
            }
            statement.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("could not insert into " + table, e);
        }
    }
}
